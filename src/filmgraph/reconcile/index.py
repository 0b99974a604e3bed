"""What the service answers from: every film, person, series and character of the store, read in a
few queries into memory, with lookup tables for titles and names and a sorted list for suggest.

The store's lock is held only while the snapshot is read (seconds for 10,000 films); `LiveIndex`
notices when the store's files change (an ingest landed) and reads a new snapshot in the background,
so a running service and an ingest into the same store both work.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from filmgraph.errors import StoreError
from filmgraph.link.candidates import normalise_imdb, normalise_qid
from filmgraph.link.scoring import TargetFilm, title_key, words
from filmgraph.settings import BASE_IRI
from filmgraph.terms import FG, OWL, RDF_TYPE, SDO, WD

FILM, PERSON, SERIES, CHARACTER = "Film", "Person", "Series", "Character"
KINDS = {SDO.Movie: FILM, SDO.Person: PERSON, SDO.MovieSeries: SERIES, FG.Character: CHARACTER}
_DURATION = re.compile(r"^P(?:\d+D)?T?(?:(\d+)H)?(?:(\d+)M)?")


def entity_id(iri: str) -> str:
    """An entity's id is its IRI's path below the identifier space (`film/pusher-1996`)."""
    return iri[len(BASE_IRI):] if iri.startswith(BASE_IRI) else iri


def entity_iri(eid: str) -> str:
    return eid if "://" in eid else BASE_IRI + eid


@dataclass(slots=True)
class Entity:
    id: str
    type: str
    labels: list[str] = field(default_factory=list)
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    """Ids of people, as for `cast`, `writers` and `films` (a person's films)."""
    cast: list[str] = field(default_factory=list)
    writers: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    """Country names; `country_codes` their ISO 3166-1 codes (a row may give either)."""
    country_codes: list[str] = field(default_factory=list)
    runtime: int | None = None
    imdb: str | None = None
    qid: str | None = None
    series: str | None = None
    position: int | None = None
    films: list[str] = field(default_factory=list)
    """A person's, series' or character's films."""
    birth_year: int | None = None
    target: TargetFilm | None = None
    """A film as the scorer sees it (labels, years, imdb, credits by name)."""

    @property
    def name(self) -> str:
        return self.labels[0] if self.labels else self.id


@dataclass(slots=True)
class Index:
    entities: dict[str, Entity]
    keys: dict[str, dict[str, set[str]]]
    """type -> title key (and the key of the title without its subtitle) -> ids."""
    choices: dict[str, list[str]]
    """type -> every distinct key, for the fuzzy pass."""
    near: dict[str, dict[str, set[str]]]
    """type -> a key or a key less one letter -> the keys it comes from (titles of 4 letters or more)."""
    names: list[tuple[str, str]]
    """(folded name, id) for every label and id, sorted: whole-name prefixes by bisection."""
    inner: list[tuple[str, str]]
    """(folded name from its second, third… word, id), sorted: word prefixes by bisection."""
    imdb: dict[str, str] = field(default_factory=dict)
    """IMDb id (tt…) -> film id."""

    def __len__(self) -> int:
        return len(self.entities)

    def by_key(self, kind: str, text: str) -> set[str]:
        table = self.keys.get(kind, {})
        found = set(table.get(key(kind, text), ()))
        short = text.split(": ", 1)[0]
        if kind != PERSON and short != text:
            found |= table.get(key(kind, short), set())
        return found

    def fuzzy(self, kind: str, text: str, limit: int = 8) -> set[str]:
        """Ids whose key is a typing slip away from `text`'s: one edit through the deletion table
        (a key and each of its one-letter deletions, so two keys one edit apart share an entry);
        for long titles, where two slips still score, a rapidfuzz pass over keys of about the same
        length. People: rapidfuzz's partial ratio, since a name may leave out a middle name."""
        table = self.keys.get(kind)
        if not table:
            return set()
        q = key(kind, text)
        if kind == PERSON:
            hits = process.extract(q, self.choices[kind], scorer=fuzz.partial_ratio, score_cutoff=80, limit=limit)
            return {eid for k, _, _ in hits for eid in table[k]}
        near = {k for variant in _deletions(q) for k in self.near.get(kind, {}).get(variant, ())}
        near = {k for k in near if OSA.distance(q, k, score_cutoff=1) <= 1}
        if not near and len(q) >= LONG:
            same_length = [k for k in self.choices[kind] if abs(len(k) - len(q)) <= len(q) // 10 + 1]
            near = {k for k, _, _ in process.extract(q, same_length, scorer=fuzz.ratio, score_cutoff=90, limit=limit)}
        return {eid for k in sorted(near)[:limit * 4] for eid in table[k]}

    def prefix(self, text: str, types: set[str] | None = None) -> Iterable[Entity]:
        """Entities with a name (or a word of it) starting with `text`, case and accents ignored:
        whole-name prefixes first, then word prefixes, each in name order."""
        folded = " ".join(words(text))
        if not folded:
            return
        seen: set[str] = set()
        for table in (self.names, self.inner):
            i = bisect.bisect_left(table, (folded, ""))
            while i < len(table) and table[i][0].startswith(folded):
                eid = table[i][1]
                i += 1
                if eid not in seen and (not types or self.entities[eid].type in types):
                    seen.add(eid)
                    yield self.entities[eid]


LONG = 20
"""Keys this long can differ by two slips and still score as a typo (similarity >= 0.92)."""


def _deletions(k: str) -> set[str]:
    return {k, *(k[:i] + k[i + 1:] for i in range(len(k)))} if len(k) >= 4 else {k}


def key(kind: str, text: str) -> str:
    """The lookup key of a name: a person's folded words; a title's `title_key`."""
    return " ".join(words(text)) if kind == PERSON else title_key(text)


def _year(text: str) -> int | None:
    m = re.match(r"-?(\d{4})", text)
    return int(m.group(1)) if m else None


def _minutes(text: str) -> int | None:
    m = _DURATION.match(text)
    if not m or not (m.group(1) or m.group(2)):
        return None
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


_QUERY = f"""SELECT DISTINCT ?s ?key ?value WHERE {{
  {{ ?s <{RDF_TYPE}> ?value BIND("type" AS ?key) }}
  UNION {{ ?s <{SDO.name}> ?value BIND("name" AS ?key) }}
  UNION {{ ?s <{SDO.alternateName}>|<{FG.originalTitle}> ?value BIND("alt" AS ?key) }}
  UNION {{ ?s <{SDO.dateCreated}> ?value BIND("year" AS ?key) }}
  UNION {{ ?s <{SDO.director}> ?value BIND("director" AS ?key) }}
  UNION {{ ?s <{SDO.author}> ?value BIND("writer" AS ?key) }}
  UNION {{ ?s <{SDO.actor}> ?role . ?role <{SDO.actor}> ?person OPTIONAL {{ ?role <{FG.billingOrder}> ?billing }}
           BIND(CONCAT(STR(COALESCE(?billing, 9999)), " ", STR(?person)) AS ?value) BIND("cast" AS ?key) }}
  UNION {{ ?s <{SDO.character}> ?value BIND("character" AS ?key) }}
  UNION {{ ?s <{SDO.countryOfOrigin}> ?value BIND("country" AS ?key) }}
  UNION {{ ?s <{SDO.identifier}> ?value BIND("code" AS ?key) }}
  UNION {{ ?s <{SDO.duration}> ?value BIND("duration" AS ?key) }}
  UNION {{ ?s <{FG.imdbId}> ?value BIND("imdb" AS ?key) }}
  UNION {{ ?s <{FG.wikidataId}>|<{OWL}sameAs> ?value BIND("qid" AS ?key) }}
  UNION {{ ?s <{SDO.isPartOf}> ?value BIND("series" AS ?key) }}
  UNION {{ ?s <{SDO.position}> ?value BIND("position" AS ?key) }}
  UNION {{ ?s <{SDO.birthDate}> ?value BIND("born" AS ?key) }}
}}"""
"""One pass over what the service needs; the order of rows does not matter (lists are sorted after),
nor do repeats (every list is made a set), so DISTINCT: half the rows on a generated store, read in
pages past a server's row cap."""


def build(store) -> Index:
    """Read a snapshot of the store (any `Backend`) into an `Index`."""
    return index_of(read_facts(store))


def read_facts(store) -> dict[str, dict[str, list[str]]]:
    """subject -> key -> values: all the index needs, as plain strings (the only part that needs the store)."""
    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in store.rows(_QUERY):
        facts[row["s"].value][row["key"].value].append(row["value"].value)
    return facts


def index_of(facts: dict[str, dict[str, list[str]]]) -> Index:
    countries = {s: (f.get("name") or f.get("code") or [s.rsplit("/", 1)[-1]])[0]
                 for s, f in facts.items() if SDO.Country in f.get("type", ())}
    entities: dict[str, Entity] = {}
    characters: dict[str, list[str]] = {}
    for iri, f in facts.items():
        kind = next((KINDS[t] for t in sorted(f.get("type", ())) if t in KINDS), None)
        if kind is None or not iri.startswith(BASE_IRI):
            continue
        names = sorted(set(f.get("name", ())))
        alts = sorted(set(f.get("alt", ())) - set(names))
        e = Entity(entity_id(iri), kind, names + alts)
        if not e.labels:
            continue
        if kind == FILM:
            e.year = min((y for y in map(_year, f.get("year", ())) if y), default=None)
            e.directors = sorted({entity_id(p) for p in f.get("director", ())})
            e.writers = sorted({entity_id(p) for p in f.get("writer", ())})
            billed = sorted({(int(b), entity_id(p)) for b, p in (v.split(" ", 1) for v in f.get("cast", ()))})
            e.cast = list(dict.fromkeys(p for _, p in billed))
            e.countries = sorted({countries.get(c, c.rsplit("/", 1)[-1]) for c in f.get("country", ())})
            e.country_codes = sorted({c.rsplit("/", 1)[-1] for c in f.get("country", ())})
            e.runtime = next((m for m in map(_minutes, sorted(f.get("duration", ()))) if m), None)
            e.imdb = next((normalise_imdb(v) for v in sorted(f.get("imdb", ()))), None)
            qids = [normalise_qid(v) for v in sorted(f.get("qid", ())) if v.startswith(WD) or v.startswith("Q")]
            e.qid = next((q for q in qids if q), None)
            e.series = next((entity_id(s) for s in sorted(f.get("series", ()))), None)
            e.position = next((int(p) for p in sorted(f.get("position", ())) if p.isdigit()), None)
            characters[e.id] = sorted({entity_id(c) for c in f.get("character", ())})
        elif kind == PERSON:
            e.birth_year = next((y for y in map(_year, sorted(f.get("born", ()))) if y), None)
            qids = [normalise_qid(v) for v in sorted(f.get("qid", ())) if v.startswith(WD)]
            e.qid = next((q for q in qids if q), None)
        entities[e.id] = e
    _link_back(entities, characters)
    return _tables(entities)


def _link_back(entities: dict[str, Entity], characters: dict[str, list[str]]) -> None:
    """People get their films, series their films, characters their film; films get scorer views."""
    for e in list(entities.values()):
        if e.type != FILM:
            continue
        for pid in {*e.directors, *e.cast, *e.writers}:
            if pid in entities:
                entities[pid].films.append(e.id)
        if e.series in entities:
            entities[e.series].films.append(e.id)
        for cid in characters.get(e.id, ()):
            if cid in entities:
                entities[cid].films.append(e.id)
        credits = {role: {BASE_IRI + p: entities[p].labels for p in ids if p in entities}
                   for role, ids in (("director", e.directors), ("cast", e.cast), ("writer", e.writers))}
        e.target = TargetFilm(e.id, list(e.labels), [e.year] if e.year else [], [e.imdb] if e.imdb else [], credits)
    for e in entities.values():
        if e.type != FILM:
            e.films = sorted(set(e.films), key=lambda fid: (entities[fid].year or 0, fid))


def _tables(entities: dict[str, Entity]) -> Index:
    table: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    names: list[tuple[str, str]] = []
    inner: list[tuple[str, str]] = []
    for e in entities.values():
        for label in e.labels:
            table[e.type][key(e.type, label)].add(e.id)
            short = label.split(": ", 1)[0]
            if e.type != PERSON and short != label:
                table[e.type][key(e.type, short)].add(e.id)
            ws = words(label)
            names.append((" ".join(ws), e.id))
            inner.extend((" ".join(ws[i:]), e.id) for i in range(1, len(ws)))
        names.append((" ".join(words(e.id)), e.id))   # an id typed as a prefix finds its entity
    keys = {k: dict(v) for k, v in table.items()}
    near: dict[str, dict[str, set[str]]] = {}
    for kind, by_key in keys.items():
        if kind == PERSON:
            continue
        near[kind] = defaultdict(set)
        for k in by_key:
            for variant in _deletions(k):
                near[kind][variant].add(k)
        near[kind] = dict(near[kind])
    imdb = {e.imdb: e.id for e in sorted(entities.values(), key=lambda e: e.id, reverse=True) if e.imdb}
    return Index(entities, keys, {k: sorted(v) for k, v in keys.items()}, near, sorted(set(names)),
                 sorted(set(inner)), imdb)


def signature(location: str) -> tuple:
    """What changes when a write lands: the store's data files, their sizes and times (RocksDB's
    info logs and filmgraph's lock file excluded: opening the store to read touches them)."""
    try:
        with os.scandir(location) as it:
            return tuple(sorted((d.name, st.st_size, st.st_mtime_ns) for d in it
                                if not d.name.startswith("LOG") and d.name != "filmgraph.lock"
                                for st in [d.stat()]))
    except FileNotFoundError:
        return ()


class LiveIndex:
    """The index of an embedded store, rebuilt in the background when the store's files change.

    Requests read `current` and never wait for a rebuild; a rebuild that finds the store locked by a
    writer tries again at the next check."""

    def __init__(self, location: str, *, wait: float | None = None, check_every: float = 1.0,
                 lock_timeout: float = 2.0):
        """`wait`: how long the first read waits for a writer (the settings' lock timeout; None, the
        store's default); `lock_timeout`: how long a later, background read does."""
        self.location = location
        self.check_every = check_every
        self.lock_timeout = lock_timeout
        self._signature: tuple | None = None
        self._checked = 0.0
        self._building = threading.Lock()
        self.error: str | None = None
        self.current = self._build(wait)

    def _build(self, lock_timeout: float | None) -> Index:
        """A snapshot; the first waits for a writer as any reader does, later ones give up quickly
        (the service keeps answering from the snapshot it has)."""
        from filmgraph.store import open_store

        before = signature(self.location)
        with open_store(self.location, lock_timeout=lock_timeout) as store:
            facts = read_facts(store)
        index = index_of(facts)   # the lock is already released: an ingest need not wait for this part
        self._signature = before
        return index

    def get(self) -> Index:
        now = time.monotonic()
        if now - self._checked >= self.check_every:
            self._checked = now
            if signature(self.location) != self._signature and self._building.acquire(blocking=False):
                threading.Thread(target=self._refresh, daemon=True).start()
        return self.current

    def _refresh(self) -> None:
        try:
            self.current = self._build(self.lock_timeout)
            self.error = None
        except StoreError as e:
            self.error = str(e)
        finally:
            self._building.release()
