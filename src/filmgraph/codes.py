"""Territory and language names to codes: ISO 3166-1 from pycountry, BCP 47 from langcodes.

Names are read in English, French and German (pycountry's bundled gettext catalogues; langcodes'
language_data names). What the libraries lack — colloquial names (`UK`, `USA`, `Holland`) and
the rating body of each territory — lives in vocab/*.csv, data a curator extends without Python.
Lookups fold case, dots and accents-as-written; every table is built once per process.
"""

from __future__ import annotations

import csv
import gettext
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from filmgraph.resources import data_file

NAME_LANGUAGES = ("en", "fr", "de")
"""The languages whose country and language names the readers understand."""


@dataclass(frozen=True, slots=True)
class Territory:
    code: str
    name: str
    rating_body: str | None


def _key(text: str) -> str:
    return " ".join(text.replace(".", "").replace("’", "'").casefold().split())


def _vocab(filename: str) -> list[dict[str, str]]:
    with open(data_file("vocab", filename), encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if not next(iter(row.values()), "").startswith("#")]


@cache
def _territories() -> tuple[dict[str, Territory], dict[str, Territory]]:
    import pycountry

    bodies = {row["code"]: row["body"] for row in _vocab("rating-bodies.csv")}
    catalogues = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)
                  for lang in NAME_LANGUAGES[1:]]
    by_code: dict[str, Territory] = {}
    by_name: dict[str, Territory] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        t = Territory(country.alpha_2, name, bodies.get(country.alpha_2))
        by_code[t.code] = by_code[country.alpha_3] = t
        names = {country.name, name, getattr(country, "official_name", None) or country.name}
        for english in list(names):
            names.update(c.gettext(english) for c in catalogues)
        for n in names:
            by_name.setdefault(_key(n), t)
    for row in _vocab("territory-aliases.csv"):
        by_name[_key(row["alias"])] = by_code[row["code"]]
    return by_code, by_name


def preload() -> None:
    """Build every table the lookups use now: a process that forks workers calls this first, so that
    they share the tables instead of each importing pycountry and langcodes and building them again."""
    import langcodes

    _territories()
    _language_aliases()
    for lang in (None, *NAME_LANGUAGES):  # loads langcodes' name index for each language read
        try:
            langcodes.find("English", lang) if lang else langcodes.find("English")
        except LookupError:
            pass


@lru_cache(maxsize=4096)
def territory(text: str) -> Territory | None:
    """`UK`, `U.K.`, `United Kingdom`, `Royaume-Uni` and `GB` all give GB; None when unknown.

    Bare codes count only in capitals, so the words `and` or `can` are never Andorra or Canada.
    """
    stripped = text.strip()
    by_code, by_name = _territories()
    bare = stripped.replace(".", "")
    if bare.isalpha() and bare.isupper() and len(bare) == 2 and bare in by_code:
        return by_code[bare]
    return by_name.get(_key(stripped))


def territory_by_code(code: str) -> Territory | None:
    return _territories()[0].get(code.upper())


def country_name(code: str) -> str:
    t = territory_by_code(code)
    return t.name if t else code


def rating_body(code: str) -> str | None:
    t = territory_by_code(code)
    return t.rating_body if t else None


@cache
def _language_aliases() -> dict[str, str]:
    return {_key(row["alias"]): row["tag"] for row in _vocab("language-aliases.csv")}


@lru_cache(maxsize=4096)
def language(text: str) -> str | None:
    """`Danish`, `danois`, `Dänisch` and `da` give `da`; Mandarin gives `zh` (macrolanguage form, as
    catalogues use); None when unknown."""
    import langcodes

    stripped = " ".join(text.strip().split())
    if not stripped or any(c.isdigit() for c in stripped) or re.search(r"[,&/]|\s(?:and|et|und|or)\s", stripped, re.I):
        return None
    if tag := _language_aliases().get(_key(stripped)):
        return tag
    if stripped.isascii() and stripped.replace("-", "").isalpha() and stripped == stripped.lower() and len(stripped) <= 8:
        if langcodes.tag_is_valid(stripped) and langcodes.Language.get(stripped).is_valid():
            return langcodes.standardize_tag(stripped, macro=True)
        return None
    for lang in (None, *NAME_LANGUAGES):
        try:
            found = langcodes.find(stripped, lang) if lang else langcodes.find(stripped)
        except LookupError:
            continue
        return langcodes.standardize_tag(found.language or str(found), macro=True)
    return None


@lru_cache(maxsize=1024)
def language_name(tag: str) -> str:
    import langcodes

    try:
        return langcodes.Language.get(tag).display_name("en")
    except (ValueError, LookupError):
        return tag
