"""One grammar for the values people write, whichever reader meets them (CSV, JSON, YAML, press kits).

Each parser takes the text as written and returns the value, raising `ValueProblem` (with a message
a curator can act on) when the text cannot be read, or returning a warning when it had to guess:
``A, B`` is split into two people, but a warning says so. Nothing ambiguous is guessed silently:
``02/03/2020`` could be either day first or month first and is refused. Codes come from
`filmgraph.codes` (territories, languages), so every reader knows the same names.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from filmgraph import codes


class ValueProblem(ValueError):
    """Text that does not read as the value it should be; the message says what would."""


@dataclass(slots=True)
class Parsed:
    """A value read from text, with the warnings a guess left (empty when nothing was guessed)."""

    value: object
    warnings: list[str] = field(default_factory=list)


# ---- people ----------------------------------------------------------------------------------------

# A comma before these is part of one name (``Sammy Davis, Jr.``), not a list.
_NAME_SUFFIXES = re.compile(r"^(jr|jnr|sr|snr|ii|iii|iv|esq|phd|md)\.?$", re.I)
_PEOPLE_SEP = re.compile(r"\s*,\s*|\s+&\s+|\s+and\s+|\s+og\s+|\s+et\s+|\s+und\s+", re.I)


def split_people(text: str) -> Parsed:
    """``A, B``, ``A & B`` or ``A and B`` to two names; a warning names the split, since a name may hold
    a comma or an "and" (``Earth, Wind & Fire``): write one name per list item to say so."""
    text = " ".join(text.split())
    parts = [p for p in _PEOPLE_SEP.split(text) if p]
    names: list[str] = []
    for part in parts:
        if names and _NAME_SUFFIXES.match(part):
            names[-1] = f"{names[-1]}, {part}"
        else:
            names.append(part)
    if len(names) <= 1:
        return Parsed([text] if text else [])
    return Parsed(names, [f"{text!r} read as {len(names)} people: {'; '.join(names)} "
                          "(give one name per item, or separate them with '|', to say so)"])


# ---- runtimes ----------------------------------------------------------------------------------------

_MINUTES = re.compile(r"^(?P<m>\d{1,4})\s*(?:m|min|mins|minutes?|mn|'|′)?\.?$", re.I)
_HOURS = re.compile(r"^(?P<h>\d{1,2})\s*(?:h|hr|hrs|hours?|t)\.?\s*(?:(?P<m>\d{1,2})\s*(?:m|min|mins|minutes?|')?\.?)?$",
                    re.I)
_CLOCK = re.compile(r"^(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?::[0-5]\d)?$")


def minutes(text: str | int) -> int:
    """``104``, ``104 min``, ``104'``, ``1h 52m``, ``1 hr 52 min``, ``1:52`` to minutes."""
    if isinstance(text, int) and not isinstance(text, bool):
        total = text
    else:
        s = " ".join(str(text).split())
        if m := _MINUTES.match(s):
            total = int(m["m"])
        elif (m := _HOURS.match(s)) or (m := _CLOCK.match(s)):
            total = int(m["h"]) * 60 + int(m["m"] or 0)
        else:
            raise ValueProblem(f"{text!r} is not a running time (write 104, 104 min or 1h 44m)")
    if not 0 < total < 100_000:
        raise ValueProblem(f"{text!r} is not a running time (minutes must be above 0)")
    return total


# ---- dates -------------------------------------------------------------------------------------------

_TBC = {"tbc", "tba", "tbd", "to be confirmed", "to be announced"}
_NUMERIC = re.compile(r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4})$")
_YMD = re.compile(r"^(?P<y>\d{4})[/.\-](?P<m>\d{1,2})[/.\-](?P<d>\d{1,2})$")
_WORDED = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%d. %B %Y", "%d %b. %Y", "%b. %d %Y")


def _day(y: int, m: int, d: int, text: str) -> datetime.date:
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise ValueProblem(f"{text!r} is not a calendar date") from None


def date(text: str | datetime.date | None) -> datetime.date | None:
    """A release date: ISO ``2020-02-14``, ``14/02/2020`` (day first when the day is over 12, month
    first when the month is), ``14 February 2020``, ``February 14, 2020``; None for ``tbc``.
    ``02/03/2020`` is refused: either order reads, and guessing would silently move a release."""
    if text is None or isinstance(text, datetime.date):
        return text
    s = " ".join(str(text).split()).strip()
    if s.casefold() in _TBC:
        return None
    if m := _YMD.match(s):
        return _day(int(m["y"]), int(m["m"]), int(m["d"]), s)
    if m := _NUMERIC.match(s):
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        if a > 12 >= b:
            return _day(y, b, a, s)
        if b > 12 >= a:
            return _day(y, a, b, s)
        if a == b:
            return _day(y, a, a, s)
        if a > 12 and b > 12:
            raise ValueProblem(f"{text!r} is not a calendar date")
        first, second = _day(y, b, a, s), _day(y, a, b, s)
        raise ValueProblem(f"{text!r} is ambiguous: {first:%-d %B %Y} (day first) or {second:%-d %B %Y} "
                           f"(month first); write {first.isoformat()} or {second.isoformat()}")
    worded = " ".join(s.replace(",", " ").split())
    for fmt in _WORDED:
        try:
            return datetime.datetime.strptime(worded, fmt).date()
        except ValueError:
            continue
    raise ValueProblem(f"{text!r} is not a date (write 2020-02-14, 14/02/2020 or 14 February 2020; tbc when unknown)")


# ---- territories and languages ---------------------------------------------------------------------

_LIST_SEP = re.compile(r"\s*(?:/|,|&|;|\+)\s*")
_AND = re.compile(r"\s+(?:and|og|et|und|y)\s+", re.I)


