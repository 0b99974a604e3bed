"""A resource as every record graph describes it, keeping per fact the records that state it; and a
film as the schema.org Movie a web page embeds. `filmgraph serve` and `export --film` share both.

A description is read with pyoxigraph's quad index (no SPARQL): the resource's own statements,
those of the nodes minted under its IRI (a film's roles, releases, ratings...), the statements
that point at it, and the type and name of every node it mentions, so a page can label its links.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from filmgraph.settings import BASE_IRI
from filmgraph.terms import FG, OWL, RDF, RDF_TYPE, SDO

# Pointers at a much-mentioned node (a country, an organisation) are cut here; the page says so.
INBOUND_LIMIT = 2000
LABEL_LIMIT = 4
LABELS_KEPT = 20_000  # nodes whose label statements a `labels` memory keeps (about 30 MB; then it starts afresh)
_LABELS = (SDO.name, SDO.dateCreated)
_TYPE = ox.NamedNode(RDF_TYPE)
_NAME = ox.NamedNode(SDO.name)
_ACTOR = ox.NamedNode(SDO.actor)
_POSITION = ox.NamedNode(SDO.position)
_RDF_SUBJECT = RDF + "subject"
KINDS = ("film", "person", "character", "series", "graph", "source", "country", "org", "link")


@dataclass(frozen=True, slots=True)
class Fact:
    """One statement and the record graphs that state it (several when records agree)."""

    subject: str
    predicate: str
    object: Any
    graphs: tuple[str, ...]

    @property
    def value(self) -> str:
        return self.object.value


class Description:
    """Facts about one resource and its neighbourhood, indexed by subject and predicate."""

    def __init__(self, iri: str, facts: list[Fact], truncated: bool = False):
        self.iri = iri
        self.facts = sorted(facts, key=lambda f: (f.subject, f.predicate, str(f.object)))
        self.truncated = truncated
        self._out: dict[str, dict[str, list[Fact]]] = defaultdict(lambda: defaultdict(list))
        self._in: dict[str, dict[str, list[Fact]]] = defaultdict(lambda: defaultdict(list))
        for f in self.facts:
            self._out[f.subject][f.predicate].append(f)
            if isinstance(f.object, ox.NamedNode):
                self._in[f.object.value][f.predicate].append(f)

    @property
    def kind(self) -> str:
        return kind_of(self.iri)

    def about(self, subject: str, predicate: str) -> list[Fact]:
        return self._out.get(subject, {}).get(predicate, [])

    def objects(self, subject: str, predicate: str) -> list[Any]:
        """Distinct objects, in a stable order."""
        return _distinct(f.object for f in self.about(subject, predicate))

    def first(self, subject: str, predicate: str) -> str | None:
        values = self.objects(subject, predicate)
        return values[0].value if values else None

    def pointing(self, obj: str, predicate: str) -> list[str]:
        """Subjects that state `predicate` with `obj`, each once."""
        return list(dict.fromkeys(f.subject for f in self._in.get(obj, {}).get(predicate, [])))

    def predicates(self, subject: str) -> list[str]:
        return sorted(self._out.get(subject, {}))

    def name(self, node: str) -> str:
        """The name most records give; at a tie the spelling with accents (records that drop
        them write `Buric` for `Burić`), then the first in code-point order."""
        facts = self.about(node, SDO.name)
        if not facts:
            return label_from_iri(node)
        best = min(facts, key=lambda f: (-len(f.graphs), f.value.isascii(), f.value))
        return best.value

    def types(self, node: str) -> list[str]:
        return [o.value for o in self.objects(node, RDF_TYPE)]

    def graphs(self) -> list[str]:
        return sorted({g for f in self.facts for g in f.graphs})

    def triples(self) -> list[ox.Triple]:
        """The union of what the records say, each triple once, sorted."""
        return [ox.Triple(ox.NamedNode(f.subject), ox.NamedNode(f.predicate), f.object) for f in self.facts]

    def quads(self) -> list[ox.Quad]:
        """Every statement with the record graph that states it."""
        return sorted((ox.Quad(ox.NamedNode(f.subject), ox.NamedNode(f.predicate), f.object, ox.NamedNode(g))
                       for f in self.facts for g in f.graphs), key=str)


def kind_of(iri: str) -> str:
    """`film`, `person`, ... from a minted IRI's first path segment; `resource` for anything else."""
    if not iri.startswith(BASE_IRI):
        return "resource"
    head, _, rest = iri[len(BASE_IRI):].partition("/")
    if head == "film" and "/" in rest:
        return "part"
    return head if head in KINDS else "resource"


