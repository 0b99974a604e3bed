"""What each page shows, read from a snapshot: plain dicts and lists the templates lay out.

Every value keeps the record graphs that state it (`sources`), so a page can say where a fact
came from, and where records disagree on a value that should be single both values are shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox
from markupsafe import Markup, escape

from filmgraph import identity
from filmgraph.describe import Description, cast, describe_resource, external_links, kind_of, label_from_iri, link_scores
from filmgraph.settings import BASE_IRI
from filmgraph.terms import FG, PROV, RDF_TYPE, SDO

# Predicates a film (or one of its parts) should have one value of: two records giving two values
# is a disagreement the sources section shows side by side.
SINGLE = {
    SDO.name: "title", FG.originalTitle: "original title", SDO.dateCreated: "year", SDO.duration: "runtime",
    SDO.position: "position in the series", FG.billingOrder: "billing", SDO.characterName: "character",
    SDO.ratingValue: "certificate", SDO.ratingExplanation: "certificate advice", SDO.startDate: "release date",
    FG.imdbId: "IMDb id", FG.wikidataId: "Wikidata id", FG.tmdbId: "TMDb id", SDO.publishedBy: "distributor",
}
MEDIUM_NAMES = {FG.Cinema: "cinema", FG.DVD: "DVD", FG.BluRay: "Blu-ray", FG.Streaming: "streaming",
                FG.Television: "television"}


def short(iri: str) -> str:
    """A record graph or minted IRI without the base: `graph/presskit/pusher-1996`."""
    return iri[len(BASE_IRI):] if iri.startswith(BASE_IRI) else iri


def minutes(duration: str | None) -> str | None:
    """`PT1H36M` as `96 min`."""
    if not duration or not duration.startswith("PT"):
        return duration
    hours = minutes_ = 0
    number = ""
    for c in duration[2:]:
        if c.isdigit():
            number += c
        elif c == "H":
            hours, number = int(number or 0), ""
        elif c == "M":
            minutes_, number = int(number or 0), ""
        else:
            return duration
    return f"{hours * 60 + minutes_} min"


def _values(desc: Description, subject: str, predicate: str) -> list[dict[str, Any]]:
    """Each distinct value with the records stating it."""
    by_value: dict[str, dict[str, Any]] = {}
    for f in desc.about(subject, predicate):
        entry = by_value.setdefault(str(f.object), {"value": f.object.value, "term": f.object, "sources": set()})
        entry["sources"].update(f.graphs)
    return [{**v, "sources": sorted(v["sources"])} for _, v in sorted(by_value.items())]


def _link(desc: Description, iri: str) -> dict[str, str]:
    return {"iri": iri, "name": desc.name(iri)}


def _year(desc: Description, film: str) -> str | None:
    return desc.first(film, SDO.dateCreated)


def record_info(store: ox.Store, graphs: list[str]) -> dict[str, dict[str, Any]]:
    """Source file, format and ingest time of each record graph, read from the graph itself."""
    info = {}
    for g in graphs:
        node = ox.NamedNode(g)
        entry: dict[str, Any] = {"iri": g, "short": short(g), "path": None, "format": None, "ingested": None}
        for q in store.quads_for_pattern(node, None, None, node):
            p = q.predicate.value
            if p == PROV.generatedAtTime:
                entry["ingested"] = q.object.value
            elif p == PROV.wasDerivedFrom:
                for s in store.quads_for_pattern(q.object, None, None, node):
                    if s.predicate.value == FG.sourcePath:
                        entry["path"] = s.object.value
                    elif s.predicate.value == FG.sourceFormat:
                        entry["format"] = s.object.value
        info[g] = entry
    return info


def disagreements(desc: Description) -> list[dict[str, Any]]:
    """Single-valued facts about the film and its parts that records state differently."""
    out = []
    subjects = [desc.iri] + sorted({f.subject for f in desc.facts if f.subject.startswith(desc.iri + "/")})
    for subject in subjects:
        for predicate, what in SINGLE.items():
            values = _values(desc, subject, predicate)
            if len(values) < 2:
                continue
            about = "the film" if subject == desc.iri else _part_label(desc, subject)
            for v in values:
                if predicate == SDO.duration:
                    v["shown"] = minutes(v["value"])
                elif isinstance(v["term"], ox.NamedNode):
                    v["shown"] = desc.name(v["value"])
                else:
                    v["shown"] = v["value"]
            out.append({"what": what, "about": about, "subject": subject, "options": values})
    return out


def _part_label(desc: Description, part: str) -> str:
    actor = desc.first(part, SDO.actor)
    if actor:
        return desc.name(actor)
    place = desc.first(part, SDO.location) or desc.first(part, FG.territory)
    tail = label_from_iri(part)
    return f"{desc.name(place)} ({tail})" if place else tail


def film_view(store: ox.Store, desc: Description) -> dict[str, Any]:
    f = desc.iri
    people = {p: [_link(desc, o.value) for o in sorted(desc.objects(f, p), key=lambda o: desc.name(o.value))]
              for p in (SDO.director, SDO.author)}
    crew = []
    for p in desc.predicates(f):
        if p in (SDO.director, SDO.author, SDO.actor):
            continue
        persons = [o.value for o in desc.objects(f, p) if kind_of(o.value) == "person"]
        if persons:
            crew.append({"job": label_from_iri(p), "people": [_link(desc, x) for x in sorted(persons, key=desc.name)]})
    series = []
    for s in desc.objects(f, SDO.isPartOf):
        series.append({**_link(desc, s.value), "position": [v["value"] for v in _values(desc, f, SDO.position)],
                       "previous": [_link(desc, o.value) for o in desc.objects(f, FG.follows)],
                       "next": [_link(desc, o.value) for o in desc.objects(f, FG.followedBy)]})
    releases = []
    for e in desc.objects(f, SDO.releasedEvent):
        n = e.value
        place = desc.first(n, SDO.location)
        publisher = desc.first(n, SDO.publishedBy)
        releases.append({
            "iri": n, "territory": desc.name(place) if place else "", "territory_code": label_from_iri(place or ""),
            "medium": MEDIUM_NAMES.get(desc.first(n, FG.medium) or "", label_from_iri(desc.first(n, FG.medium) or "")),
            "dates": _values(desc, n, SDO.startDate), "tbc": bool(desc.objects(n, FG.dateToBeConfirmed)),
            "limited": bool(desc.objects(n, FG.limitedRelease)), "city": desc.first(n, FG.city),
            "box_set": desc.first(n, FG.boxSet), "publisher": _link(desc, publisher) if publisher else None,
            "sources": sorted({g for fact in desc.about(f, SDO.releasedEvent) if fact.object == e for g in fact.graphs}),
        })
    releases.sort(key=lambda r: (r["territory"], r["medium"], r["dates"][0]["value"] if r["dates"] else "9999"))
    certificates = []
    for r in desc.objects(f, SDO.contentRating):
        n = r.value
        territory = desc.first(n, FG.territory)
        body = desc.first(n, SDO.author)
        certificates.append({"ratings": _values(desc, n, SDO.ratingValue), "advice": desc.first(n, SDO.ratingExplanation),
                             "territory": desc.name(territory) if territory else "",
                             "body": _link(desc, body) if body else None})
    certificates.sort(key=lambda c: c["territory"])
    distributors = []
    for d in desc.objects(f, FG.distribution):
        org = desc.first(d.value, FG.distributor)
        territory = desc.first(d.value, FG.territory)
        distributors.append({"org": _link(desc, org) if org else None, "territory": desc.name(territory) if territory else ""})
    distributors.sort(key=lambda d: (d["territory"], d["org"]["name"] if d["org"] else ""))
    runtimes = [{**v, "shown": minutes(v["value"])} for v in _values(desc, f, SDO.duration)]
    territorial = []
    for r in desc.objects(f, FG.runtime):
        territorial.append({"shown": minutes(desc.first(r.value, SDO.duration)),
                            "territories": sorted(desc.name(t.value) for t in desc.objects(r.value, FG.territory))})
    ids = []
    for p, label, url in ((FG.imdbId, "IMDb", "https://www.imdb.com/title/{}/"),
                          (FG.wikidataId, "Wikidata", "https://www.wikidata.org/wiki/{}"),
                          (FG.tmdbId, "TMDb", "https://www.themoviedb.org/movie/{}")):
        for v in _values(desc, f, p):
            ids.append({"label": label, "value": v["value"], "url": url.format(v["value"]), "sources": v["sources"]})
    record_graphs = sorted({g for fact in desc.facts if fact.subject == f or fact.subject.startswith(f + "/")
                            for g in fact.graphs})
    records = record_info(store, record_graphs)
    for g, entry in records.items():
        node = ox.NamedNode(g)
        entry["describes"] = next(iter(store.quads_for_pattern(node, ox.NamedNode(FG.describes), ox.NamedNode(f), node)),
                                  None) is not None
        entry["facts"] = sum(1 for fact in desc.facts if g in fact.graphs
                             and (fact.subject == f or fact.subject.startswith(f + "/")))
    return {
        "titles": _values(desc, f, SDO.name),
        "title": desc.name(f),
        "original_titles": _values(desc, f, FG.originalTitle),
        "alternate_titles": _values(desc, f, SDO.alternateName),
        "years": _values(desc, f, SDO.dateCreated),
        "directors": people[SDO.director],
        "writers": people[SDO.author],
        "crew": crew,
        "cast": cast(desc, f),
        "series": series,
        "releases": releases,
        "certificates": certificates,
        "distributors": distributors,
        "runtimes": runtimes,
        "territorial_runtimes": territorial,
        "countries": [_link(desc, o.value) for o in sorted(desc.objects(f, SDO.countryOfOrigin), key=str)],
        "languages": [v["value"] for v in _values(desc, f, SDO.inLanguage)],
        "subtitles": [v["value"] for v in _values(desc, f, SDO.subtitleLanguage)],
        "ids": ids,
        "links": link_scores(desc, f),
        "external": sorted(set(external_links(desc, f))),
        "notes": _values(desc, f, FG.note),
        "records": sorted(records.values(), key=lambda r: r["short"]),
        "disagreements": disagreements(desc),
    }


def person_view(desc: Description) -> dict[str, Any]:
    p = desc.iri
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for job, predicate in (("director", SDO.director), ("writer", SDO.author)):
        for film in desc.pointing(p, predicate):
            if kind_of(film) == "film":
                rows[job].append({"film": _link(desc, film), "year": _year(desc, film)})
    for role in desc.pointing(p, SDO.actor):
        if kind_of(role) != "part":
            continue
        film = BASE_IRI + "film/" + role[len(BASE_IRI) + 5:].split("/", 1)[0]
        character = desc.first(role, FG.character)
        rows["actor"].append({"film": _link(desc, film), "year": _year(desc, film),
                              "character": _link(desc, character) if character else None,
                              "character_name": desc.first(role, SDO.characterName),
                              "billing": sorted({v.value for v in desc.objects(role, FG.billingOrder)}, key=int)})
    known = {SDO.director, SDO.author, SDO.actor}
    for f in desc.facts:
        if f.object.value == p and f.predicate not in known and kind_of(f.subject) == "film":
            rows["crew"].append({"film": _link(desc, f.subject), "year": _year(desc, f.subject),
                                 "job": label_from_iri(f.predicate)})
    for job in rows:
        unique = {(r["film"]["iri"], r.get("job"), r.get("character_name")): r for r in rows[job]}
        rows[job] = sorted(unique.values(), key=lambda r: (r["year"] or "9999", r["film"]["name"]))
    return {"name": desc.name(p), "names": _values(desc, p, SDO.name), "jobs": dict(rows),
            "directs": bool(rows.get("director"))}


def character_view(desc: Description) -> dict[str, Any]:
    c = desc.iri
    films = [{"film": _link(desc, f), "year": _year(desc, f)} for f in desc.pointing(c, SDO.character)]
    played = []
    for role in desc.pointing(c, FG.character):
        actor = desc.first(role, SDO.actor)
        film = BASE_IRI + "film/" + role[len(BASE_IRI) + 5:].split("/", 1)[0]
        played.append({"actor": _link(desc, actor) if actor else None, "film": _link(desc, film),
                       "year": _year(desc, film)})
    return {"name": desc.name(c), "aliases": [v["value"] for v in _values(desc, c, SDO.alternateName)],
            "films": sorted(films, key=lambda r: (r["year"] or "9999", r["film"]["name"])),
            "played": sorted(played, key=lambda r: (r["year"] or "9999", r["actor"]["name"] if r["actor"] else ""))}


def series_data(store: ox.Store, desc: Description) -> dict[str, Any]:
    """The series' films in order, and who plays which character in each (for the page and charts)."""
    s = desc.iri
    films = []
    for f in desc.pointing(s, SDO.isPartOf):
        if kind_of(f) != "film":
            continue
        fd = describe_resource(store, f)
        positions = sorted({o.value for o in fd.objects(f, SDO.position)}, key=int) if fd else []
        films.append({"iri": f, "name": desc.name(f), "year": _year(desc, f),
                      "position": positions[0] if positions else None, "desc": fd})
    films.sort(key=lambda x: (int(x["position"]) if x["position"] else 1 << 20, x["year"] or "9999", x["name"]))
    characters: dict[str, dict[str, Any]] = {}
    for index, film in enumerate(films):
        fd = film.pop("desc")
        if fd is None:
            continue
        for row in cast(fd, film["iri"]):
            key = row["character"] or (f"name:{row['character_name']}" if row["character_name"] else None)
            if not key:
                continue
            entry = characters.setdefault(key, {"iri": row["character"], "name": row["character_name"], "films": {}})
            entry["films"].setdefault(index, []).append({"actor": row["actor"], "actor_name": row["actor_name"]})
    recurring = sorted((c for c in characters.values() if len(c["films"]) > 1),
                       key=lambda c: (-len(c["films"]), c["name"] or ""))
    return {"name": desc.name(s), "films": films, "characters": sorted(characters.values(), key=lambda c: c["name"] or ""),
            "recurring": recurring}


