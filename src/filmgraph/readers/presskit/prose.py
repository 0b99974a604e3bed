"""Prose: title candidates in capitals, role cues, characters `Name (Actor)`, aliases, films named with
years, and the series the text places the film in.

Press kits write film titles in capitals (or, in Markdown, in italics); a run of capitalised
words is a candidate film title, tied to the year the sentence gives it. Characters come only from
`Name (Actor)`, `Name aka Alias`/`Name dit « Alias »` and `Actor (also) plays Name`; nothing else
makes a character. Series come from cue words (vocab/series.csv), never from a guess.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, lru_cache

from filmgraph import codes
from filmgraph.identity import fold, nfc
from filmgraph.readers.presskit.vocab import vocab


@dataclass(slots=True)
class Run:
    """A run of words in capitals (or a Markdown *italic* title) in the prose: a film or series title."""

    text: str
    start: int
    end: int
    line: int
    paragraph: int
    year: int | None
    segment: str
    after: str
    names_series: bool
    cited: bool = False
    """Written `TITLE (YEAR)`: a citation of a film, as kits name films other than their own."""

_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_POSSESSIVE = re.compile(r"^(.+)['’]s$")
_RUN_GAP = re.compile(r"\s+|\s*:\s+|\s*&\s*|\s+[-–]\s+|,\s+")
_CAPS_AFTER = re.compile(r"\s+[A-ZÀ-Þ][A-ZÀ-Þ'’-]+\b")
_PAREN_YEAR = re.compile(r"\s*\((?P<y>1[89]\d\d|20\d\d)\)")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+")
_SERIES_CUE = re.compile(r"\b(?:trilogy|instal+ments?|sequels?|prequels?|series|saga|franchise|quadrilogy)\b", re.I)
_ORDINAL = re.compile(
    r"\b(?:(?P<num>\d+)(?:st|nd|rd|th)|(?P<word>first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth))\b"
    r"(?P<between>(?:[\s,]+(?:and\s+)?[a-z]+){0,3}?)[\s,]+"
    r"(?P<noun>instal+ments?|parts?|chapters?|episodes?|entry|entries|sequels?|films?|features?|movies?|pictures?)\b",
    re.I,
)
_ORDINAL_GAP = re.compile(r"^(?:\s+of\s+(?:the|a|this|his|her|their)\s+[a-z]+)?\s*[,—–-]?\s*$")
_APPOSITION = re.compile(r"^\s*,\s+(?:the|its|his|her|their)\s+")
_STRONG_SERIES_NOUN = re.compile(r"^(?:instal+ments?|parts?|chapters?|episodes?|entry|entries|sequels?)$", re.I)
_ORDINAL_WORDS = {w: i + 1 for i, w in enumerate(
    ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"])}
_ROMAN = re.compile(r"^(?=[IVX])X{0,3}(?:IX|IV|V?I{0,3})$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
_SERIES_NUMBER = re.compile(r"^(?P<base>.+?)\s+(?P<num>[IVX]+|\d{1,2})$")
_ACRONYMS = frozenset({
    "DVD", "TV", "BBFC", "MPAA", "MPA", "CNC", "FSK", "VOD", "HD", "EU", "NYC", "LA", "CEO", "FBI",
    "CIA", "DJ", "OK", "BBC", "HBO", "MTV", "DVDS", "CGI", "AKA", "NB", "PS",
})

_NAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "la", "le", "du", "bin", "al"})
_CHARACTER_CONNECTORS = frozenset({"the", "of", "von", "van", "de", "da", "di", "le", "la"})
_SENTENCE_STARTERS = frozenset({
    "de", "le", "la", "les", "un", "une", "avec", "pendant", "entre", "dans", "après", "der", "die", "das", "ein", "eine",
    "im", "am", "als", "mit",
    "meanwhile", "then", "when", "and", "but", "here", "there", "now", "later", "finally", "after",
    "before", "while", "as", "in", "on", "at", "with", "young", "old", "his", "her", "their", "its",
    "our", "this", "that", "so", "yet", "soon", "once", "even", "only", "also", "both", "where",
    "director", "writer", "producer", "actor", "actress", "star", "newcomer", "veteran", "co-writer",
})
_EDGE_PUNCT = "\"'“”‘’«»"
_INITIALS = re.compile(r"^(?:[A-ZÀ-Þ]\.)+[A-ZÀ-Þ]?\.?$")
_ELISION = re.compile(r"^(?:qu|[dlj])['’](?=[A-ZÀ-Þ])")
_LIFE_DATES = re.compile(r"^\s*\((?:1[89]|20)\d\d\s*[–-]")


@cache
def abbreviations() -> frozenset[str]:
    """Words a full stop does not end (`Mr.`, `Dr.`, `Vol.`, `St.`, `No.`), from vocab/phrases.csv."""
    return frozenset(p.rstrip(".") for p in vocab().phrases.get("abbreviation", ()))
_SMALL_WORDS = frozenset({"a", "an", "the", "and", "but", "or", "nor", "for", "on", "at", "to", "by", "of", "in"})
_APOSTROPHE_TAILS = frozenset({"m", "s", "t", "d", "ll", "re", "ve"})
_TITLE_TOKEN = re.compile(r"\S+")


@lru_cache(maxsize=1 << 14)
def _word_kind(word: str) -> tuple[str, bool, bool]:
    """A prose word without a capitalised possessive (`PUSHER'S` -> `PUSHER`), whether it is in
    capitals, whether it is a number. Words recur across kits, so the answers are remembered."""
    if (p := _POSSESSIVE.match(word)) and p[1] == p[1].upper():
        word = p[1]
    return word, any(c.isalpha() for c in word) and word == word.upper(), word.isdigit()


def _sentence_starts(text: str) -> list[int]:
    """Where each sentence after the first begins (a full stop after an abbreviation ends none)."""
    return [s.end() for s in _SENTENCE_END.finditer(text) if not _abbreviation_before(text, s.start())]


def _runs(text: str, first_line: int, paragraph: int) -> list[Run]:
    """ALL-CAPS word runs in a paragraph, each with the year the sentence ties to it."""
    groups: list[list[tuple[int, int, str]]] = []
    for m in _WORD.finditer(text):
        start = m.start()
        word, caps, digits = _word_kind(m[0])
        end = start + len(word)
        gap = text[groups[-1][-1][1]:start] if groups and groups[-1] else ""
        abbreviated = gap.startswith(".") and groups and groups[-1] and groups[-1][-1][2].casefold() in abbreviations() \
            and _RUN_GAP.fullmatch(gap[1:] or " ")
        if groups and groups[-1] and (caps or digits) and (_RUN_GAP.fullmatch(gap) or abbreviated):
            groups[-1].append((start, end, word))
        elif caps or (digits and _CAPS_AFTER.match(text, end)):
            groups.append([(start, end, word)])
        elif groups and groups[-1]:  # one empty group ends a run; more would change nothing
            groups.append([])
        if word != m[0] and groups and groups[-1]:
            groups.append([])
    runs: list[Run] = []
    previous_end = 0
    starts: list[int] | None = None
    for group in groups:
        while group and _YEAR.fullmatch(group[-1][2]):
            group.pop()
        while group and _YEAR.fullmatch(group[0][2]):
            group.pop(0)
        if group and all(_ROMAN.match(w) or w.isdigit() for _, _, w in group):
            continue
        if not group:
            continue
        words = [w for _, _, w in group]
        if not any(sum(c.isalpha() for c in w) >= 2 for w in words):
            continue
        if len(words) == 1 and (words[0] in _ACRONYMS or codes.territory(words[0]) is not None):
            continue
        start, end = group[0][0], group[-1][1]
        if _LIFE_DATES.match(text, end):
            continue
        if starts is None:
            starts = _sentence_starts(text)
        # A sentence end never runs past a word's start (it ends in white space), so the ends before
        # `start` are the ones a search stopping there would find.
        sentence_start = starts[bisect_right(starts, start) - 1] if starts and starts[0] <= start else 0
        segment = text[max(sentence_start, previous_end):start]
        year = None
        cited = False
        if end < len(text) and text[end] in "!?" and _PAREN_YEAR.match(text, end + 1):
            end += 1
        if py := _PAREN_YEAR.match(text, end):
            year = int(py["y"])
            previous_end = py.end()
            cited = True
        else:
            previous_end = end
            if years := _YEAR.findall(segment):
                year = int(years[-1])
        after = text[previous_end:]
        after = after[: m.start()] if (m := _SENTENCE_END.search(after)) else after
        runs.append(Run(
            nfc(text[start:end]), start, end, _line_at(text, first_line, start), paragraph, year, segment, after,
            bool(_series_after().match(text[end:])), cited,
        ))
    return runs


def _abbreviation_before(text: str, pos: int) -> bool:
    """True when the full stop at `pos` closes an abbreviation (`MR.`), not a sentence."""
    m = re.search(r"(\w+)$", text[:pos])
    return bool(m) and m[1].casefold() in abbreviations()


def _series_position(mentions: list[Run], base: str, digits: bool = True) -> tuple[int, int] | None:
    """Position from an ordinal before a mention, else the title's numeral, else 1 for the bare name."""
    base_key = fold(base)
    for run in mentions:
        named = fold(_short(run.text)).startswith(base_key)
        if (m := _ordinal_near(run)) and (named or _STRONG_SERIES_NOUN.match(m["noun"])):
            return (int(m["num"]) if m["num"] else _ORDINAL_WORDS[m["word"].casefold()]), run.line
    for run in mentions:
        short = _short(run.text)
        m = _SERIES_NUMBER.match(short)
        if m and fold(m["base"]) == base_key:
            if m["num"].isdigit():
                if digits:
                    return int(m["num"]), run.line
            if _ROMAN.match(m["num"]):
                return _roman(m["num"]), run.line
    for run in mentions:
        if fold(run.text) == base_key:
            return 1, run.line
    return None


