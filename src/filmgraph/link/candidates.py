"""Our films and people read from the store, and the target's candidates for them, in batches.

Candidates come from label matches: exact labels (with the spelling, article and case variants a
title commonly has, in each label language) in VALUES queries; then, for films still without a
candidate, a folded scan whose regular expression tolerates case, diacritics and punctuation.
Everything is standard SPARQL 1.1; values reach the query text only through `sparql.text.literal`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from filmgraph.identity import nfc
from filmgraph.link.profile import Profile
from filmgraph.link.scoring import TargetFilm, words
from filmgraph.sparql.text import iri, literal
from filmgraph.terms import FG, SDO

BATCH = 150
"""VALUES rows per query: small enough for any endpoint's URL or body limit, large enough to be few."""

_ARTICLE_FORMS = ("The", "A", "An")
_SPELLING = ((r"\bColours?\b", "Colour", "Color"), (r"\bColors?\b", "Color", "Colour"),
             (r"\bHonour", "Honour", "Honor"), (r"\bHonor\b", "Honor", "Honour"),
             (r"\bTheatre\b", "Theatre", "Theater"), (r"\bTheater\b", "Theater", "Theatre"),
             (r"\bFavourite", "Favourite", "Favorite"), (r"\bFavorite", "Favorite", "Favourite"),
             (r"\bGrey\b", "Grey", "Gray"), (r"\bGray\b", "Gray", "Grey"))
_FOLD_CLASS = {
    "a": "aàáâãäåāăą", "c": "cçćčĉ", "d": "dđď", "e": "eèéêëēėęě", "g": "gğ", "i": "iìíîïīįı",
    "l": "lł", "n": "nñńň", "o": "oòóôõöøōő", "r": "rř", "s": "sśšş", "t": "tť", "u": "uùúûüūůű",
    "y": "yýÿ", "z": "zźżž",
}


@dataclass(slots=True)
class OurFilm:
    iri: str
    titles: list[str]
    year: int | None = None
    directors: list[str] = field(default_factory=list)
    cast: list[str] = field(default_factory=list)
    imdb: str | None = None
    qid: str | None = None

    @property
    def name(self) -> str:
        return self.titles[0]


@dataclass(slots=True)
class OurPerson:
    """One person node; records may spell the name differently (`Zlatko Buric`, `Zlatko Burić`)."""

    iri: str
    names: list[str]
    films: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.names[0]


def normalise_imdb(value: str, form: str = "tt") -> str | None:
    """`117407`, `0117407`, `tt0117407` and an IMDb URL all give `tt0117407` (or the digits form)."""
    m = re.search(r"(?:tt)?(\d{1,10})", value.strip())
    if not m:
        return None
    digits = m.group(1).lstrip("0").zfill(7)
    return digits if form == "digits" else f"tt{digits}"


def normalise_qid(value: str) -> str | None:
    m = re.search(r"\b(Q\d+)\s*$", value.strip().rstrip("/"))
    return m.group(1) if m else None


# ---- our side -----------------------------------------------------------------------------------

def _year(text: str | None) -> int | None:
    m = re.match(r"-?(\d{4})", text or "")
    return int(m.group(1)) if m else None


def load_films(store) -> list[OurFilm]:
    """Every film in the store, with titles, year, directors, cast and the ids its records give."""
    sdo, fg = SDO, FG
    films: dict[str, OurFilm] = {}
    q = f"""SELECT DISTINCT ?film ?name WHERE {{ ?film a <{sdo.Movie}> ; <{sdo.name}> ?name }}"""
    for row in store.rows(q):  # every film, however many: a server's row cap is paged past
        films.setdefault(row["film"].value, OurFilm(row["film"].value, [])).titles.append(row["name"].value)
    extras = f"""SELECT DISTINCT ?film ?key ?value WHERE {{
      ?film a <{sdo.Movie}> .
      {{ ?film <{sdo.alternateName}>|<{fg.originalTitle}> ?value BIND("title" AS ?key) }}
      UNION {{ ?film <{sdo.dateCreated}> ?value BIND("year" AS ?key) }}
      UNION {{ ?film <{sdo.director}>/<{sdo.name}> ?value BIND("director" AS ?key) }}
      UNION {{ ?film <{sdo.actor}>/<{sdo.actor}>/<{sdo.name}> ?value BIND("cast" AS ?key) }}
      UNION {{ ?film <{fg.imdbId}> ?value BIND("imdb" AS ?key) }}
      UNION {{ ?film <{fg.wikidataId}> ?value BIND("qid" AS ?key) }}
    }}"""
    for row in sorted(store.rows(extras), key=lambda r: (r["film"].value, r["key"].value, r["value"].value)):
        film = films.get(row["film"].value)
        if film is None:
            continue
        key, value = row["key"].value, row["value"].value
        if key == "title" and value not in film.titles:
            film.titles.append(value)
        elif key == "year":
            film.year = film.year or _year(value)
        elif key in ("director", "cast"):
            getattr(film, "directors" if key == "director" else "cast").append(value)
        elif key == "imdb":
            film.imdb = normalise_imdb(value)
        elif key == "qid":
            film.qid = normalise_qid(value)
    for film in films.values():
        film.titles = [film.titles[0], *sorted(set(film.titles[1:]))]
    return [films[k] for k in sorted(films)]