def validation(store: ox.Store, graph: str) -> dict[str, Any]:
    """The record graph checked against the shapes again, on its own (the cross-record rules, such
    as a series' positions, need the other records and are left to `filmgraph validate`)."""
    from filmgraph.validation import stored_view, validate_views

    node = ox.NamedNode(graph)
    view = stored_view(graph, [q.triple for q in store.quads_for_pattern(None, None, None, node)])
    if view is None:
        return {"conforms": True, "counts": {}, "problems": []}
    report = validate_views([view])
    return {"conforms": report.conforms, "counts": report.counts(),
            "problems": [{"severity": p.severity, "message": p.message, "about": p.about or p.focus,
                          "field": p.field} for p in report.problems[:50]]}


def record_view(store: ox.Store, desc: Description) -> dict[str, Any]:
    g = desc.iri
    info = record_info(store, [g])[g]
    film = desc.first(g, FG.describes)
    source = desc.first(g, PROV.wasDerivedFrom)
    statements = [f for f in desc.facts if g in f.graphs]
    return {"info": info, "film": _link(desc, film) if film else None,
            "hash": desc.first(g, FG.contentHash), "sha256": desc.first(source, FG.sha256) if source else None,
            "row": desc.first(source, FG.sourceRow) if source else None,
            "lacks": [v["value"] for v in _values(desc, g, FG.lacks)],
            "statements": statements, "types": desc.types(g),
            "validation": validation(store, g) if film else None}