def _ordinal_near(run: Run) -> re.Match | None:
    """`the 3rd instalment, X` just before the title, or `X, the 3rd instalment` just after it."""
    before = list(_ORDINAL.finditer(run.segment))
    if before and _ORDINAL_GAP.match(run.segment[before[-1].end():]):
        return before[-1]
    if apposition := _APPOSITION.match(run.after):
        after = _ORDINAL.match(run.after, apposition.end())
        if after:
            return after
    return None


def _roman(numeral: str) -> int:
    total = 0
    for i, c in enumerate(numeral):
        value = _ROMAN_VALUES[c]
        total += -value if i + 1 < len(numeral) and _ROMAN_VALUES[numeral[i + 1]] > value else value
    return total


def names_title(text: str, title: str) -> bool:
    """A run names the film `title`: in full, or by its short form (`PUSHER II` for `Pusher II: With Blood on
    My Hands`); `THREE COLOURS: BLUE` does not name `Three Colours: Red`."""
    folded = fold(text)
    return folded == fold(title) or folded == fold(_short(title))


def _short(title: str) -> str:
    return title.split(":", 1)[0].strip()


def _title_case(text: str) -> str:
    """`PUSHER III: I'M THE ANGEL OF DEATH` → `Pusher III: I'm the Angel of Death`; mixed case kept."""
    if text != text.upper():
        return text
    out: list[str] = []
    first = True
    for token in _TITLE_TOKEN.findall(text):
        core = token.strip(":,;.!?")
        if _ROMAN.match(core):
            word = token
        elif not first and core.casefold() in _SMALL_WORDS:
            word = token.lower()
        else:
            word = "-".join(_cap_word(part) for part in token.split("-"))
        out.append(word)
        first = token.endswith(":")
    return " ".join(out)


