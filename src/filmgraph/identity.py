"""Deterministic IRIs: the same film (short title + year) or person (name) is one node everywhere.

Slugs fold case, diacritics and punctuation (``Zlatko Burić`` and ``Zlatko Buric`` meet), so two
records that spell a name with and without accents describe one node; the names themselves keep
their accents in the data. A film's key is its whole title plus its year: cutting subtitles would
merge different films (MovieLens has ``Three Colors: Red`` and ``Three Colors: White``, both 1994).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from filmgraph.settings import BASE_IRI

# Letters NFKD does not decompose into ASCII.
_FOLD = str.maketrans({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i",
})
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ASCII with diacritics removed; the basis of slugs and name matching. Names and
    labels recur across records, so results are remembered; plain ASCII needs no decomposition."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore").decode().lower()


def slug(text: str) -> str:
    s = _NON_WORD.sub("-", fold(text).replace("'", "").replace("’", "")).strip("-")
    return s or "untitled"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def film_key(title: str, year: int | None) -> str:
    base = slug(title)
    return f"{base}-{year}" if year else base


def film_iri(title: str, year: int | None) -> str:
    return f"{BASE_IRI}film/{film_key(title, year)}"


def person_iri(name: str) -> str:
    return f"{BASE_IRI}person/{slug(name)}"


def series_iri(name: str) -> str:
    return f"{BASE_IRI}series/{slug(name)}"


def character_iri(name: str, scope: str) -> str:
    """`scope` is the series slug when the film is in a series (so characters recur), else its film key."""
    return f"{BASE_IRI}character/{scope}/{slug(name)}"


def country_iri(code: str) -> str:
    return f"{BASE_IRI}country/{code.upper()}"


def organization_iri(name: str) -> str:
    return f"{BASE_IRI}org/{slug(name)}"


def graph_iri(source_kind: str, title: str, year: int | None) -> str:
    """One named graph per source kind and film: re-ingesting the record replaces it."""
    return f"{BASE_IRI}graph/{slug(source_kind)}/{film_key(title, year)}"


def source_iri(sha256: str) -> str:
    return f"{BASE_IRI}source/{sha256[:32]}"