def _split_known(text: str, known) -> tuple[list[str], list[str]]:
    """Split a list of names on ``/ , & ;`` then, for a part that is not a name itself, on "and"
    (so ``Trinidad and Tobago`` stays one). Returns (values, unknown parts)."""
    values: list[str] = []
    unknown: list[str] = []
    whole = known(text)
    if whole:
        return [whole], []
    for part in filter(None, _LIST_SEP.split(text.strip())):
        value = known(part)
        if value:
            values.append(value)
            continue
        pieces = [p for p in _AND.split(part) if p]
        found = [known(p) for p in pieces]
        if len(pieces) > 1 and all(found):
            values.extend(found)
        else:
            unknown.append(part)
    return values, unknown


def territories(text: str) -> list[str]:
    """``UK / Ghana``, ``France, Belgium & Canada`` to ISO 3166-1 codes; unknown names refused."""
    values, unknown = _split_known(text, lambda t: (c.code if (c := codes.territory(t)) else None))
    if unknown:
        raise ValueProblem(f"unknown territory {', '.join(map(repr, unknown))}")
    return list(dict.fromkeys(values))


def territory(text: str) -> str:
    found = territories(text)
    if len(found) != 1:
        raise ValueProblem(f"{text!r} names {len(found)} territories where one is wanted")
    return found[0]


def languages(text: str) -> list[str]:
    """``Danish / Swedish``, ``da, sv`` to BCP 47 tags; unknown names refused."""
    values, unknown = _split_known(text, codes.language)
    if unknown:
        raise ValueProblem(f"unknown language {', '.join(map(repr, unknown))}")
    return list(dict.fromkeys(values))


# ---- ratings ---------------------------------------------------------------------------------------

_RATED = re.compile(r"^(?:rated|certificate|cert\.?|classification)\s*:?\s*", re.I)


def rating(text: str) -> str:
    """A certificate value as the body writes it: ``Rated R`` and ``R`` are ``R``."""
    value = _RATED.sub("", " ".join(str(text).split()))
    if not value:
        raise ValueProblem(f"{text!r} holds no rating")
    return value


# ---- titles ------------------------------------------------------------------------------------------

_ARTICLES = ("The", "A", "An", "Les", "Le", "La", "L'", "El", "Los", "Las", "Il", "Das", "Der", "Die", "Den",
             "Det", "De", "Het", "Lo", "I", "Gli", "Un", "Une", "Ein", "Eine")
_ARTICLE_RE = re.compile(r"^(?P<rest>.+), (?P<article>" + "|".join(re.escape(a) for a in _ARTICLES) + r")$")


def _front(m: re.Match) -> str:
    article = m.group("article")
    return f"{article}{m.group('rest')}" if article.endswith("'") else f"{article} {m.group('rest')}"


def restore_article(title: str) -> str:
    """A catalogue's inverted article put back, wherever it sits: at the end of the whole title
    (``Godfather: Part II, The`` -> ``The Godfather: Part II``, as MovieLens writes it) or at the end
    of the main title before a subtitle (``Matrix, The: Reloaded`` -> ``The Matrix: Reloaded``)."""
    if m := _ARTICLE_RE.match(title):
        return _front(m)
    head, sep, tail = title.partition(": ")
    if sep and (m := _ARTICLE_RE.match(head)):
        return _front(m) + sep + tail
    return title


# ---- text ----------------------------------------------------------------------------------------------

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
BADNESS_REACH = 6
"""How far a match of ftfy's mojibake pattern reaches from a non-ASCII character it holds (its
longest match is 7 characters)."""
LONE_BADNESS = frozenset("ÂÃŒœ") | frozenset(map(chr, range(0x80, 0xA0)))  # and the C1 controls
"""The only non-ASCII characters that make a match of ftfy's pattern with ASCII alone around them."""


def looks_mis_decoded(text: str) -> bool:
    """`ftfy.badness.is_bad(text)`, searched only where it can match.

    Mojibake is made of non-ASCII characters (UTF-8 of ASCII is ASCII): every match of ftfy's pattern
    holds one and lies within `BADNESS_REACH` of it, and holds two unless it is one of `LONE_BADNESS`.
    So only the clusters of non-ASCII characters (each within reach of the next) are searched, and a
    lone `é` among ASCII never is: the same answer as searching the whole text, in a fraction of the
    time. tests/test_values.py derives all three facts from the installed ftfy's pattern."""
    from ftfy.badness import BADNESS_RE

    first = last = -1  # the cluster being gathered: from its first non-ASCII character to after its last
    lone = False
    for m in _NON_ASCII.finditer(text):
        start, end = m.span()
        if first >= 0 and start - last < BADNESS_REACH:
            last, lone = end, False
            continue
        if first >= 0 and not lone and BADNESS_RE.search(text, max(0, first - BADNESS_REACH), last + BADNESS_REACH):
            return True
        first, last = start, end
        lone = end - start == 1 and text[start] not in LONE_BADNESS
    return first >= 0 and not lone and BADNESS_RE.search(text, max(0, first - BADNESS_REACH), last + BADNESS_REACH) is not None


def repair(text: str) -> Parsed:
    """Mojibake (UTF-8 read as Windows-1252 or Latin-1: ``BuriÄ‡``, ``CafÃ©``) undone by ftfy, the
    maintained library for it, with a warning naming both spellings; other text unchanged."""
    if text.isascii():
        return Parsed(text)
    from ftfy import fix_text
    from ftfy.badness import is_bad

    if not is_bad(text):
        return Parsed(text)
    fixed = fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=False)
    if fixed == text:
        return Parsed(text, [f"{text!r} looks mis-decoded (mojibake) and could not be repaired; check the file's encoding"])
    return Parsed(fixed, [f"{text!r} was mis-decoded text (mojibake); read as {fixed!r}"])