def _cap_word(word: str) -> str:
    for apostrophe in "'’":
        if apostrophe in word:
            head, tail = word.split(apostrophe, 1)
            tail = tail.lower() if tail.strip(":,;.!?").casefold() in _APOSTROPHE_TAILS else _cap_word(tail)
            return f"{_cap_word(head)}{apostrophe}{tail}"
    return word[:1].upper() + word[1:].lower()


def _line_at(text: str, first_line: int, pos: int) -> int:
    return first_line + text.count("\n", 0, pos)


def _capitalised(word: str) -> bool:
    if _INITIALS.match(word) or (any(c.isdigit() for c in word) and word[:1].isupper() and "-" in word):
        return True
    return word[:1].isupper() and not (len(word) > 1 and word.isupper() and not word.endswith("."))


def _plain_capitalised(word: str) -> bool:
    return _capitalised(word) and not any(p in word for p in ",;:.!?()" + _EDGE_PUNCT)


def _person(text: str, known: frozenset[str] = frozenset()) -> str | None:
    """Bracket text that reads as a person's name (`Mads Mikkelsen`, `Michael V. Gazzo`, `G. D. Spradlin`,
    or a one-word name the cast list gives, `Rufus`), else None."""
    words = text.split()
    if len(words) == 1 and fold(text) in known:
        return nfc(text)
    if not 2 <= len(words) <= 5 or any(ch.isdigit() for ch in text):
        return None
    words = [w if not _INITIALS.match(w) else "Initial" for w in words]
    if not all(_capitalised(w) or w in _NAME_PARTICLES for w in words):
        return None
    if not (_capitalised(words[0]) and _capitalised(words[-1])):
        return None
    if any(not all(c.isalpha() or c in "-'’." for c in w) for w in words):
        return None
    return nfc(text)


