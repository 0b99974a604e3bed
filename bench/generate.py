"""Deterministic synthetic films for the benchmarks: press kits like records/ and JSON records.

    python bench/generate.py --films 10000 --out /tmp/films       # writes presskit/ and json/

The same seed and N give the same bytes. Distributions follow issue 6: about 5% of films in series
of 2-4 with recurring characters, directors with about 10 films, 8-15 billed actors drawn Zipf-like
from a shared pool, 2-4 releases per film, names with diacritics, now and then a `tbc` date or a
header line the reader cannot place (kept as a note).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from filmgraph.identity import slug  # noqa: E402

SEED = 20260101
SHARD = 1000  # files per folder

_FIRST = ("Mads Anne Zlatko Laura Slavko Søren Ærø Björn Åsa Jörg Zoë François Élodie Łukasz Agnieszka "
          "José María Iñaki Núria Jiří Věra Tomáš Dušan Mirjana Ľubomír Ágnes Gergő Þóra Ólafur Øystein "
          "Kim Leif Karsten Maya Aino Michael Jean Pierre Dan Kurt Oyvind Maria Lars Peter Vanja Levino "
          "Thomas Jesper Nicolas Jens Ingrid Hélène Raphaël Noémie Gaël Çağla Göran Maëlle Anaïs Håkon "
          "Sigríður Dagný Ilona Grzegorz Małgorzata Renée Chloé Niamh Siobhán Seán Dóra Bálint Ömer Yusuf "
          "Emre Aylin Ines Rui João Conceição Sebastián Ramón Inés Ana Lucía Marta Paulo Ivo Vesna Goran "
          "Mirko Nikola Ljiljana Zdeněk Kateřina Petr Andrzej Wojciech Ewa Astrid Karin Ulf Nils Sven "
          "Henrik Freja Ida Emil Oskar Elsa Linnéa Mathéo Léa Jérôme Benoît Cécile Théo").split()
_STEM = ("Bur Drasb Lab Mikkel Nør Kowal Jørg Hå Šim Sylvest Sørens Hag Niel Dom Schrö Erwolt Ababadj "
         "Mend Junk Zil Eskel Peul Bodn Anders Bajič Jens Lars Bom Lohm Refn Dahl Fønn Brøndb Kjær Lindq "
         "Szymańs Wiśn Dvoř Novotn Horv Kovač Petrov Ğül Yıldır Şah Çel Öz Müll Schäf Gonzál Pérez Martí "
         "Ibáñ Fernánd Gonçalv Conc Sousá Ferr Lefèv Girard Mor Fauré Dupré Bélang Ó Ní Mac Kövesd Szab "
         "Thórs Guðm Ólafs Håk Ekstr Lundqv Åkerl Öberg Blomqv Strind Nyk Vinterb Holm Korč Babić").split()
_END = ("ić ek ović elsen sen ski ová escu oglu ez ard ær ø ström berg ius ak an ek ičová as ez ou é").split()
_WORDS = ("Night Blood Hands Angel Death Winter Harbour Knife Debt Dream Silence River Crown Echo Ashes Glass "
          "Wolves Ember Salt Iron Storm Mirror Ghost Orchard Lantern Thread Tide Fever Hollow Bridge "
          "Århus Sølvfjord Kraków Malmö Zürich Škoda Čertovka Göta Dürer Brønshøj Łódź Córdoba Nîmes "
          "Smoke Velvet Copper Raven Marrow Quarry Signal Frost Cinder Veil Summit Verdict Spiral Lull").split()
_PATTERNS = ("{a}", "The {a}", "{a} and {b}", "{a} of {b}", "The {a} of {b}", "{a} in {b}", "Under the {a}",
             "After the {a}", "{a} {b}", "No {a}", "{a}, {b} and {c}", "The {a} of {b} {c}", "{a} {b} {c}")
# A title is drawn again when taken, up to this many times; after that a remake shares its title.
_TITLE_TRIES = 50
_COUNTRIES = (("DK", "Denmark"), ("GB", "UK"), ("US", "USA"), ("FR", "France"), ("DE", "Germany"),
              ("SE", "Sweden"), ("NO", "Norway"), ("ES", "Spain"), ("IT", "Italy"), ("PL", "Poland"),
              ("JP", "Japan"), ("IS", "Iceland"))
_LANGUAGES = (("da", "Danish"), ("en", "English"), ("fr", "French"), ("de", "German"), ("sv", "Swedish"),
              ("no", "Norwegian"), ("es", "Spanish"), ("it", "Italian"), ("pl", "Polish"), ("ja", "Japanese"),
              ("is", "Icelandic"))
_LANGUAGE_OF = {"DK": 0, "GB": 1, "US": 1, "FR": 2, "DE": 3, "SE": 4, "NO": 5, "ES": 6, "IT": 7, "PL": 8,
                "JP": 9, "IS": 10}
_MEDIA = (("cinema", ""), ("dvd", " DVD"), ("bluray", " Blu-ray"), ("streaming", " VOD"))
_DISTRIBUTORS = ("Vertigo Films", "Magnolia Films", "Nordisk Film", "Zentropa Distribution", "Artificial Eye",
                 "Curzon Artificial Eye", "Sonet Film", "Metrodome", "Tartan Films", "Soda Pictures",
                 "Les Films du Losange", "Filmladen", "Svensk Filmindustri", "Dogwoof", "Kino Lorber")
_ADVICE = ("contains strong violence", "contains very strong language", "contains strong sex and drug use",
           "contains moderate threat", None, None)
_CERTS = ("12A", "15", "18", "PG")
_MONTHS = ("January February March April May June July August September October November December").split()
_ORDINALS = ("first", "second", "third", "fourth")
_ROMAN = ("", "II", "III", "IV")
_UNPLACEABLE = ("US Distributor", "(in Danish)", "Press contact to follow", "Stills available on request")
_CITIES = ("New York", "London", "Los Angeles", "København", "Malmö")


@dataclass
class Film:
    """One synthetic film: the facts both renderings (press kit, JSON) are made from."""

    index: int
    title: str
    year: int
    director: str
    writers: list[str]
    cast: list[tuple[str, str | None]]
    countries: list[str]
    language: str
    subtitles: list[str]
    runtime: int
    certificate: tuple[str, str | None]
    releases: list[tuple[str, str, tuple[int, int, int] | None, str | None]]
    distributors: list[tuple[str, str]]
    series: tuple[str, int] | None = None
    previous: tuple[str, int] | None = None
    unplaceable: str | None = None
    characters: list[tuple[str, str]] = field(default_factory=list)


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` person names whose slugs are all distinct (identity folds diacritics, so check slugs)."""
    out: list[str] = []
    while len(out) < count:
        name = f"{rng.choice(_FIRST)} {rng.choice(_STEM)}{rng.choice(_END)}"
        if len(taken) > len(_FIRST) * len(_STEM) * len(_END) // 3:
            name = f"{rng.choice(_FIRST)} {rng.choice(_FIRST)[0]}. {rng.choice(_STEM)}{rng.choice(_END)}"
        key = slug(name)
        if key not in taken:
            taken.add(key)
            out.append(name)
    return out


