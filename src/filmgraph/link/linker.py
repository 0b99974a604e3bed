"""A link run: films first, then people through the films just linked, then the links graph.

Films are matched on label candidates and scored on title, year, director and cast; people are
looked for among the cast and crew of their linked films (so spelling variants can meet), and by
a unique exact name only when none of their films could be linked. Accepted links are written
to one named graph, never into record graphs, so re-ingesting a record keeps its links.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from filmgraph.link import candidates as cand
from filmgraph.link.profile import Profile
from filmgraph.link.scoring import (
    MARGIN, MIN_SCORE, NAME_MATCH, Scored, TargetFilm, best_name_similarity, decide, score_film, score_person)
from filmgraph.sparql.text import literal
from filmgraph.settings import BASE_IRI
from filmgraph.terms import FG, OWL, PROV, RDF, SDO, WD, XSD

LINKS_GRAPH = f"{BASE_IRI}graph/links"
IMDB_TITLE = "https://www.imdb.com/title/"
KINDS = {"film": f"{BASE_IRI}film/", "person": f"{BASE_IRI}person/"}


@dataclass(slots=True)
class Outcome:
    """What became of one of our entities: linked, left for review, or unmatched, and why."""

    kind: str
    entity: str
    name: str
    status: str
    link: Scored | None = None
    candidates: list[Scored] = field(default_factory=list)
    rejected: set[str] = field(default_factory=set)
    also: list[str] = field(default_factory=list)
    """Further targets the accepted link brings (the film's IMDb page)."""
    note: str = ""


@dataclass(slots=True)
class LinkRun:
    profile: Profile
    endpoint: str
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0
    cached: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind]


Decisions = dict[tuple[str, str], str]


def _apply(outcome: Outcome, scored: list[Scored], decisions: Decisions, min_score: float) -> Outcome:
    """Rules first, then the decisions file: a rejected pair never links, an accepted one always does."""
    outcome.rejected = {s.candidate for s in scored if decisions.get((outcome.entity, s.candidate)) == "reject"}
    open_ = [s for s in scored if s.candidate not in outcome.rejected]
    outcome.candidates = sorted(scored, key=lambda s: (-s.score, s.candidate))
    accepted = [s for s in open_ if decisions.get((outcome.entity, s.candidate)) == "accept"]
    if accepted:
        best = accepted[0]
        best.method = "decision"
        outcome.status, outcome.link = "linked", best
        return outcome
    verdict, best = decide(open_, min_score, MARGIN)
    outcome.status = {"accept": "linked", "review": "review", "reject": "unmatched"}[verdict]
    outcome.link = best if verdict == "accept" else None
    return outcome


def _known_candidates(films: list[cand.OurFilm], profile: Profile, client) -> dict[str, dict[str, str]]:
    """Our film -> {target item: the known id that names it} from IMDb ids and QIDs in our records."""
    known: dict[str, dict[str, str]] = {}
    by_imdb = cand.imdb_matches(client, profile, [f.imdb for f in films if f.imdb])
    for film in films:
        if film.imdb:
            for item in by_imdb.get(film.imdb, ()):
                known.setdefault(film.iri, {})[item] = film.imdb
        if film.qid and profile.entity_namespace == WD:
            known.setdefault(film.iri, {})[WD + film.qid] = film.qid
    return known


def link_films(store, profile: Profile, client, *, languages: list[str], decisions: Decisions,
               min_score: float, scan: bool, run: LinkRun) -> dict[str, TargetFilm]:
    """Link every film; returns our film -> the target film it was linked to, for the people step."""
    films = cand.load_films(store)
    wanted: dict[str, set[str]] = {f.iri: set() for f in films}
    texts: dict[str, set[str]] = {}
    for film in films:
        for title in film.titles:
            for variant in cand.title_variants(title):
                texts.setdefault(variant, set()).add(film.iri)
    for text, items in cand.exact_label_matches(client, profile, set(texts), "film", languages).items():
        for film_iri in texts.get(text, ()):
            wanted[film_iri] |= items
    known = _known_candidates(films, profile, client)
    for film_iri, items in known.items():
        wanted[film_iri] |= set(items)
    for (entity, target), verdict in decisions.items():
        if verdict == "accept" and entity in wanted:
            wanted[entity].add(target)
    leftovers = [f for f in films if not wanted[f.iri]]
    if leftovers and scan:
        found = cand.folded_label_matches(client, profile, [t for f in leftovers for t in f.titles])
        if found:
            details = cand.film_details(client, profile, found, languages)
            for film in leftovers:
                wanted[film.iri] = {i for i, d in details.items() if score_film(film.titles, None, [], [], d).parts["title"]}
    elif leftovers:
        run.notes.append(f"{len(leftovers)} film(s) without an exact label match; the folded scan is skipped on the public endpoint")
    details = cand.film_details(client, profile, {i for items in wanted.values() for i in items}, languages)

    linked: dict[str, TargetFilm] = {}
    for film in films:
        scored = []
        for item in sorted(wanted[film.iri]):
            target = details[item]
            known_id = known.get(film.iri, {}).get(item)
            if not known_id and film.imdb and film.imdb in target.imdb:
                known_id = film.imdb
            s = score_film(film.titles, film.year, film.directors, film.cast, target, known_id)
            if film.imdb and target.imdb and film.imdb not in target.imdb and not known_id:
                s.parts["id"], s.score, s.why["id"] = 0.0, 0.0, f"{film.imdb} is not {','.join(target.imdb)}"
            scored.append(s)
        outcome = _apply(Outcome("film", film.iri, film.name, "unmatched"), scored, decisions, min_score)
        if outcome.link:
            target = details[outcome.link.candidate]
            linked[film.iri] = target
            imdb = sorted(set(target.imdb) | ({film.imdb} if film.imdb and not target.imdb else set()))
            outcome.also = [f"{IMDB_TITLE}{i}/" for i in imdb if len(imdb) == 1]
        if not scored:
            outcome.note = "no candidate"
        run.outcomes.append(outcome)
    return linked


