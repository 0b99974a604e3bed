"""The Reconciliation Service API 0.2, independent of HTTP: the manifest, query batches, suggest,
preview, property proposals and data extension, each a function of an `Index` and plain JSON.

Scores are the linker's (`link/scoring.py`): the same parts (title, year, director, cast, plus
country and IMDb id) and the same rules, read the other way round; each candidate carries them as
`features` so a person in OpenRefine can see why it scored as it did.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field
from typing import Any

from filmgraph.errors import FilmgraphError
from filmgraph.link.candidates import normalise_imdb
from filmgraph.link.scoring import Scored, decide_match, reconcile_film, reconcile_name, reconcile_person
from filmgraph.reconcile.index import CHARACTER, FILM, PERSON, SERIES, Entity, Index, entity_id
from filmgraph.settings import BASE_IRI, ONTOLOGY_IRI, VERSION

TYPES = {FILM: "Film", PERSON: "Person", SERIES: "Series", CHARACTER: "Character"}
TYPE_DESCRIPTIONS = {FILM: "a film (schema:Movie)", PERSON: "a person credited on a film (schema:Person)",
                     SERIES: "a film series (schema:MovieSeries)", CHARACTER: "a character in a film (fg:Character)"}
MAX_BATCH = 100
"""Queries in one batch (the manifest's `batchSize`); OpenRefine sends 10 at a time."""
BATCH_SECONDS = 30.0
"""A batch still running after this long is answered 503, so one huge request cannot hold a worker."""
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
SUGGEST_LIMIT = 10


@dataclass(frozen=True, slots=True)
class Property:
    id: str
    name: str
    types: tuple[str, ...]
    description: str
    query: bool = True
    """Usable in reconciliation queries (else only fetched by data extension)."""
    entity: str | None = None
    """The type of the values, when they are entities of this service."""


PROPERTIES = (
    Property("year", "year", (FILM,), "the year the film was made"),
    Property("director", "director", (FILM,), "a director of the film (a name, or a reconciled person)", entity=PERSON),
    Property("cast", "cast member", (FILM,), "a performer in the film", entity=PERSON),
    Property("writer", "writer", (FILM,), "a writer of the film", query=False, entity=PERSON),
    Property("country", "country", (FILM,), "a country of origin (name or ISO code)"),
    Property("imdb", "IMDb id", (FILM,), "the film's IMDb id (tt0117407)"),
    Property("wikidata", "Wikidata QID", (FILM, PERSON), "the Wikidata item (Q…) a record or a link gives",
             query=False),
    Property("runtime", "runtime (minutes)", (FILM,), "the running time in minutes", query=False),
    Property("series", "series", (FILM,), "the series the film is part of", query=False, entity=SERIES),
    Property("position", "position in series", (FILM,), "the film's number in its series", query=False),
    Property("film", "film", (PERSON, SERIES, CHARACTER), "a film the person worked on (or the series or "
             "character belongs to): a title or a reconciled film", entity=FILM),
    Property("birth_year", "birth year", (PERSON,), "the year the person was born, where the store knows it"),
)
BY_ID = {p.id: p for p in PROPERTIES}
_QUERY_KEYS = {"query", "type", "limit", "properties", "type_strict"}


class ServiceError(FilmgraphError):
    """A request the service refuses; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class Options:
    """What a deployment sets: its name and where entity pages live (`{{id}}` is the entity's id,
    its IRI's path below the identifier space; the default view is the IRI itself)."""

    name: str = "filmgraph"
    view_url: str = BASE_IRI + "{{id}}"
    max_batch: int = MAX_BATCH
    batch_seconds: float = BATCH_SECONDS
    documentation: str = "https://w3id.org/filmgraph"


# ---- manifest -----------------------------------------------------------------------------------

def _type(kind: str) -> dict[str, str]:
    return {"id": kind, "name": TYPES[kind]}


def manifest(base: str, options: Options) -> dict[str, Any]:
    """The service manifest; `base` is the endpoint's absolute URL without a trailing slash."""
    return {
        "versions": ["0.1", "0.2"],
        "name": options.name,
        "identifierSpace": BASE_IRI,
        "schemaSpace": ONTOLOGY_IRI,
        "documentation": options.documentation,
        "serviceVersion": VERSION,
        "defaultTypes": [_type(k) for k in (FILM, PERSON, CHARACTER, SERIES)],
        "view": {"url": options.view_url},
        "preview": {"url": f"{base}/preview?id={{{{id}}}}", "width": 400, "height": 200},
        "suggest": {kind: {"service_url": base, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "extend": {"propose_properties": {"service_url": base, "service_path": "/properties"},
                   "property_settings": []},
        "batchSize": options.max_batch,
    }


# ---- query batches ------------------------------------------------------------------------------

def _is_value(v: Any) -> bool:
    if isinstance(v, (str, bool, int, float)):
        return True
    return isinstance(v, dict) and isinstance(v.get("id"), str) and isinstance(v.get("name", ""), str)


def validate_batch(batch: Any) -> dict[str, dict]:
    """Check a query batch as the spec's schema does; the first problem is the error message."""
    if not isinstance(batch, dict):
        raise ServiceError("a query batch is a JSON object of queries keyed by id")
    for qid, q in batch.items():
        where = f"query {qid!r}"
        if not isinstance(q, dict):
            raise ServiceError(f"{where} is not a JSON object")
        unknown = sorted(set(q) - _QUERY_KEYS)
        if unknown:
            raise ServiceError(f"{where} has unknown field {unknown[0]!r} (fields: {', '.join(sorted(_QUERY_KEYS))})")
        if "query" in q and not isinstance(q["query"], str):
            raise ServiceError(f"{where}: 'query' must be a string")
        props = q.get("properties")
        if props is not None:
            if not isinstance(props, list):
                raise ServiceError(f"{where}: 'properties' must be an array")
            for p in props:
                if not isinstance(p, dict) or not isinstance(p.get("pid"), str) or "v" not in p:
                    raise ServiceError(f"{where}: each property needs a string 'pid' and a value 'v'")
                values = p["v"] if isinstance(p["v"], list) else [p["v"]]
                if not all(_is_value(v) for v in values):
                    raise ServiceError(f"{where}: property {p['pid']!r} has a value that is not a string, "
                                       f"number, boolean or {{\"id\": …}} object")
        if "query" not in q and not props:
            raise ServiceError(f"{where} needs a 'query' string or at least one property")
        t = q.get("type")
        if t is not None and not (isinstance(t, str) or (isinstance(t, list) and all(isinstance(x, str) for x in t))):
            raise ServiceError(f"{where}: 'type' must be a type id or an array of them")
        limit = q.get("limit")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 1):
            raise ServiceError(f"{where}: 'limit' must be a positive number")
        if q.get("type_strict", "any") not in ("any", "should", "all"):
            raise ServiceError(f"{where}: 'type_strict' must be one of any, should, all")
    return batch


@dataclass
class _Query:
    text: str
    types: list[str]
    limit: int
    values: dict[str, list[Any]] = field(default_factory=dict)

    def strings(self, index: Index, pid: str) -> list[str]:
        """The values given for `pid` as names: a reconciled value by its entity's name."""
        out = []
        for v in self.values.get(pid, ()):
            if isinstance(v, dict):
                e = index.entities.get(entity_id(v["id"]))
                out.extend(e.labels if e else [v.get("name") or v["id"]])
            elif isinstance(v, bool):
                continue
            elif str(v).strip():
                out.append(str(v).strip())
        return out

    def number(self, pid: str) -> int | None:
        for v in self.values.get(pid, ()):
            text = str(v.get("name", "")) if isinstance(v, dict) else str(v)
            digits = "".join(c for c in text.strip()[:4] if c.isdigit())
            if len(digits) == 4:
                return int(digits)
            if isinstance(v, float) and v.is_integer():
                return int(v)
        return None


_TITLE_YEAR = re.compile(r"^(.+?)\s*\((\d{4})\)\s*$")
"""`Usual Suspects, The (1995)`: lists often carry the year in the title cell."""


def _parse(q: dict) -> _Query:
    t = q.get("type")
    types = [t] if isinstance(t, str) else list(t or [])
    known = [x for x in types if x in TYPES] or ([] if types else list(TYPES))
    limit = min(int(q.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    values: dict[str, list[Any]] = {}
    for p in q.get("properties") or []:
        vs = p["v"] if isinstance(p["v"], list) else [p["v"]]
        values.setdefault(p["pid"], []).extend(vs)
    text = q.get("query", "").strip()
    with_year = _TITLE_YEAR.match(text)
    if with_year:
        text = with_year.group(1)
        values.setdefault("year", [with_year.group(2)])
    return _Query(text, known, limit, values)


def reconcile(index: Index, batch: Any, options: Options) -> dict[str, dict]:
    """Answer a query batch: for each query, candidates best first, at most one with `match: true`."""
    batch = validate_batch(batch)
    if len(batch) > options.max_batch:
        raise ServiceError(f"{len(batch)} queries in one batch; the limit is {options.max_batch} "
                           f"(the manifest's batchSize)", 413)
    deadline = time.monotonic() + options.batch_seconds
    out = {}
    for qid, q in batch.items():
        if time.monotonic() >= deadline:
            raise ServiceError(f"the batch took longer than {options.batch_seconds:g} s; send fewer queries "
                               f"at a time", 503)
        out[qid] = {"result": candidates(index, _parse(q))}
    return out


def candidates(index: Index, q: _Query) -> list[dict]:
    scored: list[tuple[Scored, Entity]] = []
    for kind in q.types:
        for eid in _retrieve(index, kind, q):
            e = index.entities[eid]
            scored.append((_score(index, kind, q, e), e))
    scored.sort(key=lambda se: (-se[0].score, se[1].id))
    match = decide_match([s for s, _ in scored])
    return [_candidate(index, s, e, match and i == 0) for i, (s, e) in enumerate(scored[:q.limit])]


def _retrieve(index: Index, kind: str, q: _Query) -> set[str]:
    """Candidates by exact key (and key without subtitle), else by near keys; plus an id given."""
    found: set[str] = set()
    if q.text:
        direct = entity_id(q.text)
        if direct in index.entities and index.entities[direct].type == kind:
            found.add(direct)
        found |= index.by_key(kind, q.text)
        if not found:
            found |= index.fuzzy(kind, q.text)
    if kind == FILM:
        for v in q.strings(index, "imdb"):
            tt = normalise_imdb(v)
            if tt and tt in index.imdb:
                found.add(index.imdb[tt])
    if kind != FILM and not q.text:
        for title in q.strings(index, "film"):
            for fid in index.by_key(FILM, title):
                found |= {p for p in _people_of(index.entities[fid]) if index.entities.get(p, None)
                          and index.entities[p].type == kind}
    return found


def _people_of(film: Entity) -> set[str]:
    return {*film.directors, *film.cast, *film.writers, *([film.series] if film.series else [])}


def _score(index: Index, kind: str, q: _Query, e: Entity) -> Scored:
    if q.text and entity_id(q.text) == e.id:
        return Scored(e.id, e.name, 1.0, {"id": 1.0}, method="known-id")   # the row gives the id itself
    names = [q.text] if q.text else []
    if kind == FILM:
        imdb = next((normalise_imdb(v) for v in q.strings(index, "imdb")), None)
        return reconcile_film(names, q.number("year"), q.strings(index, "director"), q.strings(index, "cast"),
                              q.strings(index, "country"), imdb, e.target, e.countries + e.country_codes)
    films = [index.entities[f].labels[0] for f in e.films if f in index.entities]
    if kind == PERSON:
        return reconcile_person(names, q.strings(index, "film"), q.number("birth_year"), e.id, e.labels, films,
                                e.birth_year)
    return reconcile_name(names or [e.name], e.id, e.labels)


def _candidate(index: Index, s: Scored, e: Entity, match: bool) -> dict:
    features = [{"id": k, "value": round(v, 3)} for k, v in s.parts.items() if v is not None]
    return {"id": e.id, "name": e.name, "description": describe(index, e), "score": round(s.score * 100, 1),
            "match": match, "type": [_type(e.type)], "features": features}


def describe(index: Index, e: Entity) -> str:
    """One line that tells namesakes apart: a film's year and director, a person's first films."""
    if e.type == FILM:
        directors = ", ".join(index.entities[d].name for d in e.directors if d in index.entities)
        return " · ".join(x for x in (str(e.year or ""), directors) if x) or "film"
    films = [index.entities[f] for f in e.films[:3] if f in index.entities]
    listed = "; ".join(f"{f.name} ({f.year})" if f.year else f.name for f in films)
    return f"{TYPES[e.type]}: {listed}" if listed else TYPES[e.type]


# ---- suggest, preview, extend -------------------------------------------------------------------

def _paging(cursor: Any, limit: Any) -> tuple[int, int]:
    """(start, size) from a suggest request's `cursor` and `limit`."""
    try:
        start = max(int(cursor or 0), 0)
        size = min(max(int(limit or SUGGEST_LIMIT), 1), MAX_LIMIT)
    except ValueError:
        raise ServiceError("'cursor' and 'limit' must be whole numbers") from None
    return start, size


def _window(items: list, cursor: Any, limit: Any) -> list:
    start, size = _paging(cursor, limit)
    return items[start:start + size]


def suggest_entities(index: Index, prefix: str, types: list[str] | None, cursor: Any = 0, limit: Any = None) -> dict:
    wanted = {t for t in types or () if t in TYPES} or None
    needed = sum(_paging(cursor, limit))
    hits = []
    for e in index.prefix(prefix, wanted):
        hits.append({"id": e.id, "name": e.name, "description": describe(index, e), "notable": [_type(e.type)]})
        if len(hits) >= needed:
            break
    return {"result": _window(hits, cursor, limit)}


def _matches(prefix: str, *texts: str) -> bool:
    p = prefix.casefold().strip()
    return not p or any(w.startswith(p) for t in texts for w in [t.casefold(), *t.casefold().split()])


def suggest_types(prefix: str, cursor: Any = 0, limit: Any = None) -> dict:
    hits = [{**_type(k), "description": TYPE_DESCRIPTIONS[k]} for k in TYPES if _matches(prefix, k, TYPES[k])]
    return {"result": _window(hits, cursor, limit)}


def suggest_properties(prefix: str, type_id: str | None = None, cursor: Any = 0, limit: Any = None) -> dict:
    hits = [{"id": p.id, "name": p.name, "description": p.description} for p in PROPERTIES
            if (not type_id or type_id in p.types) and _matches(prefix, p.id, p.name)]
    return {"result": _window(hits, cursor, limit)}


def propose_properties(type_id: str, limit: Any = None) -> dict:
    if type_id not in TYPES:
        raise ServiceError(f"unknown type {type_id!r} (types: {', '.join(TYPES)})")
    props = [{"id": p.id, "name": p.name, "description": p.description} for p in PROPERTIES if type_id in p.types]
    out: dict[str, Any] = {"type": type_id, "properties": props}
    if limit not in (None, ""):
        try:
            out["limit"] = int(limit)
        except ValueError:
            raise ServiceError("'limit' must be a whole number") from None
        out["properties"] = props[:out["limit"]]
    return out


def preview(index: Index, eid: str) -> str:
    """A small HTML card; every value from the store is escaped."""
    e = index.entities.get(entity_id(eid))
    if e is None:
        raise ServiceError(f"no entity {eid!r} in this store", 404)
    esc = html.escape
    rows: list[tuple[str, str]] = []
    if e.type == FILM:
        rows.append(("Year", str(e.year or "")))
        rows.append(("Director", ", ".join(index.entities[d].name for d in e.directors if d in index.entities)))
        rows.append(("Cast", ", ".join(index.entities[c].name for c in e.cast[:4] if c in index.entities)))
        rows.append(("Country", ", ".join(e.countries)))
        rows.append(("Runtime", f"{e.runtime} min" if e.runtime else ""))
        rows.append(("IMDb", e.imdb or ""))
    else:
        rows.append(("Films", "; ".join(describe_film(index.entities[f]) for f in e.films[:5] if f in index.entities)))
    also = [label for label in e.labels[1:3]]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows if v)
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + esc(e.name) + "</title>"
            "<style>body{font:13px sans-serif;margin:6px}h1{font-size:15px;margin:0 0 4px}"
            "th{text-align:left;color:#555;padding-right:8px;vertical-align:top}</style></head><body>"
            f"<h1>{esc(e.name)}</h1>"
            + (f"<p>{esc(' / '.join(also))}</p>" if also else "")
            + f"<table>{body}</table><p><small>{esc(TYPES[e.type])} · {esc(e.id)}</small></p></body></html>")


def describe_film(f: Entity) -> str:
    return f"{f.name} ({f.year})" if f.year else f.name


def extend(index: Index, query: Any) -> dict:
    """Data extension: for each id and property, its values (entities as {id, name})."""
    if not isinstance(query, dict) or not isinstance(query.get("ids"), list) \
            or not isinstance(query.get("properties"), list):
        raise ServiceError("a data extension query is a JSON object with 'ids' and 'properties' arrays")
    if not all(isinstance(i, str) for i in query["ids"]):
        raise ServiceError("'ids' must be an array of entity ids")
    if len(query["ids"]) > MAX_LIMIT * 10:
        raise ServiceError(f"{len(query['ids'])} ids in one request; the limit is {MAX_LIMIT * 10}", 413)
    pids = []
    for p in query["properties"]:
        if not isinstance(p, dict) or not isinstance(p.get("id"), str):
            raise ServiceError("each property is an object with a string 'id'")
        if p["id"] not in BY_ID:
            raise ServiceError(f"unknown property {p['id']!r} (properties: {', '.join(BY_ID)})")
        pids.append(p["id"])
    meta = []
    for pid in pids:
        prop = BY_ID[pid]
        item: dict[str, Any] = {"id": pid, "name": prop.name}
        if prop.entity:
            item["type"] = _type(prop.entity)
        meta.append(item)
    rows = {}
    for eid in query["ids"]:
        e = index.entities.get(entity_id(eid))
        rows[eid] = {pid: _values(index, e, pid) if e else [] for pid in pids}
    return {"meta": meta, "rows": rows}


def _ref(index: Index, eid: str) -> dict:
    e = index.entities.get(eid)
    return {"id": eid, "name": e.name if e else eid}


def _values(index: Index, e: Entity, pid: str) -> list[dict]:
    if pid in ("director", "cast", "writer"):
        return [_ref(index, p) for p in getattr(e, {"director": "directors", "writer": "writers"}.get(pid, pid))]
    if pid == "film":
        return [_ref(index, f) for f in e.films]
    if pid == "series":
        return [_ref(index, e.series)] if e.series else []
    if pid == "country":
        return [{"str": c} for c in e.countries]
    if pid in ("year", "runtime", "position", "birth_year"):
        value = getattr(e, pid)
        return [{"int": value}] if value is not None else []
    if pid == "imdb":
        return [{"str": e.imdb}] if e.imdb else []
    if pid == "wikidata":
        return [{"str": e.qid}] if e.qid else []
    return []