def label_from_iri(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _distinct(values: Iterable[Any]) -> list[Any]:
    return list({str(v): v for v in values}.values())


class _Collector:
    def __init__(self, store: ox.Store, labels: dict[str, list[tuple[ox.Triple, str]]] | None = None):
        self.store = store
        self.known = labels
        self.facts: dict[ox.Triple, set[str]] = {}
        self.expanded: set[str] = set()
        self.labelled: set[str] = set()
        self.truncated = False

    def add(self, quad: ox.Quad) -> None:
        graph = quad.graph_name
        if type(graph) is not ox.NamedNode:
            return
        triple = quad.triple  # pyoxigraph terms hash and compare in Rust: no strings made per quad
        graphs = self.facts.get(triple)
        if graphs is None:
            graphs = self.facts[triple] = set()
        graphs.add(graph.value)

    def out(self, node: str) -> list[ox.Quad]:
        """All statements about `node`, once per node."""
        if node in self.expanded:
            return []
        self.expanded.add(node)
        quads = list(self.store.quads_for_pattern(ox.NamedNode(node), None, None, None))
        for q in quads:
            self.add(q)
        return quads

    def labels(self, node: str) -> None:
        """Type, name and year of a node mentioned; a country or studio is named in thousands of
        records, so a few statements of each are enough to label a link. Reading a statement costs
        some 15 microseconds (its strings are looked up in the store), so the label statements of
        a node are kept in `known`, when the caller gives one, for the next description."""
        if node in self.expanded or node in self.labelled:
            return
        self.labelled.add(node)
        found = self.known.get(node) if self.known is not None else None
        if found is None:
            found = []
            for p in _LABELS if kind_of(node) == "film" else _LABELS[:1]:
                for q in itertools.islice(self.store.quads_for_pattern(ox.NamedNode(node), ox.NamedNode(p), None, None),
                                          LABEL_LIMIT):
                    if type(q.graph_name) is ox.NamedNode:
                        found.append((q.triple, q.graph_name.value))
            if self.known is not None:
                if len(self.known) >= LABELS_KEPT:
                    self.known.clear()
                self.known[node] = found
        for triple, graph in found:
            graphs = self.facts.get(triple)
            if graphs is None:
                graphs = self.facts[triple] = set()
            graphs.add(graph)

    def result(self, iri: str) -> Description:
        return Description(iri, [Fact(t.subject.value, t.predicate.value, t.object, tuple(sorted(g)))
                                 for t, g in self.facts.items()], self.truncated)


def _owned(node: str, quads: Iterable[ox.Quad]) -> list[str]:
    prefix = node + "/"
    return sorted({q.object.value for q in quads
                   if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)})


def describe_resource(store: ox.Store, iri: str, *, labels: dict | None = None) -> Description | None:
    """Everything the store's record graphs say about `iri`, or None when no graph mentions it.
    `labels` keeps nodes' label statements between calls on the same (unchanging) store."""
    c = _Collector(store, labels)
    try:
        node = ox.NamedNode(iri)
    except ValueError:  # not an IRI at all (a space, a `<`): nothing can be called that
        return None
    if kind_of(iri) == "graph" and store.contains_named_graph(node):
        for q in store.quads_for_pattern(None, None, None, node):
            c.add(q)
        c.expanded.update(t.subject.value for t in c.facts)
    own = c.out(iri)
    todo = _owned(iri, own)
    while todo:  # a film's roles, releases...; a link statement's score parts
        nested = c.out(todo.pop())
        todo.extend(n for n in _owned(iri, nested) if n not in c.expanded)
    inbound = []
    for q in store.quads_for_pattern(None, None, node, None):
        if len(inbound) >= INBOUND_LIMIT:
            c.truncated = True
            break
        inbound.append(q)
        c.add(q)
    if not c.facts:
        return None
    pointers = sorted({q.subject.value for q in inbound})
    for subject in pointers:
        if kind_of(subject) == "part" or subject.startswith(f"{BASE_IRI}link/"):
            # A role, release or link statement: what it says (with a link's score parts), and the
            # film it belongs to.
            said = c.out(subject)
            for part in _owned(subject, said):
                c.out(part)
            for q in said:
                if q.predicate.value == FG.character or q.predicate.value == SDO.actor:
                    c.labels(q.object.value)
            owner = _owner(subject)
            if owner:
                c.labels(owner)
        else:
            c.labels(subject)
    for t in list(c.facts):
        if type(t.object) is ox.NamedNode and t.predicate.value != RDF_TYPE:
            c.labels(t.object.value)
    return c.result(iri)