def existing_film_links(store, profile: Profile) -> dict[str, str]:
    """Film links a previous run wrote for this profile: our film -> target item."""
    q = f"""SELECT DISTINCT ?s ?o WHERE {{ GRAPH <{LINKS_GRAPH}> {{ ?s <{OWL}sameAs> ?o }}
      FILTER(STRSTARTS(STR(?s), {literal(KINDS['film'])}) && STRSTARTS(STR(?o), {literal(profile.entity_namespace)})) }}"""
    return {r["s"].value: r["o"].value for r in store.rows(q)}


def link_people(store, profile: Profile, client, films: dict[str, TargetFilm], *, languages: list[str],
                decisions: Decisions, min_score: float, run: LinkRun) -> None:
    """People through their linked films first; by a unique exact name only when no film of theirs is linked."""
    people = cand.load_people(store)
    by_name: list[cand.OurPerson] = []
    pending: dict[str, tuple[cand.OurPerson, list[Scored]]] = {}
    for person in people:
        linked = [films[f] for f in person.films if f in films]
        credited: dict[str, tuple[list[str], int]] = {}
        for target in linked:
            seen: set[str] = set()
            for role in sorted(target.credits):
                for item, labels in sorted(target.credits[role].items()):
                    if item in seen:
                        continue
                    seen.add(item)
                    old_labels, count = credited.get(item, ([], 0))
                    credited[item] = (sorted(set(old_labels) | set(labels)), count + 1)
        scored = [score_person(person.names, item, labels, shared, len(linked))
                  for item, (labels, shared) in sorted(credited.items())
                  if best_name_similarity(person.names, labels) >= NAME_MATCH]
        accepted = {t for (e, t), v in decisions.items() if e == person.iri and v == "accept"} - set(credited)
        if accepted:
            labels = cand.person_labels(client, profile, accepted, languages)
            scored += [score_person(person.names, t, labels.get(t, []), 0, len(linked)) for t in sorted(accepted)]
        if not scored:
            by_name.append(person)
        pending[person.iri] = (person, scored)
    if by_name:
        found = cand.people_by_name(client, profile, [n for p in by_name for n in p.names], languages)
        for person in by_name:
            linked_count = sum(1 for f in person.films if f in films)
            items = sorted({i for n in person.names for i in found.get(n, ())})
            scored = pending[person.iri][1]
            for item in items:
                s = score_person(person.names, item, person.names, 0, linked_count)
                s.method = "unique-name"
                if len(items) > 1:
                    s.why["name"] = f"{len(items)} people have this name"
                scored.append(s)
    for person, scored in pending.values():
        outcome = _apply(Outcome("person", person.iri, person.name, "unmatched"), scored, decisions, min_score)
        if not scored:
            outcome.note = "not credited on a linked film" if any(f in films for f in person.films) else "no candidate"
        elif outcome.status == "unmatched" and all(s.method == "unique-name" for s in scored):
            outcome.note = "namesake without a shared film"
        run.outcomes.append(outcome)


def link(store, profile: Profile, client, *, types: tuple[str, ...] = ("film", "person"),
         min_score: float = MIN_SCORE, decisions: Decisions | None = None, scan: bool = True) -> LinkRun:
    """Match our films and people against the target; nothing is written (see `write_links`)."""
    started = time.monotonic()
    run = LinkRun(profile, client.endpoint)
    decisions = decisions or {}
    record_languages = [r["tag"].value for r in store.query(
        f"SELECT DISTINCT ?tag WHERE {{ ?f <{SDO.inLanguage}> ?tag }}")]
    languages = sorted(set(profile.languages) | {t.split("-")[0].lower() for t in record_languages})
    if "film" in types:
        films = link_films(store, profile, client, languages=languages, decisions=decisions,
                           min_score=min_score, scan=scan, run=run)
    else:
        previous = existing_film_links(store, profile)
        details = cand.film_details(client, profile, set(previous.values()), languages)
        films = {f: details[t] for f, t in previous.items()}
    if "person" in types:
        link_people(store, profile, client, films, languages=languages, decisions=decisions,
                    min_score=min_score, run=run)
    run.requests, run.cached = client.requests, client.cached
    run.seconds = time.monotonic() - started
    return run


