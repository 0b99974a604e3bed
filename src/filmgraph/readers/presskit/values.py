"""Field values: dates, runtimes, certificates, technical details, name lists and territory lists.

Each function reads one value or says it cannot (None); the caller decides whether that is an
error, a note or another reading. Dates try plain numeric and English forms first and hand the
rest (`25 avril 2001`, `20. August 1998`) to dateparser, imported only when a kit needs it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from functools import lru_cache

from filmgraph import codes
from filmgraph.identity import nfc
from filmgraph.readers.presskit.vocab import key, vocab

# ---------------------------------------------------------------- dates

_MONTHS = {
    name: i + 1
    for i, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    ])
    for name in names
}
_DMY_WORDS = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th|er|\.)?\s+(?P<mon>[^\W\d_]+)\.?,?\s+(?P<y>\d{4})$")
_MDY_WORDS = re.compile(r"^(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})$")
_DMY_NUM = re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$")
_ISO = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$")
_TBC = re.compile(r"^(?:tbc|tba|tbd|to be confirmed|to be announced|to be determined|n\.?\s?c\.?|à venir|noch offen)\.?$", re.I)
_DATE_LANGUAGES = ["en", "fr", "de"]
_HAS_YEAR = re.compile(r"\b(?:1[89]|20)\d\d\b")


class BadDate(ValueError):
    """A date-shaped value naming no real day (`31 February 2006`)."""


def is_tbc(text: str) -> bool:
    return bool(_TBC.match(text.strip()))


def date(text: str) -> datetime.date | None:
    """A full day-month-year date, or None when `text` is not one; `BadDate` for an impossible one."""
    text = " ".join(text.strip().rstrip(".,;").split())
    parts: tuple[int, int, int] | None = None
    if m := (_DMY_WORDS.match(text) or _MDY_WORDS.match(text)):
        month = _MONTHS.get(m["mon"].casefold())
        if month:
            parts = (int(m["y"]), month, int(m["d"]))
        elif not m["mon"].isascii() or len(m["mon"]) > 2:
            return _dateparser(text)
    elif m := (_DMY_NUM.match(text) or _ISO.match(text)):
        parts = (int(m["y"]), int(m["m"]), int(m["d"]))
    elif _HAS_YEAR.search(text) and any(c.isalpha() for c in text) and len(text) <= 40:
        return _dateparser(text)
    if parts is None:
        return None
    try:
        return datetime.date(*parts)
    except ValueError:
        raise BadDate(text) from None


def _dateparser(text: str) -> datetime.date | None:
    import dateparser

    found = dateparser.parse(
        text, languages=_DATE_LANGUAGES,
        settings={"STRICT_PARSING": True, "REQUIRE_PARTS": ["day", "month", "year"], "PREFER_LOCALE_DATE_ORDER": True},
    )
    return found.date() if found else None


# ---------------------------------------------------------------- runtimes

_RUNTIME = re.compile(
    r"^(?:(?P<h>\d+)\s*(?:h|hrs?|hours?|std\.?|stunden?)\.?\s*(?:(?P<hm>\d+)\s*(?:m|mins?|minutes?|minuten|mn)?\.?)?"
    r"|(?P<m>\d+)\s*(?:['′’]|m|mins?|minutes?|minuten|min\.|mn)?\.?"
    r"|(?P<ch>\d+):(?P<cm>\d{2}))$",
    re.I,
)
RUNTIME_INTENT = re.compile(
    r"^\d+\s*(?:$|[:'′’]|m\b|mins?\b|minutes?\b|minuten\b|h\b|hrs?\b)|\b(?:mins?|minutes?|minuten|hrs?|hours?)\.?$", re.I
)


def runtime(text: str) -> int | None:
    """`92 mins`, `1h 39m`, `98'`, `1 hr 49 min`, `81 Minuten`, `1:38` as minutes; None otherwise."""
    m = _RUNTIME.match(" ".join(text.strip().split()))
    if not m:
        return None
    if m["h"]:
        minutes = int(m["h"]) * 60 + int(m["hm"] or 0)
    elif m["ch"]:
        minutes = int(m["ch"]) * 60 + int(m["cm"])
    else:
        minutes = int(m["m"])
    return minutes or None


# ---------------------------------------------------------------- certificates

_CERT_LEAD = re.compile(r"^(?:(?:rated|certificate|certification|cert\.?|classification|rating|classified|fsk|ab|from|"
                        r"freigegeben ab)\s+)+", re.I)
_CERT_TAIL = re.compile(r"^(?:jahren?|ans|years?)\b\.?\s*", re.I)
_CERT_VALUE = re.compile(r"^(?P<value>[\w+-]+?)[.,;]?(?:\s+(?P<advice>.*))?$")
_ADVICE_PREFIX = re.compile(r"^(?:for\s+|[-–—:]\s*)", re.I)


def certificate_phrase(text: str) -> tuple[str, str, str | None] | None:
    """`FSK ab 12` -> (DE, 12, None): certificate phrases that carry their territory (vocab/certificates.csv)."""
    for territory, pattern in vocab().certificates:
        if m := pattern.match(text):
            rest = _ADVICE_PREFIX.sub("", text[m.end():].strip(" .,;–—-")).strip()
            return territory, m["value"].upper() if m["value"].isalpha() and len(m["value"]) <= 5 else m["value"], rest or None
    return None


def certificate(text: str) -> tuple[str, str | None] | None:
    """`PG-13 for violence` -> (PG-13, violence); `Certificate 12A – contains ...` -> (12A, contains ...)."""
    text = _CERT_LEAD.sub("", text.strip())
    m = _CERT_VALUE.match(text)
    if not m:
        return None
    advice = _CERT_TAIL.sub("", (m["advice"] or "").strip())
    if advice.startswith("(") and advice.endswith(")"):
        advice = advice[1:-1].strip()
    advice = _ADVICE_PREFIX.sub("", advice).strip()
    return m["value"], advice or None


# ---------------------------------------------------------------- technical details

_RATIO = re.compile(r"(?<![\d.,])(?:(?P<a>\d{1,2}[.,]\d{1,2})\s*:\s*1|1\s*:\s*(?P<b>\d{1,2}[.,]\d{1,2})|(?P<w>16|4|14|21)\s*:\s*(?P<h>9|3|10))(?![\d.,])")
_TECH_SPLIT = re.compile(r"\s*(?:[·•|/;]|,(?=\s)|(?<!\d),|,(?!\d)|\s[–—-]\s)\s*")


def aspect_ratio(text: str) -> str | None:
    """`2.39:1`, `1:1,85`, `1,85:1`, `16:9` as `N.NN:1`."""
    m = _RATIO.search(text)
    if not m:
        return None
    if m["w"]:
        value = int(m["w"]) / int(m["h"])
    else:
        value = float((m["a"] or m["b"]).replace(",", "."))
    return f"{value:.2f}:1"


def technical_parts(text: str) -> list[tuple[str, str]] | None:
    """A technical line split into (kind, value): aspect_ratio, colour, sound, format; None if a part is unknown."""
    v = vocab()
    found: list[tuple[str, str]] = []
    for part in _TECH_SPLIT.split(text.strip().strip(".")):
        part = part.strip()
        if not part:
            continue
        if ratio := aspect_ratio(part):
            found.append(("aspect_ratio", ratio))
        elif kind := v.phrase_kind(part, ("black and white", "colour")):
            found.append(("colour", kind))
        elif v.phrase_kind(part, ("sound",)):
            found.append(("sound", nfc(part)))
        elif v.phrase_kind(part, ("format",)):
            found.append(("format", nfc(part)))
        else:
            return None
    return found or None


# ---------------------------------------------------------------- names and lists

PEOPLE_SPLIT = re.compile(r"\s*(?:,|/|;|\s&\s|\s+(?:and|et|und|y|e)\s+)\s*")
_POST_NOMINAL = re.compile(r"^(?:[A-Z]\.?){2,5}$")
TERRITORY_SPLIT = re.compile(r"\s*(?:,|/|&|·)\s*")
AND_SPLIT = re.compile(r"\s+(?:and|et|und)\s+", re.I)


def people(value: str, crew: bool = False) -> list[str]:
    """`A, B & C and D` as names; in crew credits post-nominals (`A.S.C.`, `HKSC`) are dropped."""
    names: list[str] = []
    for part in PEOPLE_SPLIT.split(value):
        part = part.strip(" .;") if not part.rstrip().endswith(".") or len(part.split()) < 2 else part.strip(" ;")
        part = part.strip()
        if not part or (crew and _POST_NOMINAL.match(part.replace(" ", ""))):
            continue
        names.append(nfc(part.rstrip(",")))
    return names


def parts(text: str, lookup: Callable[[str], object]) -> list[str]:
    """Split a list on `,` `/` `&`, then on `and` only where the whole part is not a known name."""
    found: list[str] = []
    for part in TERRITORY_SPLIT.split(text.strip()):
        part = part.strip(" .;")
        if not part:
            continue
        found.extend([part] if lookup(part) is not None else [p.strip(" .;") for p in AND_SPLIT.split(part) if p.strip()])
    return found


def territories(text: str) -> list[str] | None:
    """`USA & UK`, `US/UK`, `USA and UK` as ISO codes; None unless every part is a territory."""
    found = _territories(text.strip())
    return list(found) if found is not None else None


@lru_cache(maxsize=8192)
def _territories(text: str) -> tuple[str, ...] | None:
    if not text:
        return None
    whole = codes.territory(text)
    if whole is not None:
        return [whole.code]
    found: list[str] = []
    for part in TERRITORY_SPLIT.split(text):
        t = codes.territory(part)
        subparts = [t] if t is not None else [codes.territory(p) for p in AND_SPLIT.split(part)]
        if not part.strip() or any(s is None for s in subparts):
            return None
        found.extend(s.code for s in subparts if s.code not in found)
    return tuple(found) or None


_MEDIA_SPLIT = re.compile(r"\s*(?:/|&|\s+and\s+|\s+et\s+|\s+und\s+|,)\s*")


@lru_cache(maxsize=1024)
def _media(text: str) -> tuple[str, ...] | None:
    found = media_uncached(text)
    return tuple(found) if found is not None else None


def media(text: str) -> list[str] | None:
    """`Video & DVD` -> [dvd]; None when a word is not a medium."""
    found = _media(text)
    return list(found) if found is not None else None


def media_uncached(text: str) -> list[str] | None:
    found: list[str] = []
    for part in _MEDIA_SPLIT.split(key(text)):
        medium = vocab().media.get(part.strip())
        if medium is None:
            return None
        if medium not in found:
            found.append(medium)
    return found
