"""Explainable scores: every candidate gets named parts in [0, 1] and a weighted sum of them.

A wrong owl:sameAs poisons every query that follows it, so the rules lean to precision: a part
with no evidence on one side counts as neutral (0.5), a part that contradicts (another year,
another director, no shared cast) counts as 0, and a link needs both a high score and a clear
margin over the next candidate. docs/linking.md lists the rules with examples.

The same parts score reconciliation the other way round (a spreadsheet row against our films,
`reconcile/`): there a part the row gives no evidence for is left out of the sum rather than
counted neutral (`evidence_score`), and `decide_match` asks for agreement on every part given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from rapidfuzz.distance import OSA

from filmgraph.identity import fold

FILM_WEIGHTS = {"title": 0.40, "year": 0.20, "director": 0.25, "cast": 0.15}
PERSON_WEIGHTS = {"name": 0.60, "films": 0.40}
NEUTRAL = 0.5
MIN_SCORE = 0.8
MARGIN = 0.1
NAME_MATCH = 0.85
"""Two names this similar (after folding) are taken to be one spelling of the same person's name."""
CAST_ENOUGH = 3
"""Shared cast members that count as full agreement: three is already very unlikely by chance."""

_ARTICLES = ("the", "a", "an", "le", "la", "les", "l", "el", "il", "der", "das", "den", "det")
_INVERTED = re.compile(r",\s*([a-z]+)\s*$")
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"\d+")
_ROMAN = {r: str(n) for n, r in enumerate(
    "- - ii iii iv - vi vii viii ix - xi xii xiii xiv xv xvi xvii xviii xix xx".split()) if r != "-"}
"""Roman numerals as sequels number them (`Infernal Affairs II` = `Infernal Affairs 2`); the single
letters i, v and x are words more often (`V for Vendetta`), so only a final V or X is read as a number
(`Rocky V`), in `title_key`."""
_SPELLING = (("colour", "color"), ("favourite", "favorite"), ("honour", "honor"), ("theatre", "theater"),
             ("centre", "center"), ("grey", "gray"), ("armour", "armor"), ("labour", "labor"),
             ("neighbour", "neighbor"), ("harbour", "harbor"), ("rumour", "rumor"), ("humour", "humor"))


def words(text: str) -> list[str]:
    """Folded words: case, diacritics and punctuation gone (`I'm` -> `i`, `m`; `Burić` -> `buric`)."""
    return _WORD.findall(fold(text))


def title_key(text: str) -> str:
    """A title reduced for comparison: folded, one spelling (`colours` = `colors`), no leading
    article, and an inverted article (`Double Life of Veronique, The`) treated the same."""
    ws = words(text)
    inverted = _INVERTED.search(fold(text))
    if len(ws) > 1 and inverted and inverted.group(1) in _ARTICLES:
        ws = ws[:-1]
    elif len(ws) > 1 and ws[0] in _ARTICLES:
        ws = ws[1:]
    if len(ws) > 1 and ws[-1] in ("v", "x"):
        ws = [*ws[:-1], "5" if ws[-1] == "v" else "10"]   # a sequel's number at the end: `Rocky V`
    out = []
    for w in ws:
        w = _ROMAN.get(w, w)
        for british, american in _SPELLING:
            if w.startswith(british):
                w = american + w[len(british):]
                break
        out.append(w)
    return " ".join(out)


def _short(text: str) -> str:
    return text.split(": ", 1)[0]


def _typo(a: str, b: str) -> float:
    """How close two title keys are when they differ by typing slips: the string similarity when it
    is at least 0.92, else one slip (a letter missing, extra, wrong or two swapped): 0.8 in a key of
    6 letters or more, 0.6 (too low to decide alone) in a shorter one; 0 when the numbers differ
    (`Toy Story 2` is not `Toy Story 3`)."""
    if _NUMBER.findall(a) != _NUMBER.findall(b):
        return 0.0
    ratio = SequenceMatcher(None, a, b).ratio()
    if ratio >= 0.92:
        return round(ratio * 0.9, 2)
    if min(len(a), len(b)) >= 4 and OSA.distance(a, b, score_cutoff=1) <= 1:
        return 0.8 if min(len(a), len(b)) >= 6 else 0.6   # `Sahne` may be `Shane`: offered, never decided
    return 0.0


def title_similarity(ours: Iterable[str], theirs: Iterable[str]) -> float:
    """1.0 for the same title once folded; 0.9 when one is the other without its subtitle
    (`Pusher II` / `Pusher II: With Blood on My Hands`); otherwise the string similarity if it is
    very close (a typo), else 0: `Pusher` and `Pusher II` are different films."""
    best = 0.0
    theirs = list(theirs)
    for a in ours:
        ka, sa = title_key(a), title_key(_short(a))
        for b in theirs:
            kb, sb = title_key(b), title_key(_short(b))
            if ka == kb:
                return 1.0
            if sa == kb or ka == sb or (sa == sb and ":" in a and ":" in b and _same_subtitle(a, b)):
                best = max(best, 0.9)
                continue
            best = max(best, _typo(ka, kb))
    return best