def _name_before(text: str, pos: int) -> str | None:
    """Capitalised words just before `pos` (stopping at punctuation), minus a sentence opener."""
    head = text[:pos].rstrip()
    words = head.split()
    taken: list[str] = []
    for i in range(len(words) - 1, -1, -1):
        word = _ELISION.sub("", words[i].strip(_EDGE_PUNCT))
        if word != words[i] and not _ELISION.match(words[i]):
            break
        dotted = word.endswith(".") and (word.rstrip(".").casefold() in abbreviations() or _INITIALS.match(word))
        if any(p in (word[:-1] if dotted else word) for p in ",;:.!?()"):
            break
        if _capitalised(word) and not word.endswith(("'s", "’s")):
            taken.insert(0, word)
        elif word in _CHARACTER_CONNECTORS and taken and i > 0 and _plain_capitalised(words[i - 1]):
            taken.insert(0, word)
        else:
            break
    if not taken or taken[0] in _CHARACTER_CONNECTORS:
        return None
    opener_index = len(words) - len(taken)
    at_sentence_start = opener_index == 0 or words[opener_index - 1].endswith((".", "!", "?"))
    if at_sentence_start and len(taken) > 1 and taken[0].casefold() in _SENTENCE_STARTERS:
        taken = taken[1:]
    return nfc(" ".join(taken)) if taken else None


def _name_after(text: str, pos: int) -> str | None:
    """Two to five capitalised words from `pos` (a person named after a role cue)."""
    words: list[str] = []
    for raw in text[pos:].split()[:6]:
        word = raw.rstrip(",;:.!?)")
        if _capitalised(word) or (words and word in _NAME_PARTICLES):
            words.append(word)
        else:
            break
        if word != raw:
            break
    while words and words[-1] in _NAME_PARTICLES:
        words.pop()
    return nfc(" ".join(words)) if len(words) >= 2 else None


def _alias_after(text: str, pos: int) -> str | None:
    """`the Duke` / `The Duke` / `"Duke"` after aka: an optional article and capitalised words."""
    words: list[str] = []
    for raw in text[pos:].split()[:6]:
        clean = raw.strip(_EDGE_PUNCT)
        word = clean.rstrip(",;:.!?)").strip(_EDGE_PUNCT)
        if _capitalised(word) or (not words and word.casefold() == "the"):
            words.append(word)
        else:
            break
        if word != clean:
            break
    if not words or words[-1].casefold() == "the":
        return None
    return nfc(" ".join(words))


# ---------------------------------------------------------------- Markdown titles

_ITALIC_TITLE = re.compile(r"(?<![*\w])\*(?P<t>[^*\n]+?)\*(?!\*)(?P<year>\s*\((?P<y>1[89]\d\d|20\d\d)\))?")


def italic_runs(text: str, first_line: int, paragraph: int) -> list[Run]:
    """`*The Devil's Backbone* (2001)`: Markdown kits write titles in italics, not capitals."""
    found: list[Run] = []
    for m in _ITALIC_TITLE.finditer(text):
        title = m["t"].strip()
        if not title[:1].isupper() or title.endswith((".", "!", "?")) and not m["y"]:
            continue
        year = int(m["y"]) if m["y"] else None
        after = text[m.end():]
        after = after[: s.start()] if (s := _SENTENCE_END.search(after)) else after
        found.append(Run(nfc(title), m.start(), m.end(), _line_at(text, first_line, m.start()), paragraph, year,
                         "", after, False, bool(m["y"])))
    return found


# ---------------------------------------------------------------- series from cue words


def _words(kind: str) -> str:
    v = vocab()
    source = {"ordinal": v.ordinals, "final": v.finals, "part": v.part_nouns, "series": v.series_nouns,
              "numbered": v.numbered, "completing": v.completing}[kind]
    return _alternatives(source, gap=" ")