def describe_cast(store: ox.Store, film: str, *, labels: dict | None = None) -> Description | None:
    """What a series page needs of each of its films, at a fraction of the cost of a description:
    the film's roles and position (not its other statements, releases, ratings, or what points at
    it), and the names of the roles' actors and characters; None when it has neither."""
    c = _Collector(store, labels)
    try:
        node = ox.NamedNode(film)
    except ValueError:
        return None
    roles = []
    for q in store.quads_for_pattern(node, _ACTOR, None, None):
        c.add(q)
        if type(q.object) is ox.NamedNode and kind_of(q.object.value) == "part":
            roles.append(q.object.value)
    for q in store.quads_for_pattern(node, _POSITION, None, None):
        c.add(q)
    if not c.facts:
        return None
    for role in roles:
        for said in c.out(role):
            if type(said.object) is ox.NamedNode and said.predicate.value in (SDO.actor, FG.character):
                c.labels(said.object.value)
    return c.result(film)


def _owner(part: str) -> str | None:
    """The film a role or release IRI is minted under."""
    if kind_of(part) != "part":
        return None
    head = f"{BASE_IRI}film/"
    return head + part[len(head):].split("/", 1)[0]


# ---- a film as schema.org -------------------------------------------------------------------

def _int(value: str | None) -> int:
    try:
        return int(value) if value is not None else 1 << 30
    except ValueError:
        return 1 << 30


def cast(desc: Description, film: str) -> list[dict[str, Any]]:
    """The cast in billing order: role, actor, character, and every billing the records give."""
    rows = []
    for role in _distinct(desc.objects(film, SDO.actor)):
        r = role.value
        billings = sorted({f.value for f in desc.about(r, FG.billingOrder)}, key=_int)
        actor = desc.first(r, SDO.actor)
        character = desc.first(r, FG.character)
        rows.append({
            "role": r,
            "actor": actor,
            "actor_name": desc.name(actor) if actor else label_from_iri(r),
            "character": character,
            "character_name": desc.first(r, SDO.characterName) or (desc.name(character) if character else None),
            "billing": billings,
            "facts": desc.about(r, FG.billingOrder),
        })
    rows.sort(key=lambda row: (min((_int(b) for b in row["billing"]), default=1 << 30), row["actor_name"]))
    return rows


def _node(desc: Description, iri: str, schema_type: str) -> dict[str, Any]:
    return {"@type": schema_type, "@id": iri, "name": desc.name(iri)}


