"""Deterministic IRIs: the same film (title + year) or person (name) is one node everywhere, and two
different ones never share a node.

Slugs fold case, diacritics and punctuation of Latin, Greek and Cyrillic (``Zlatko Burić`` and
``Zlatko Buric`` meet), and keep every other script as it is written: IRIs may carry Unicode, so
``三船敏郎`` is ``…/person/三船敏郎`` (docs/records.md says why this and not a transliteration).
A slug is only a readable address; what makes two names one node is their identity `key` (NFKC,
diacritics folded, typographic quotes and dashes unified, case and punctuation kept). When two
different keys would mint one slug (``Heat`` and ``HEAT!``, both 1995), the second gets the next
free address (``…/film/heat-1995~2``) and a warning naming both: `Registry` decides, within a run
and against what the store already holds. A film's key is its whole title plus its year: cutting
subtitles would merge different films (MovieLens has ``Three Colors: Red`` and ``Three Colors:
White``, both 1994). A record graph is named from its source, not from the film (`record_graph_iri`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from filmgraph.settings import BASE_IRI

# Latin letters NFKD does not decompose into ASCII.
_FOLD = str.maketrans({
    "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "đ": "d", "Đ": "D",
    "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D", "ı": "i",
})
# Typographic variants a keyboard, a word processor or a database swaps freely: one spelling each.
_TYPOGRAPHIC = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "…": "...",
})
# Blocks whose accents are marks on a base letter. Slugs fold them for Latin, Greek and Cyrillic
# (é, ώ, й); keys only for Latin, where ASCII-only systems drop them (Burić, Buric). Elsewhere a
# combining mark is part of the letter (Devanagari vowel signs, the kana voicing mark) and is kept.
_LATIN = ((0x0000, 0x024F), (0x1E00, 0x1EFF))
_ALPHABETS = (*_LATIN, (0x0370, 0x03FF), (0x0400, 0x052F), (0x1F00, 0x1FFF))
_APOSTROPHES = "'’ʼ"
_ASCII_GAPS = re.compile(r"[^a-z0-9]+")


def _strip_marks(text: str, blocks=_ALPHABETS) -> str:
    """Accents off letters of `blocks`; other scripts exactly as NFC writes them."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text.translate(_FOLD)):
        if unicodedata.combining(ch) and out and any(lo <= ord(out[-1]) <= hi for lo, hi in blocks):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower case with Latin, Greek and Cyrillic diacritics removed; the basis of slugs and name
    matching. Other scripts are kept (they have no case to fold and their marks are letters).
    Names and labels recur across records, so results are remembered."""
    if text.isascii():
        return text.lower()
    return _strip_marks(text).lower()


@lru_cache(maxsize=1 << 16)
def key(text: str) -> str:
    """What makes two spellings one thing: NFKC, diacritics folded, quotes and dashes unified, white
    space collapsed; case and punctuation kept (``Burić`` = ``Buric``; ``Heat`` ≠ ``HEAT``).
    Only Latin accents fold here: ``й`` and ``и`` are different Russian letters."""
    text = " ".join(unicodedata.normalize("NFKC", text).translate(_TYPOGRAPHIC).split())
    return text if text.isascii() else _strip_marks(text, _LATIN)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


@lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """The readable part of an IRI: folded words joined by ``-`` (apostrophes vanish)."""
    if text.isascii():
        return _ASCII_GAPS.sub("-", text.lower().replace("'", "")).strip("-") or "untitled"
    folded = fold(unicodedata.normalize("NFKC", text))
    out: list[str] = []
    gap = False
    for ch in folded:
        if ch in _APOSTROPHES:
            continue
        if not ch.isascii() and unicodedata.category(ch)[0] == "S":
            continue  # symbols vanish, as they always have: ``2½`` (2 1⁄2) is ``212``, ``2×4`` is ``24``
        if ch.isascii() and not ch.isalnum() or not ch.isascii() and not _is_word(ch):
            gap = True
            continue
        if gap and out:
            out.append("-")
        gap = False
        out.append(ch)
    return "".join(out) or "untitled"


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


# ---- record graphs: named from their source ----------------------------------------------------

RECORD_GRAPHS = f"{BASE_IRI}graph/file/"
# What an IRI may not carry as is (RFC 3987): percent-encoded, so any file name gives a valid IRI.
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|\\^`%#?\x7f-\x9f\ufff0-\uffff]')


def _iri_path(text: str) -> str:
    return _IRI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), text)


def relative_path(path: str, root: str) -> str:
    """`path` relative to `root`, with `/` separators: the part of a source's identity that stays
    when the archive moves. A path outside the root keeps its absolute form."""
    absolute, base = os.path.abspath(path), os.path.abspath(root)
    try:
        rel = os.path.relpath(absolute, base)
    except ValueError:  # another drive
        rel = absolute
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = absolute
    return rel.replace(os.sep, "/")


def default_root(paths: Iterable[str]) -> str:
    """The working folder when every path is inside it; else the paths' common parent folder."""
    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    cwd = os.getcwd()
    if not folders or all(f == cwd or f.startswith(cwd.rstrip(os.sep) + os.sep) for f in folders):
        return cwd
    try:
        return os.path.commonpath(folders)
    except ValueError:
        return cwd