def _alternatives(phrases, gap: str = r"[-\s]+") -> str:
    """Phrases as one alternation, longest first; a space in a phrase matches `gap` (by default any
    run of spaces or a hyphen)."""
    return "|".join(re.escape(p).replace(r"\ ", gap) for p in sorted(phrases, key=len, reverse=True))


_ROLES = {"role: directors+writers": ("directors", "writers"), "role: directors": ("directors",),
          "role: writers": ("writers",)}


@cache
def role_cues() -> tuple[tuple[re.Pattern, tuple[str, ...]], ...]:
    """`written and directed by`, `réalisé par`, `Drehbuchautor` … before a name, each with the
    roles it gives (vocab/phrases.csv, kinds `role: …`); the double roles are tried first."""
    v = vocab()
    return tuple((re.compile(rf"\b(?:{_alternatives(v.phrases[kind])})\s+", re.I), roles)
                 for kind, roles in _ROLES.items() if v.phrases.get(kind))


@cache
def aka_pattern() -> re.Pattern:
    """`Vito Andolini aka Vito Corleone`, `alias`, `genannt` (vocab/phrases.csv, kind `aka`)."""
    phrases = vocab().phrases.get("aka")
    return re.compile(rf",?\s+(?:{_alternatives(phrases)})\.?\s+", re.I) if phrases else re.compile(r"(?!)")


@cache
def _sequel_pattern() -> re.Pattern:
    """`sequel to X`, `Linklater's sequel to X`, `the prequel to X`, `follows X` (vocab/series.csv)."""
    v = vocab()
    cues = "|".join(re.escape(c) for c in sorted((*v.sequel_cues, *v.prequel_cues), key=len, reverse=True))
    return re.compile(rf"\b(?P<cue>{cues})\s+(?:[A-ZÀ-Þ][\w-]*(?:\s+[A-ZÀ-Þ][\w-]*)*['’]s\s+)?", re.I)


@cache
def _more_patterns() -> tuple[re.Pattern, re.Pattern]:
    """`completes the X trilogy` (the last place), and `The second film in the X trilogy, TITLE …` (before the title)."""
    ordinal = rf"(?P<ord>\d+(?:st|nd|rd|th|e|er|re|ème|\.)|{_words('ordinal')}|{_words('final')})"
    part = rf"(?P<noun>{_words('part')})s?"
    link = r"(?:of|in|du|de|des|de la|der|des|im|in der)"
    completes = re.compile(rf"^\s*(?:(?:also|thus|now)\s+)?(?P<verb>{_words('completing')})\s+(?P<ref>.+)$", re.I)
    before = re.compile(rf"(?:^|[.;]\s+)(?:the|le|la|der|die|das)?\s*{ordinal}\s+{part}\s+{link}\s+(?P<ref>.+?)[,:]?\s*$", re.I)
    return completes, before


@cache
def _cue_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    ordinal = rf"(?P<ord>\d+(?:st|nd|rd|th|e|er|re|ème|\.)|{_words('ordinal')}|{_words('final')})"
    part = rf"(?P<noun>{_words('part')})s?"
    link = r"(?:of|in|from|du|de|des|de la|de l'|der|des|im|in der|aus der|aus dem)"
    nth = re.compile(
        rf"(?:\bis|\bwas|,(?:\s+and)?|\band|\best|\bist|\bmarks|\bbecomes|\bremains|\bforms)\s+(?:also\s+)?(?:now\s+)?"
        rf"(?:the|a|an|le|la|l'|der|die|das|its|his|her|their|sein|seine|son|sa)?\s*{ordinal}"
        rf"(?:\s+(?:and|et|und)\s+(?:{_words('final')}))?\s+{part}\s+{link}\s+(?P<ref>.+)$", re.I)
    numbered = re.compile(
        rf"(?:\bis|\bwas|,|\best|\bist)\s+(?P<noun>{_words('numbered')})\s+(?P<n>[IVX]+|\d+)\s+{link}\s+(?P<ref>.+)$", re.I)
    series = f"(?i:{_words('series')})"
    series_ref = re.compile(
        rf"^(?i:the\s+|le\s+|la\s+|der\s+|die\s+|l')?(?:(?:[A-ZÀ-Þ][\w-]*\s+)*[A-ZÀ-Þ][\w-]*['’]s?\s+)?"
        rf"(?:(?P<quoted>[\"“«„][^\"”»“]+[\"”»“])\s*(?P<n1>{series})\b"
        rf"|(?P<phrase>[A-ZÀ-Þ]\w*\s+of\s+(?:the\s+)?[A-ZÀ-Þ][\w'’-]*(?:\s+[A-ZÀ-Þ][\w'’-]*)*)"
        rf"|(?P<noun_first>{series})\s+(?P<after>[A-ZÀ-Þ][\w'’-]*(?:\s+[A-ZÀ-Þ][\w'’-]*)*)"
        rf"|(?P<words>.+?)\s+(?P<n2>{series})\b(?P<tail>.*))")
    return nth, numbered, series_ref


