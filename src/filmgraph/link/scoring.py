"""Explainable scores: every candidate gets named parts in [0, 1] and a weighted sum of them.

A wrong owl:sameAs poisons every query that follows it, so the rules lean to precision: a part
with no evidence on one side counts as neutral (0.5), a part that contradicts (another year,
another director, no shared cast) counts as 0, and a link needs both a high score and a clear
margin over the next candidate. docs/linking.md lists the rules with examples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

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
    out = []
    for w in ws:
        for british, american in _SPELLING:
            if w.startswith(british):
                w = american + w[len(british):]
                break
        out.append(w)
    return " ".join(out)


def _short(text: str) -> str:
    return text.split(": ", 1)[0]


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
            if sa == kb or ka == sb or (sa == sb and ":" in a and ":" in b):
                best = max(best, 0.9)
                continue
            ratio = SequenceMatcher(None, ka, kb).ratio()
            if ratio >= 0.92:
                best = max(best, round(ratio * 0.9, 2))
    return best


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