def facts_table(desc: Description, href: Callable[[str], str]) -> Markup:
    """Every statement of the description with the records that state it, as table rows. Built
    here rather than by template macros: a film has a few hundred statements, and this is the
    page's largest part."""
    rows = []
    for f in desc.facts:
        if f.predicate == RDF_TYPE:
            continue
        o = f.object
        if type(o) is ox.NamedNode:
            value = f'<a href="{escape(href(o.value))}">{escape(short(o.value))}</a>'
        else:
            value = str(escape(o.value))
        sources = " ".join(f'<a href="{escape(href(g))}">{escape(short(g)[6:] if g.startswith(BASE_IRI + "graph/") else short(g))}</a>'
                           for g in f.graphs)
        rows.append(f'<tr><td><a href="{escape(href(f.subject))}">{escape(short(f.subject))}</a></td>'
                    f"<td>{escape(label_from_iri(f.predicate))}</td><td>{value}</td>"
                    f'<td><span class="src">{sources}</span></td></tr>')
    return Markup("\n".join(rows))


_NAMES = f"SELECT DISTINCT ?x ?name WHERE {{ GRAPH ?g {{ ?x <{SDO.name}> ?name }} }}"


def search_index(store: ox.Store) -> list[tuple[str, str, str, str]]:
    """(folded name, name, IRI, kind) for every film, person, character and series name. The
    DISTINCT runs in Oxigraph: a name is stated once per record that mentions it (on the
    20,000-film store, 440,000 statements for 52,000 names)."""
    entries = []
    for row in store.query(_NAMES, use_default_graph_as_union=True):
        iri, name = row[0].value, row[1].value
        kind = kind_of(iri)
        if kind in ("film", "person", "character", "series"):
            entries.append((identity.fold(name), name, iri, kind))
    entries.sort(key=lambda e: (e[0], e[2]))
    return entries


def search(index: list[tuple[str, str, str, str]], text: str, limit: int = 50) -> dict[str, list[dict[str, str]]]:
    """Names and titles containing `text`, ignoring case and accents; exact and prefix matches first."""
    needle = " ".join(identity.fold(text).split())
    found: dict[str, list[tuple[int, str, str, str]]] = defaultdict(list)
    if not needle:
        return {}
    for folded, name, iri, kind in index:
        if needle in folded:
            rank = 0 if folded == needle else 1 if folded.startswith(needle) else 2
            found[kind].append((rank, folded, name, iri))
    out = {}
    for kind in ("film", "person", "character", "series"):
        hits = sorted(found.get(kind, []))
        unique = list({h[3]: h for h in hits}.values())
        out[kind] = [{"name": h[2], "iri": h[3], "year": _iri_year(h[3]) if kind == "film" else None}
                     for h in unique[:limit]]
        out[kind + "_more"] = max(0, len(unique) - limit)
    return out


def _iri_year(iri: str) -> str | None:
    tail = iri.rsplit("-", 1)[-1]
    return tail if len(tail) == 4 and tail.isdigit() else None