_SERIES_CUE_WORDS = re.compile(r"\b(?:trilog(?:y|ie)|instal+ments?|sequels?|prequels?|series|saga|franchise|quadrilogy"
                               r"|cycle|volet|fortsetzung|suite de)\b", re.I)


def series_cue(text: str) -> re.Match | None:
    return _SERIES_CUE_WORDS.search(text)


def _series_name(ref: str, runs: list[Run]) -> tuple[str, int | None] | None:
    """`the BACK TO THE FUTURE trilogy` -> (BACK TO THE FUTURE, 3); `Leone's "Once Upon a Time" trilogy`;
    `the Trilogy of Death` (kept whole); `cycle Antoine Doinel`; `the trilogy that began with PUSHER (1996)`."""
    v = vocab()
    m = _cue_patterns()[2].match(ref.strip())
    if not m:
        return None
    if m["quoted"]:
        return m["quoted"].strip("\"“”«»„ "), v.series_nouns.get(m["n1"].casefold())
    if m["noun_first"] and m["after"].strip():
        return m["after"].strip(), v.series_nouns.get(m["noun_first"].casefold())
    if m["phrase"]:
        head = m["phrase"].split()[0].casefold()
        if head not in v.series_nouns:
            return None
        return m["phrase"].strip(), v.series_nouns.get(head)
    words = m["words"].strip()
    count = v.series_nouns.get(m["n2"].casefold())
    if re.fullmatch(r"(?:the\s+)?", words, re.I) or words.casefold() in ("the", "this", "a"):
        tail = m["tail"]
        if began := re.search(r"(?:began|begun|started|opened)\s+with\s+", tail):
            first = next((r for r in runs if tail[began.end():].lstrip().startswith(r.text[:20])), None)
            if first:
                return _short(first.text), count
        return None
    tokens = [t.strip("\"“”«»„") for t in words.split()]
    tokens = [t for t in tokens if t]
    for i in range(len(tokens) - 1, -1, -1):
        if re.search(r"['’]s$", tokens[i]) and i < len(tokens) - 1:
            tokens = tokens[i + 1:]
            break
    while tokens and tokens[0] in ("the", "his", "her", "their", "its") or tokens and tokens[0].endswith("-part"):
        tokens = tokens[1:]
    if not tokens or not all(t[:1].isupper() or t.casefold() in _SMALL_WORDS or t[:1].isdigit() for t in tokens):
        return None
    return " ".join(tokens), count


