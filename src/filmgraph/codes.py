"""Territory and language names to codes, read from ontology/territories.csv and languages.csv.

The tables are data a curator extends without touching Python; lookups fold case and dots.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from filmgraph.resources import data_file


@dataclass(frozen=True, slots=True)
class Territory:
    code: str
    name: str
    rating_body: str | None


def _key(text: str) -> str:
    return " ".join(text.replace(".", "").casefold().split())


@cache
def _territories() -> tuple[dict[str, Territory], dict[str, Territory]]:
    by_code: dict[str, Territory] = {}
    by_name: dict[str, Territory] = {}
    with open(data_file("ontology", "territories.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            t = Territory(row["code"], row["name"], row["rating_body"] or None)
            by_code[t.code] = t
            for name in [t.code, t.name, *filter(None, row["aliases"].split("|"))]:
                by_name[_key(name)] = t
    return by_code, by_name


@cache
def _languages() -> tuple[dict[str, str], dict[str, str]]:
    by_tag: dict[str, str] = {}
    by_name: dict[str, str] = {}
    with open(data_file("ontology", "languages.csv"), encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            by_tag[row["tag"]] = row["name"]
            for name in [row["name"], *filter(None, row["aliases"].split("|"))]:
                by_name[_key(name)] = row["tag"]
    return by_tag, by_name


def territory(text: str) -> Territory | None:
    """`UK`, `U.K.`, `United Kingdom` and `GB` all give GB; None when unknown."""
    return _territories()[1].get(_key(text))


def territory_by_code(code: str) -> Territory | None:
    return _territories()[0].get(code.upper())


def country_name(code: str) -> str:
    t = territory_by_code(code)
    return t.name if t else code


def rating_body(code: str) -> str | None:
    t = territory_by_code(code)
    return t.rating_body if t else None


def language(text: str) -> str | None:
    """`Danish` gives `da`; a well-known tag given as itself is kept; None when unknown."""
    by_tag, by_name = _languages()
    stripped = text.strip()
    if stripped in by_tag:
        return stripped
    return by_name.get(_key(stripped))


def language_name(tag: str) -> str:
    return _languages()[0].get(tag, tag)