# ---- the links graph ----------------------------------------------------------------------------

def _node(profile: Profile, subject: str, target: str) -> str:
    digest = hashlib.sha256(f"{subject} {target}".encode()).hexdigest()[:20]
    return f"{BASE_IRI}link/{profile.name}/{digest}"


def _decimal(value: float):
    import pyoxigraph as ox

    return ox.Literal(f"{round(value, 3):.3f}".rstrip("0").rstrip(".") + ("" if value % 1 else ".0"),
                      datatype=ox.NamedNode(XSD + "decimal"))


def link_triples(run: LinkRun, generated_at: str) -> list:
    """The accepted links as triples: the sameAs statements, and per link a reified statement
    (rdf:Statement) annotated with score, parts, method and date."""
    import pyoxigraph as ox

    n = ox.NamedNode
    triples = []
    when = ox.Literal(generated_at, datatype=n(XSD + "dateTime"))
    for outcome in run.outcomes:
        if not outcome.link:
            continue
        s = outcome.link
        targets = [(s.candidate, (OWL + "sameAs", SDO.sameAs))] + [(t, (SDO.sameAs,)) for t in outcome.also]
        for target, predicates in targets:
            node = n(_node(run.profile, outcome.entity, target))
            for p in predicates:
                triples.append(ox.Triple(n(outcome.entity), n(p), n(target)))
            triples += [
                ox.Triple(node, n(RDF + "type"), n(RDF + "Statement")),
                ox.Triple(node, n(RDF + "subject"), n(outcome.entity)),
                ox.Triple(node, n(RDF + "predicate"), n(predicates[0])),
                ox.Triple(node, n(RDF + "object"), n(target)),
                ox.Triple(node, n(FG.linkScore), _decimal(s.score)),
                ox.Triple(node, n(FG.linkMethod), ox.Literal(s.method)),
                ox.Triple(node, n(PROV.generatedAtTime), when),
            ]
            for name, value in sorted(s.parts.items()):
                if value is None:
                    continue
                part = n(f"{node.value}/part/{name}")
                triples += [ox.Triple(node, n(FG.scorePart), part),
                            ox.Triple(part, n(RDF + "type"), n(FG.ScorePart)),
                            ox.Triple(part, n(FG.criterion), ox.Literal(name)),
                            ox.Triple(part, n(FG.partScore), _decimal(value))]
    return triples


def _kind(iri: str) -> str | None:
    return next((k for k, prefix in KINDS.items() if iri.startswith(prefix)), None)


def merged_links(store, run: LinkRun, types: tuple[str, ...], generated_at: str) -> list:
    """The links graph after this run: other targets' and other kinds' links kept, this run's redone."""
    import pyoxigraph as ox

    mine = f"{BASE_IRI}link/{run.profile.name}/"
    # Read whole (a server's row cap is paged past and checked), never through one capped SELECT.
    rows = store.graph_triples(LINKS_GRAPH)
    subject_of: dict[str, str] = {t.subject.value: t.object.value for t in rows if t.predicate.value == RDF + "subject"}
    kept = []
    for t in rows:
        s = t.subject.value
        if not s.startswith(f"{BASE_IRI}link/"):
            continue
        root = s.split("/part/", 1)[0]
        if root.startswith(mine) and _kind(subject_of.get(root, "")) in types:
            continue
        kept.append(t)
    asserted = []
    kept_nodes = {t.subject.value for t in kept}
    by_node: dict[str, dict[str, ox.NamedNode]] = {}
    for t in rows:
        if t.subject.value in kept_nodes and t.predicate.value in (RDF + "subject", RDF + "predicate", RDF + "object"):
            by_node.setdefault(t.subject.value, {})[t.predicate.value] = t.object
    for parts in by_node.values():
        p = parts[RDF + "predicate"]
        preds = [p, ox.NamedNode(SDO.sameAs)] if p.value == OWL + "sameAs" else [p]
        asserted += [ox.Triple(parts[RDF + "subject"], q, parts[RDF + "object"]) for q in preds]
    return sorted(set(kept + asserted + link_triples(run, generated_at)), key=str)


def write_links(store, run: LinkRun, types: tuple[str, ...], generated_at: str) -> int:
    triples = merged_links(store, run, types, generated_at)
    store.replace_graph(LINKS_GRAPH, triples)
    return len(triples)