def series_from_cues(paragraphs: list[tuple[str, int, str]], runs: list[Run], own_key: str,
                     title: str) -> tuple[str, int | None, int, str] | None:
    """The series the text places the film in, from what a sentence about the film itself says."""
    nth, numbered, _ = _cue_patterns()
    v = vocab()
    for run in runs:
        if not names_title(run.text, title):
            continue
        after = " ".join(run.after.split())
        if m := numbered.search(after):
            if found := _series_name(m["ref"], runs):
                n = m["n"]
                return found[0], int(n) if n.isdigit() else _roman(n.upper()), run.line, f"prose: {m['noun']} {n} of a series"
        if m := nth.search(after):
            if found := _series_name(m["ref"], runs):
                word = m["ord"].casefold()
                if word in v.finals:
                    position = found[1]
                else:
                    position = v.ordinals.get(word) or int(re.match(r"\d+", word)[0])
                return found[0], position, run.line, f"prose: the {m['ord']} {m['noun']} of a series"
        completes, before = _more_patterns()
        if (m := completes.match(after)) and (found := _series_name(m["ref"], runs)) and found[1]:
            return found[0], found[1], run.line, f"prose: {m['verb']} a series of {found[1]}"
        if (m := before.search(" ".join(run.segment.split()))) and (found := _series_name(m["ref"] + " ", runs)):
            word = m["ord"].casefold()
            position = found[1] if word in v.finals else v.ordinals.get(word) or int(re.match(r"\d+", word)[0])
            return found[0], position, run.line, f"prose: the {m['ord']} {m['noun']} of a series, before the title"
        for at in _sequel_pattern().finditer(after):
            cue = at["cue"].casefold()
            rest = after[at.end():]
            target = next((r for r in runs if r.paragraph == run.paragraph and r.start >= run.end
                           and rest.startswith(" ".join(r.text.split()))), None)
            if target is None or names_title(target.text, title):
                continue
            base = _short(target.text)
            if m := _numbered_title().match(base):
                base, previous = m["base"], _number(m["n"])
            else:
                previous = 1
            own = series_from_title(title)
            numbered = own[1] if own and fold(own[0]) == fold(base) else None
            if numbered is None and (m := _SERIES_NUMBER.match(_short(title))) and fold(m["base"]) == fold(base) \
                    and (m["num"].isdigit() or _ROMAN.match(m["num"].upper())):
                numbered = _number(m["num"])
            if cue in v.prequel_cues:
                return base, numbered, run.line, f"prose: {cue} a film"
            position = numbered if numbered is not None else previous + 1
            return base, position, run.line, f"prose: {cue} a film"
    return None


@cache
def _numbered_title() -> re.Pattern:
    """`The Godfather Part II`, `Kill Bill: Vol. 2`, `Teil 2`: a title ending in a numbered part
    (vocab/series.csv, kind `numbered`; a trailing dot may be left out)."""
    nouns = "|".join(re.escape(w.rstrip(".")) + (r"\.?" if w.endswith(".") else "")
                     for w in sorted(vocab().numbered, key=len, reverse=True))
    return re.compile(rf"^(?P<base>.+?)[,:]?\s+(?:{nouns})\s+(?P<n>[IVX]+|\d+)$", re.I)


@cache
def _series_after() -> re.Pattern:
    """A series noun right after a name (`the PUSHER films`, `die Dollar-Trilogie`): vocab/series.csv."""
    return re.compile(rf"^\s+(?:{_words('series')})\b", re.I)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _roman(text.upper())


def series_from_title(title: str) -> tuple[str, int, int, str] | None:
    """`The Godfather Part II`, `Kill Bill: Vol. 2`, `Episode V`: the title states its place."""
    if m := _numbered_title().match(_short(title) if not re.search(r":\s*(?:vol|part|episode)", title, re.I) else title):
        if m["n"].isdigit() or _ROMAN.match(m["n"].upper()):
            return m["base"].rstrip(":,–—- "), _number(m["n"]), 0, "title: Part/Vol./Episode N"
    return None


def legacy_series(runs: list[Run], box_sets: list[tuple[str, int]], paragraphs: list[tuple[str, int, str]],
                  title: str, year: int | None, own: Run | None) -> tuple[str, int, int] | None:
    """The compact layout's series: `All three PUSHER films`, a `(The X Trilogy)` box set, or `X II` with a cue."""
    base = None
    for run in runs:
        if run.names_series:
            base = run.text
            break
    if base is None:
        for box_set, _ in box_sets:
            if m := _BOX_SET_SERIES.match(box_set):
                base = m["name"].upper()
                break
    if base is None and any(_SERIES_CUE.search(text) for text, _, _ in paragraphs):
        for run in runs:
            if (m := _SERIES_NUMBER.match(_short(run.text))) and (m["num"].isdigit() or _ROMAN.match(m["num"])):
                base = m["base"]
                break
    if base is None:
        return None
    own_runs = [r for r in runs if names_title(r.text, title) and r.year in (None, year)]
    if own is not None and own not in own_runs:
        own_runs.insert(0, own)
    if position := _series_position(own_runs, base):
        return base, position[0], position[1]
    if own_runs and any(fold(_short(r.text)) == fold(base) for r in own_runs):
        return base, 1, own_runs[0].line
    return None


_BOX_SET_SERIES = re.compile(r"^(?:the\s+)?(?P<name>.+?)\s*:?\s+(?:the\s+)?(?:complete\s+)?(?:trilogy|series|saga|quadrilogy|collection|box set)$", re.I)