def record_graph_iri(relpath: str, row: int | None = None) -> str:
    """One named graph per record, named by its source: the root-relative path, plus the row (CSV
    line, JSON or YAML element) for a file of many records. Re-reading the source replaces it."""
    iri = RECORD_GRAPHS + _iri_path(relpath.lstrip("/"))
    return f"{iri}/row/{row}" if row is not None else iri


def source_iri(graph_iri: str) -> str:
    """The source (file, or row of a file) a record graph was derived from."""
    return f"{graph_iri}#source"


# ---- collisions --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Minted:
    """A node a record minted: `iri` as minted (maybe already suffixed inside the record), `base`
    the slug IRI it came from, and the `name` whose key it stands for."""

    iri: str
    base: str
    name: str


@dataclass(slots=True)
class Collision:
    """Two different names that would have had one IRI: `name` now has `iri`, `other` kept `base`."""

    base: str
    iri: str
    name: str
    other: str
    where: str = ""
    """The record graph that met the collision."""

    def __str__(self) -> str:
        place = self.where[len(RECORD_GRAPHS):] if self.where.startswith(RECORD_GRAPHS) else self.where
        return ((f"{place}: " if place else "") + f"{self.name!r} and {self.other!r} would share {self.base}; "
                f"they differ, so {self.name!r} is {self.iri} (if they are one, spell them alike)")


SUFFIX = "~"
_FREE: frozenset[str] = frozenset()


def suffixed(base: str, n: int) -> str:
    return base if n == 1 else f"{base}{SUFFIX}{n}"


class Registry:
    """Which key holds which IRI, in this run and (through `stored_names`) in the store.

    The first key to mint a slug IRI keeps it; a different key gets ``~2``, ``~3`` …: the first
    address whose holder (in this run, else in the store) has the same key, or that is free. The
    outcome depends on what came first, so it is the same for the same records in the same order
    and stable across runs (the store remembers who holds what).

    It holds one entry per IRI minted in the run (a million-row file mints millions), so an entry
    is as small as it can be: the one key that claimed the IRI in this run, or the frozen set of
    keys the store held it by.
    """

    def __init__(self, stored_names: Callable[[str], Iterable[str]] | None = None):
        self._stored_names = stored_names
        self._holders: dict[str, str | frozenset[str]] = {}
        self._warned: set[tuple[str, str]] = set()

    def _held(self, iri: str) -> str | frozenset[str]:
        """The key that claimed `iri` in this run, or the keys the store holds it by (empty: free)."""
        held = self._holders.get(iri)
        if held is None:
            held = frozenset(key(s) for s in self._stored_names(iri)) if self._stored_names is not None else _FREE
            if held:
                self._holders[iri] = held
        return held

    def resolve(self, base: str, name: str) -> tuple[str, Collision | None]:
        """The IRI for `name` minted from `base`, and the collision when it is not `base` itself
        (said once per name and base in a run)."""
        k = key(name)
        other: str | None = None
        n = 1
        while True:
            iri = suffixed(base, n)
            held = self._held(iri)
            if not held:
                self._holders[iri] = k
                break
            if held == k or (type(held) is frozenset and k in held):
                break
            other = other or (held if type(held) is str else min(held))
            n += 1
        if other is None or (type(held) is frozenset and k in held) or (base, k) in self._warned:
            return iri, None  # no collision, one an earlier run settled (and warned about), or said before
        self._warned.add((base, k))
        return iri, Collision(base, iri, name, other)