def _one_or_many(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def movie(desc: Description) -> dict[str, Any]:
    """The film as a schema.org Movie object: plain https IRIs, people by name, the cast as
    PerformanceRoles in billing order, no filmgraph provenance. Values records disagree on are all
    given (two durations stay two), never one picked silently."""
    f = desc.iri
    obj: dict[str, Any] = {"@context": {"@vocab": "https://schema.org/"}, "@type": "Movie", "@id": f,
                           "name": desc.name(f)}
    alternates = [o.value for o in desc.objects(f, FG.originalTitle) + desc.objects(f, SDO.alternateName)]
    if alternates:
        obj["alternateName"] = _one_or_many(sorted(set(alternates)))
    year = sorted({o.value for o in desc.objects(f, SDO.dateCreated)})
    if year:
        obj["dateCreated"] = _one_or_many(year)
    for prop in ("director", "author"):
        people = sorted((o.value for o in desc.objects(f, getattr(SDO, prop))), key=desc.name)
        if people:
            obj[prop] = [_node(desc, p, "Person") for p in people]
    roles = []
    for row in cast(desc, f):
        role: dict[str, Any] = {"@type": "PerformanceRole", "@id": row["role"]}
        if row["actor"]:
            role["actor"] = _node(desc, row["actor"], "Person")
        if row["character_name"]:
            role["characterName"] = row["character_name"]
        roles.append(role)
    if roles:
        obj["actor"] = roles
    durations = sorted({o.value for o in desc.objects(f, SDO.duration)})
    if durations:
        obj["duration"] = _one_or_many(durations)
    countries = [o.value for o in desc.objects(f, SDO.countryOfOrigin)]
    if countries:
        obj["countryOfOrigin"] = [_node(desc, c, "Country") for c in sorted(countries)]
    for prop in ("inLanguage", "subtitleLanguage"):
        tags = sorted({o.value for o in desc.objects(f, getattr(SDO, prop))})
        if tags:
            obj[prop] = _one_or_many(tags)
    series = [o.value for o in desc.objects(f, SDO.isPartOf)]
    if series:
        obj["isPartOf"] = [_node(desc, s, "MovieSeries") for s in sorted(series)]
        positions = sorted({o.value for o in desc.objects(f, SDO.position)}, key=_int)
        if positions:
            obj["position"] = _one_or_many(positions)
    events = []
    for e in sorted(o.value for o in desc.objects(f, SDO.releasedEvent)):
        event: dict[str, Any] = {"@type": "PublicationEvent", "@id": e}
        start = desc.first(e, SDO.startDate)
        if start:
            event["startDate"] = start
        place = desc.first(e, SDO.location)
        if place:
            event["location"] = _node(desc, place, "Country")
        publisher = desc.first(e, SDO.publishedBy)
        if publisher:
            event["publishedBy"] = _node(desc, publisher, "Organization")
        events.append(event)
    if events:
        obj["releasedEvent"] = events
    ratings = []
    for r in sorted(o.value for o in desc.objects(f, SDO.contentRating)):
        rating: dict[str, Any] = {"@type": "Rating", "@id": r, "ratingValue": desc.first(r, SDO.ratingValue)}
        advice = desc.first(r, SDO.ratingExplanation)
        if advice:
            rating["ratingExplanation"] = advice
        body = desc.first(r, SDO.author)
        if body:
            rating["author"] = _node(desc, body, "Organization")
        ratings.append(rating)
    if ratings:
        obj["contentRating"] = ratings
    same = sorted(set(external_links(desc, f)))
    if same:
        obj["sameAs"] = same
    return obj


def external_links(desc: Description, film: str) -> list[str]:
    """The film's pages elsewhere: accepted links and the ids its records carry, as URLs."""
    links = [o.value for o in desc.objects(film, SDO.sameAs) + desc.objects(film, OWL + "sameAs")]
    for prop, url in ((FG.wikidataId, "https://www.wikidata.org/wiki/{}"), (FG.imdbId, "https://www.imdb.com/title/{}/"),
                      (FG.tmdbId, "https://www.themoviedb.org/movie/{}")):
        links += [url.format(o.value) for o in desc.objects(film, prop)]
    return links


def link_scores(desc: Description, film: str) -> list[dict[str, Any]]:
    """Accepted links with their score and method, from the links graph's statements about them."""
    out = []
    for statement in desc.pointing(film, _RDF_SUBJECT):
        target = desc.first(statement, RDF + "object")
        if not target:
            continue
        parts = {desc.first(p, FG.criterion): desc.first(p, FG.partScore)
                 for p in (o.value for o in desc.objects(statement, FG.scorePart))}
        out.append({"target": target, "score": desc.first(statement, FG.linkScore),
                    "method": desc.first(statement, FG.linkMethod), "parts": dict(sorted(parts.items()))})
    return sorted(out, key=lambda link: link["target"])


def find_films(store: ox.Store, text: str) -> list[str]:
    """Films a user names by IRI or by title (any case and accents, with or without the year)."""
    from filmgraph import identity

    text = text.strip()
    if text.startswith(("http://", "https://")):
        try:
            node = ox.NamedNode(text)
        except ValueError:
            return []
        return [text] if next(iter(store.quads_for_pattern(node, _TYPE, ox.NamedNode(SDO.Movie), None)), None) else []
    key = identity.slug(text)
    prefix = f"{BASE_IRI}film/{key}"
    found = set()
    for q in store.quads_for_pattern(None, _TYPE, ox.NamedNode(SDO.Movie), None):
        iri = q.subject.value
        rest = iri[len(prefix):] if iri.startswith(prefix) else None
        if rest == "" or (rest is not None and len(rest) == 5 and rest[0] == "-" and rest[1:].isdigit()):
            found.add(iri)
    return sorted(found)


__all__ = ["Description", "Fact", "INBOUND_LIMIT", "cast", "describe_cast", "describe_resource", "external_links", "find_films", "kind_of",
           "label_from_iri", "link_scores", "movie"]