def load_people(store) -> list[OurPerson]:
    """Every person with the films they are credited on (directing, writing or acting)."""
    sdo = SDO
    q = f"""SELECT DISTINCT ?person ?name ?film WHERE {{
      ?person a <{sdo.Person}> ; <{sdo.name}> ?name .
      OPTIONAL {{ ?film a <{sdo.Movie}> .
                 {{ ?film <{sdo.director}>|<{sdo.author}> ?person }} UNION {{ ?film <{sdo.actor}>/<{sdo.actor}> ?person }} }}
    }}"""
    people: dict[str, OurPerson] = {}
    for row in store.rows(q):
        person = people.setdefault(row["person"].value, OurPerson(row["person"].value, []))
        if row["name"].value not in person.names:
            person.names.append(row["name"].value)
        if row["film"] is not None and row["film"].value not in person.films:
            person.films.append(row["film"].value)
    for person in people.values():
        person.films.sort()
        person.names.sort()
    return [people[k] for k in sorted(people)]


# ---- label variants -----------------------------------------------------------------------------

def title_variants(title: str) -> set[str]:
    """Spellings a target may use for a title: as given, without subtitle, article moved or dropped,
    Colours/Colors, and common capitalisations."""
    base = {nfc(title), nfc(title.split(": ", 1)[0])}
    out: set[str] = set()
    for t in base:
        forms = {t}
        m = re.match(r"^(.*), (The|A|An)$", t)
        if m:
            forms |= {f"{m.group(2)} {m.group(1)}", m.group(1)}
        first = t.split(" ", 1)
        if len(first) == 2 and first[0] in _ARTICLE_FORMS:
            forms |= {first[1], f"{first[1]}, {first[0]}"}
        for form in list(forms):
            for pattern, a, b in _SPELLING:
                if re.search(pattern, form):
                    forms.add(re.sub(rf"\b{a}", b, form))
        for form in list(forms):
            forms |= {form.title(), form[:1].upper() + form[1:].lower(), form.lower()}
        out |= forms
    return {v for v in out if v.strip()}


def name_variants(name: str) -> set[str]:
    n = nfc(name)
    return {n, n.title()}


def _values_literals(texts: Iterable[str], languages: Iterable[str]) -> list[str]:
    return [literal(t, lang) for t in sorted(set(texts)) for lang in sorted(set(languages))]