class _Zipf:
    """Draws pool indices with weight 1/(rank + 10): a few actors in many films, most in few."""

    def __init__(self, size: int):
        self.cum = list(itertools.accumulate(1.0 / (k + 10) for k in range(size)))

    def draw(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cum, rng.random() * self.cum[-1])


def films(n: int, seed: int = SEED):
    """The N films, in index order; series members are consecutive and share a director."""
    rng = random.Random(seed)
    taken: set[str] = set()
    directors = _names(rng, max(1, n // 10), taken)
    writers = _names(rng, max(1, n // 8), taken)
    actors = _names(rng, max(60, n // 3), taken)
    zipf = _Zipf(len(actors))
    slots = [d for d in range(len(directors)) for _ in range(10)]
    rng.shuffle(slots)
    titles: set[str] = set()
    i = 0
    while i < n:
        size = rng.randint(2, 4) if rng.random() < 0.0172 else 1
        size = min(size, n - i)
        director = directors[slots[i % len(slots)]]
        year = rng.randint(1950, 2020)
        base = _title(rng, year, titles, size)
        recurring = [(actors[zipf.draw(rng)], f"{rng.choice(_FIRST)}") for _ in range(rng.randint(1, 3))] if size > 1 else []
        previous = None
        for pos in range(1, size + 1):
            title = base if pos == 1 else f"{base} {_ROMAN[pos - 1]}"
            film_year = year + 2 * (pos - 1)
            film = _film(rng, i, title, film_year, director, writers, actors, zipf, recurring)
            if size > 1:
                film.series = (base, pos)
                film.previous = previous
                previous = (title, film_year)
            yield film
            i += 1


def _title(rng: random.Random, year: int, taken: set[str], size: int) -> str:
    """A title not used before (a series' later numbers included), so that looking a film up by
    title is a point query; now and then, when the draws keep colliding, a remake of an old one."""
    for attempt in range(_TITLE_TRIES + 1):
        pattern = rng.choice(_PATTERNS)
        a, b, c = rng.sample(_WORDS, 3)
        title = pattern.format(a=a, b=b, c=c)
        keys = [slug(title if p == 0 else title + " " + _ROMAN[p]) for p in range(size)]
        if attempt == _TITLE_TRIES:
            keys = [f"{k}-{year + 2 * p}" for p, k in enumerate(keys)]
        if not any(k in taken for k in keys):
            taken.update(keys)
            return title
    raise AssertionError("unreachable: the last draw is keyed by year as well")


def _film(rng, index, title, year, director, writers, actors, zipf, recurring) -> Film:
    billed = rng.randint(8, 15)
    names: list[str] = [a for a, _ in recurring]
    while len(names) < billed:
        actor = actors[zipf.draw(rng)]
        if actor not in names:
            names.append(actor)
    characters = dict(recurring)
    for actor in names[len(recurring):len(recurring) + rng.randint(0, 2)]:
        character = rng.choice(_FIRST)
        if character not in characters.values():
            characters[actor] = character
    cast = [(a, characters.get(a)) for a in names]
    home = rng.choice(_COUNTRIES)[0]
    countries = [home] + ([rng.choice(_COUNTRIES)[0]] if rng.random() < 0.3 else [])
    countries = list(dict.fromkeys(countries))
    language = _LANGUAGES[_LANGUAGE_OF[home]][0]
    subtitles = ["en"] if language != "en" and rng.random() < 0.5 else []
    territories = rng.sample([c for c, _ in _COUNTRIES], rng.randint(2, 4))
    releases = []
    for territory in territories:
        medium = rng.choice(_MEDIA)[0] if rng.random() < 0.4 else "cinema"
        date = None if rng.random() < 0.04 else (year + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28))
        city = rng.choice(_CITIES) if territory in ("US", "GB") and rng.random() < 0.1 else None
        releases.append((territory, medium, date, city))
    distributors = [(t, rng.choice(_DISTRIBUTORS)) for t in territories[:rng.randint(0, 2)]]
    return Film(
        index=index, title=title, year=year, director=director,
        writers=[director] + ([writers[rng.randrange(len(writers))]] if rng.random() < 0.6 else []),
        cast=cast, countries=countries, language=language, subtitles=subtitles,
        runtime=rng.randint(78, 165), certificate=(rng.choice(_CERTS), rng.choice(_ADVICE)),
        releases=releases, distributors=distributors,
        unplaceable=rng.choice(_UNPLACEABLE) if rng.random() < 0.03 else None,
        characters=[(c, a) for a, c in characters.items()],
    )


def _country_name(code: str) -> str:
    return dict(_COUNTRIES)[code]


def _language_name(tag: str) -> str:
    return dict(_LANGUAGES)[tag]


def presskit(film: Film) -> str:
    """The film as a press kit: a `Label: value` header, a blank line, prose with the title in capitals."""
    lines = [f"Title: {film.title}", f"Year: {film.year}", f"Director: {film.director}"]
    if len(film.writers) > 1:
        lines.append(f"Writers: {' & '.join(film.writers)}")
    else:
        lines.append(f"Writer: {film.writers[0]}")
    lines.append("Cast: " + ", ".join(f"{a} ({c})" if c else a for a, c in film.cast))
    lines.append(("Countries: " if len(film.countries) > 1 else "Country: ")
                 + " / ".join(_country_name(c) for c in film.countries))
    lang = f"Language: {_language_name(film.language)}"
    if film.subtitles:
        lang += f" ({', '.join(_language_name(s) for s in film.subtitles)} subtitles)"
    lines.append(lang)
    lines.append(f"Running time: {film.runtime} mins")
    value, advice = film.certificate
    lines.append(f"UK Certificate: {value}" + (f" {advice}" if advice else ""))
    media = dict(_MEDIA)
    for territory, medium, date, city in film.releases:
        when = f"{date[2]} {_MONTHS[date[1] - 1]} {date[0]}" if date else "tbc"
        extra = f" (Limited Release - {city})" if city else ""
        lines.append(f"{_country_name(territory)}{media[medium]} Release Date: {when}{extra}")
    for territory, name in film.distributors:
        lines.append(f"{_country_name(territory)} Distributor: {name}")
    if film.unplaceable:
        lines.insert(len(lines) - 1, film.unplaceable)
    caps = film.title.upper()
    prose = [f"{caps} ({film.year}) is a film by {film.director}."]
    if film.series:
        base, pos = film.series
        prose = [f"{caps} ({film.year}) is the {_ORDINALS[pos - 1]} instalment of the {base.upper()} series, "
                 f"made by {film.director}."]
        if film.previous:
            prose.append(f"It continues the story begun in {film.previous[0].upper()} ({film.previous[1]}).")
    return "\n".join(lines) + "\n\n" + " ".join(prose) + "\n"


def record_json(film: Film) -> dict:
    """The film as a JSON record following src/filmgraph/record.schema.json."""
    doc: dict = {
        "title": film.title,
        "year": film.year,
        "directors": [film.director],
        "writers": film.writers,
        "cast": [{"actor": a, "billing": k, **({"character": c} if c else {})}
                 for k, (a, c) in enumerate(film.cast, 1)],
        "characters": [{"name": c, "played_by": a} for c, a in film.characters],
        "countries": film.countries,
        "languages": [film.language],
        "subtitles": film.subtitles,
        "runtimes": film.runtime,
        "certificates": [{"territory": "GB", "value": film.certificate[0],
                          **({"advice": film.certificate[1]} if film.certificate[1] else {})}],
        "releases": [{"territory": t, "medium": m,
                      "date": f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}" if d else "tbc",
                      **({"limited": True, "city": c} if c else {})} for t, m, d, c in film.releases],
        "distributors": [{"territory": t, "name": name} for t, name in film.distributors],
    }
    if film.series:
        doc["series"] = {"name": film.series[0], "position": film.series[1]}
    if film.previous:
        doc["related_films"] = [{"title": film.previous[0], "year": film.previous[1], "directors": [film.director],
                                 "series": {"name": film.series[0], "position": film.series[1] - 1}}]
    if film.unplaceable:
        doc["notes"] = [film.unplaceable]
    return doc


def file_name(film: Film, ext: str) -> str:
    return os.path.join(f"{film.index // SHARD:04d}", f"film-{film.index:06d}.{ext}")


def generate(n: int, out: str, *, seed: int = SEED, formats: tuple[str, ...] = ("presskit", "json")) -> dict[str, str]:
    """Write the N films under `out` (presskit/NNNN/film-NNNNNN.txt, json/...json); returns the folders."""
    folders = {fmt: os.path.join(out, fmt) for fmt in formats}
    for film in films(n, seed):
        if "presskit" in folders:
            _write(os.path.join(folders["presskit"], file_name(film, "txt")), presskit(film))
        if "json" in folders:
            _write(os.path.join(folders["json"], file_name(film, "json")),
                   json.dumps(record_json(film), ensure_ascii=False, indent=1) + "\n")
    return folders


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--films", type=int, default=1000, help="number of films (default 1000)")
    parser.add_argument("--out", required=True, help="folder to write presskit/ and json/ into")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--format", choices=("presskit", "json", "both"), default="both")
    args = parser.parse_args(argv)
    formats = ("presskit", "json") if args.format == "both" else (args.format,)
    for fmt, folder in generate(args.films, args.out, seed=args.seed, formats=formats).items():
        print(f"{fmt}: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