def _same_subtitle(a: str, b: str) -> bool:
    """Two subtitles that may be one said two ways: one's words all in the other's
    (`I'm the Angel of Death` / `Angel of Death`); `Three Colors: Red` is not `Three Colors: White`."""
    wa, wb = set(words(a.split(": ", 1)[1])), set(words(b.split(": ", 1)[1]))
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def year_agreement(ours: int | None, theirs: Iterable[int]) -> float | None:
    """Release years differ by territory, so ±1 is normal (0.8); 2 years is doubtful; more is another film."""
    theirs = list(theirs)
    if ours is None or not theirs:
        return None
    gap = min(abs(ours - y) for y in theirs)
    return {0: 1.0, 1: 0.8, 2: 0.3}.get(gap, 0.0)


def name_similarity(a: str, b: str) -> float:
    """How alike two person names are, word by word after folding.

    Each of the shorter name's words is paired with its closest word in the longer name; the first
    and last words must both pair well (so `Kurt Nielsen` is not `Kim Nielsen`); each extra word
    the longer name has costs a little (`Leif Syvester` ~ `Leif Sylvester Petersen`)."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    if wa == wb:
        return 1.0
    if "".join(wa) == "".join(wb):
        return 0.97
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    scores = [max(SequenceMatcher(None, w, x).ratio() for x in long_) for w in short]
    if scores[0] < 0.8 or scores[-1] < 0.8:
        return 0.0
    return round(sum(scores) / len(scores) * 0.95 ** (len(long_) - len(short)), 3)


def names_match(a: str, b: str) -> bool:
    return name_similarity(a, b) >= NAME_MATCH


def director_agreement(ours: list[str], theirs: list[str]) -> float | None:
    """1 when a director is shared, 0 when both sides name directors and none is shared."""
    if not ours or not theirs:
        return None
    return 1.0 if any(names_match(a, b) for a in ours for b in theirs) else 0.0


def cast_overlap(ours: list[str], theirs: list[str]) -> tuple[float | None, int]:
    """(part, shared): full agreement from CAST_ENOUGH shared members (or all of ours, if fewer); a
    target that lists one name we share is not full agreement."""
    if not ours or not theirs:
        return None, 0
    shared = sum(1 for a in ours if any(names_match(a, b) for b in theirs))
    return min(1.0, shared / min(CAST_ENOUGH, len(ours))), shared


def weighted(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    total = sum(w * (NEUTRAL if parts.get(k) is None else parts[k]) for k, w in weights.items())
    return round(total / sum(weights.values()), 3)


@dataclass(slots=True)
class TargetFilm:
    """What the target says about one candidate film."""

    iri: str
    labels: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    imdb: list[str] = field(default_factory=list)
    credits: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """role (director, cast, writer) -> target person IRI -> that person's labels."""

    def names(self, role: str) -> list[str]:
        return [label for labels in self.credits.get(role, {}).values() for label in labels]

    @property
    def label(self) -> str:
        return self.labels[0] if self.labels else ""


@dataclass(slots=True)
class Scored:
    """One (our entity, candidate) pair, its parts and why."""

    candidate: str
    label: str
    score: float
    parts: dict[str, float | None]
    why: dict[str, str] = field(default_factory=dict)
    method: str = "score"


def score_film(titles: list[str], year: int | None, directors: list[str], cast: list[str],
               candidate: TargetFilm, known_id: str | None = None) -> Scored:
    """Score one candidate film. A known id (IMDb or QID) the target confirms settles it: score 1."""
    parts: dict[str, float | None] = {
        "title": title_similarity(titles, candidate.labels),
        "year": year_agreement(year, candidate.years),
        "director": director_agreement(directors, candidate.names("director")),
    }
    part, shared = cast_overlap(cast, candidate.names("cast"))
    parts["cast"] = part
    why = {"year": ",".join(map(str, sorted(set(candidate.years)))) or "?",
           "cast": f"{shared}/{len(cast)}"}
    if known_id:
        return Scored(candidate.iri, candidate.label, 1.0, {**parts, "id": 1.0}, {**why, "id": known_id}, "known-id")
    return Scored(candidate.iri, candidate.label, weighted(parts, FILM_WEIGHTS), parts, why)


def best_name_similarity(names: list[str], labels: list[str]) -> float:
    return max((name_similarity(n, label) for n in names for label in labels), default=0.0)


def score_person(names: list[str], candidate: str, labels: list[str], shared: int, linked: int) -> Scored:
    """A person (by any of the spellings our records use) credited on `shared` of the `linked` films
    we already linked for them."""
    sim = best_name_similarity(names, labels)
    films = None if linked == 0 else shared / linked
    parts = {"name": sim, "films": films}
    best = max(labels, key=lambda label: best_name_similarity(names, [label]), default="")
    return Scored(candidate, best, weighted(parts, PERSON_WEIGHTS), parts, {"films": f"{shared}/{linked}"})