def _batches(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _label_path(profile: Profile) -> str:
    return "|".join(iri(p) for p in profile.label_properties)


def _types(profile: Profile, role: str) -> str:
    return " ".join(iri(t) for t in profile.term(role))


def exact_label_matches(client, profile: Profile, texts: dict[str, set[str]], role: str,
                        languages: Iterable[str]) -> dict[str, set[str]]:
    """Target items of the role's class having one of the labels exactly: text -> items.

    Labels are language-tagged in the target, so each text is asked in each label language."""
    found: dict[str, set[str]] = {}
    literals = _values_literals(texts, languages)
    for batch in _batches(literals):
        q = f"""SELECT DISTINCT ?text ?item WHERE {{
  VALUES ?text {{ {' '.join(batch)} }}
  ?item {_label_path(profile)} ?text .
  VALUES ?class {{ {_types(profile, role)} }}
  ?item {iri(profile.type_property)} ?class .
}}"""
        for row in client.select(q):
            found.setdefault(row["text"], set()).add(row["item"])
    return found


def folded_pattern(title: str) -> str | None:
    """An XPath regex matching the title's words whatever their case, diacritics and punctuation."""
    ws = words(title.split(": ", 1)[0])
    if not ws:
        return None
    def word(w: str) -> str:
        return "".join(f"[{_FOLD_CLASS[c]}]" if c in _FOLD_CLASS else re.escape(c) for c in w)
    return "^((the|a|an|le|la|les|l|el|il|der|das|den|det)[^a-z0-9]+)?" + "[^a-z0-9]*".join(word(w) for w in ws)


def folded_label_matches(client, profile: Profile, titles: Iterable[str]) -> set[str]:
    """Films whose label matches any of the titles once folded: a scan, so only for the leftovers."""
    patterns = sorted({p for p in map(folded_pattern, titles) if p})
    items: set[str] = set()
    for batch in _batches(patterns, 20):
        regex = "|".join(f"({p})" for p in batch)
        q = f"""SELECT DISTINCT ?item WHERE {{
  VALUES ?class {{ {_types(profile, 'film')} }}
  ?item {iri(profile.type_property)} ?class ; {_label_path(profile)} ?label .
  FILTER(REGEX(STR(?label), {literal(regex)}, "i"))
}}"""
        items |= {row["item"] for row in client.select(q)}
    return items


def imdb_matches(client, profile: Profile, ids: Iterable[str]) -> dict[str, set[str]]:
    """IMDb id (tt form) -> target items carrying it."""
    ids = sorted(set(ids))
    prop = profile.term("imdb")
    found: dict[str, set[str]] = {}
    if not ids or not prop:
        return found
    for batch in _batches(ids):
        values = " ".join(literal(normalise_imdb(i, profile.imdb_form) or i) for i in batch)
        q = f"""SELECT DISTINCT ?imdb ?item WHERE {{
  VALUES ?imdb {{ {values} }}
  ?item {"|".join(iri(p) for p in prop)} ?imdb .
}}"""
        for row in client.select(q):
            found.setdefault(normalise_imdb(row["imdb"]) or row["imdb"], set()).add(row["item"])
    return found


def film_details(client, profile: Profile, items: Iterable[str], languages: Iterable[str]) -> dict[str, TargetFilm]:
    """Labels, dates, IMDb ids and credited people (with their labels) of each candidate film."""
    items = sorted(set(items))
    langs = ", ".join(literal(lang) for lang in sorted(set(languages)))
    films = {i: TargetFilm(i) for i in items}
    roles = [r for r in ("director", "cast", "writer") if profile.term(r)]
    for batch in _batches(items, 50):
        blocks = [f'{{ ?item {_label_path(profile)} ?value BIND("label" AS ?key) FILTER(LANG(?value) IN ({langs})) }}',
                  f'{{ ?item {"|".join(iri(p) for p in profile.term("date"))} ?value BIND("date" AS ?key) }}']
        if profile.term("imdb"):
            blocks.append(f'{{ ?item {"|".join(iri(p) for p in profile.term("imdb"))} ?value BIND("imdb" AS ?key) }}')
        for role in roles:
            blocks.append(f'{{ ?item {"|".join(iri(p) for p in profile.term(role))} ?value BIND("{role}" AS ?key)'
                          f' OPTIONAL {{ ?value {_label_path(profile)} ?person FILTER(LANG(?person) IN ({langs})) }} }}')
        q = f"""SELECT DISTINCT ?item ?key ?value ?person WHERE {{
  VALUES ?item {{ {' '.join(iri(i) for i in batch)} }}
  {(chr(10) + '  UNION ').join(blocks)}
}}"""
        rows = sorted(client.select(q), key=lambda r: (r["item"], r["key"], r["value"], r.get("person", "")))
        for row in rows:
            film, key, value = films[row["item"]], row["key"], row["value"]
            if key == "label":
                if value not in film.labels:
                    film.labels.append(value)
            elif key == "date":
                year = _year(value)
                if year and year not in film.years:
                    film.years.append(year)
            elif key == "imdb":
                film.imdb.append(normalise_imdb(value) or value)
            else:
                labels = film.credits.setdefault(key, {}).setdefault(value, [])
                if row.get("person") and row["person"] not in labels:
                    labels.append(row["person"])
    return films


def people_by_name(client, profile: Profile, names: Iterable[str], languages: Iterable[str]) -> dict[str, set[str]]:
    """Target people with exactly one of these names (any label language asked): name -> items."""
    texts = {v: n for n in names for v in name_variants(n)}
    found = exact_label_matches(client, profile, set(texts), "person", languages)
    out: dict[str, set[str]] = {}
    for text, items in found.items():
        out.setdefault(texts[text], set()).update(items)
    return out


def person_labels(client, profile: Profile, items: Iterable[str], languages: Iterable[str]) -> dict[str, list[str]]:
    items = sorted(set(items))
    langs = ", ".join(literal(lang) for lang in sorted(set(languages)))
    out: dict[str, list[str]] = {}
    for batch in _batches(items):
        q = f"""SELECT DISTINCT ?item ?label WHERE {{
  VALUES ?item {{ {' '.join(iri(i) for i in batch)} }}
  ?item {_label_path(profile)} ?label FILTER(LANG(?label) IN ({langs}))
}}"""
        for row in sorted(client.select(q), key=lambda r: (r["item"], r["label"])):
            out.setdefault(row["item"], []).append(row["label"])
    return out