def decide(scored: list[Scored], min_score: float = MIN_SCORE, margin: float = MARGIN) -> tuple[str, Scored | None]:
    """('accept', best) when the best is good enough and clearly ahead; ('review', best) when it is
    good enough but a rival is close; ('reject', best-or-None) otherwise."""
    if not scored:
        return "reject", None
    ranked = sorted(scored, key=lambda s: (-s.score, s.candidate))
    best = ranked[0]
    if best.method == "known-id":
        return "accept", best
    if best.score < min_score:
        return "reject", best
    if len(ranked) > 1 and best.score - ranked[1].score < margin:
        return "review", best
    return "accept", best


# ---- reconciling in: a spreadsheet row against our own entities ----------------------------------

RECONCILE_FILM_WEIGHTS = {**FILM_WEIGHTS, "country": 0.10, "imdb": 0.50}
"""A row's IMDb id that names another film weighs more than a title and year that agree."""
RECONCILE_PERSON_WEIGHTS = {**PERSON_WEIGHTS, "birth_year": 0.20}
CONTRADICTIONS = ("year", "director", "imdb", "films", "birth_year")
"""Parts that, at 0, say the candidate is another entity whatever the rest says."""


def evidence_score(parts: dict[str, float | None], weights: dict[str, float]) -> float:
    """The weighted mean of the parts the row gave evidence for. A row with a title and a year is
    judged on those two; counting its missing director as neutral would hold every such row below
    the match line."""
    known = {k: v for k, v in parts.items() if v is not None and k in weights}
    if not known:
        return 0.0
    return round(sum(weights[k] * v for k, v in known.items()) / sum(weights[k] for k in known), 3)


def country_agreement(ours: list[str], theirs: list[str]) -> float | None:
    """1 when a country (code or name, folded) is shared, 0 when both sides name countries and none is."""
    if not ours or not theirs:
        return None
    folded = {fold(c).strip() for c in theirs}
    return 1.0 if any(fold(c).strip() in folded for c in ours) else 0.0


def reconcile_film(titles: list[str], year: int | None, directors: list[str], cast: list[str],
                   countries: list[str], imdb: str | None, candidate: TargetFilm,
                   candidate_countries: list[str]) -> Scored:
    """One candidate film for one row: the linker's parts, plus country and IMDb id; a row's IMDb id
    that the candidate has settles it (score 1), one that differs from the candidate's counts 0."""
    scored = score_film(titles, year, directors, cast, candidate)
    parts = dict(scored.parts)
    if not titles:
        parts["title"] = None
    parts["country"] = country_agreement(countries, candidate_countries)
    parts["imdb"] = None if not imdb or not candidate.imdb else float(imdb in candidate.imdb)
    if parts["imdb"] == 1.0:
        return Scored(candidate.iri, candidate.label, 1.0, parts, scored.why, "known-id")
    return Scored(candidate.iri, candidate.label, evidence_score(parts, RECONCILE_FILM_WEIGHTS), parts, scored.why)


def reconcile_person(names: list[str], films: list[str], birth_year: int | None, candidate: str,
                     labels: list[str], their_films: list[str], their_birth_year: int | None) -> Scored:
    """One candidate person: the name, a film the row says they worked on (by title), a birth year."""
    parts: dict[str, float | None] = {"name": best_name_similarity(names, labels) if names else None}
    parts["films"] = (None if not films or not their_films
                      else float(any(title_similarity([f], their_films) >= 0.8 for f in films)))
    parts["birth_year"] = (None if birth_year is None or their_birth_year is None
                           else {0: 1.0, 1: 0.5}.get(abs(birth_year - their_birth_year), 0.0))
    best = max(labels, key=lambda label: best_name_similarity(names, [label]), default="") if names else labels[0]
    return Scored(candidate, best, evidence_score(parts, RECONCILE_PERSON_WEIGHTS), parts)


def reconcile_name(names: list[str], candidate: str, labels: list[str]) -> Scored:
    """A series or character: its name alone, compared as titles are (articles, numerals, typos)."""
    sim = title_similarity(names, labels)
    return Scored(candidate, labels[0] if labels else "", sim, {"name": sim})


def decide_match(ranked: list[Scored], min_score: float = MIN_SCORE, margin: float = MARGIN) -> bool:
    """Whether the best of `ranked` (best first) is a match a person need not check: a confirmed id;
    or a good score, a clear margin over the next, a name that looks alike, and no part that says it
    is another entity. Two same-title films (a remake) and no year to tell them apart: no match."""
    if not ranked:
        return False
    best = ranked[0]
    if best.method == "known-id":
        return len(ranked) == 1 or ranked[1].method != "known-id"
    if best.score < min_score or any(best.parts.get(k) == 0.0 for k in CONTRADICTIONS):
        return False
    name = best.parts.get("title", best.parts.get("name"))
    if name is not None and name < 0.8:
        return False
    return len(ranked) == 1 or best.score - ranked[1].score >= margin
