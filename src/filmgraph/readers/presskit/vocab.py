"""The reader's vocabularies, read once per process from vocab/*.csv (labels, sections, phrases, series words).

Matching keys fold case, spacing, markup and a trailing colon, so `**Director:**`, `DIRECTOR` and
`Director :` are one label.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from filmgraph.resources import data_file

_MARKUP = re.compile(r"[*_`#>]+")


def key(text: str) -> str:
    """The folded form every vocabulary lookup uses."""
    text = _MARKUP.sub("", text).replace("’", "'")
    return " ".join(text.casefold().strip(" \t:.-–—|").split())


def _rows(filename: str) -> list[dict[str, str]]:
    with open(data_file("vocab", filename), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True, slots=True)
class Vocab:
    labels: dict[str, str]
    """folded label -> field (`directors`, `certificate:US`, `ignore` ...)"""
    implies: dict[str, str]
    """folded label -> the territory its language implies when a kit names none (`Kinostart` -> DE)"""
    sections: dict[str, str]
    section_prefixes: tuple[tuple[str, str], ...]
    phrases: dict[str, tuple[str, ...]]
    """kind -> phrases, longest first"""
    ordinals: dict[str, int]
    finals: frozenset[str]
    part_nouns: frozenset[str]
    series_nouns: dict[str, int | None]
    numbered: frozenset[str]
    completing: frozenset[str]
    sequel_cues: tuple[str, ...]
    prequel_cues: tuple[str, ...]
    certificates: tuple[tuple[str, re.Pattern], ...]
    actor_columns: frozenset[str]
    character_columns: frozenset[str]
    header_columns: frozenset[str]
    media: dict[str, str]

    def phrase_kind(self, text: str, kinds: tuple[str, ...]) -> str | None:
        """The first of `kinds` one of whose phrases occurs in `text` as whole words."""
        folded = f" {key(text)} "
        for kind in kinds:
            for phrase in self.phrases.get(kind, ()):
                if f" {phrase} " in folded:
                    return kind
        return None


@cache
def vocab() -> Vocab:
    label_rows = _rows("labels.csv")
    labels = {key(r["label"]): r["field"] for r in label_rows}
    implies = {key(r["label"]): r["implies"] for r in label_rows if r.get("implies")}
    sections: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    for r in _rows("sections.csv"):
        heading = key(r["heading"])
        if heading.endswith("*"):
            prefixes.append((heading[:-1].strip() + " ", r["kind"]))
        else:
            sections[heading] = r["kind"]
    phrases: dict[str, list[str]] = {}
    for r in _rows("phrases.csv"):
        phrases.setdefault(r["kind"], []).append(key(r["phrase"]))
    words = _rows("series.csv")
    by_kind = lambda kind: [r for r in words if r["kind"] == kind]  # noqa: E731
    certificates = tuple((r["territory"], re.compile(rf"^\s*{r['pattern']}", re.I)) for r in _rows("certificates.csv"))
    columns = _rows("columns.csv")
    return Vocab(
        labels=labels,
        implies=implies,
        sections=sections,
        section_prefixes=tuple(prefixes),
        phrases={k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrases.items()},
        ordinals={r["word"]: int(r["value"]) for r in by_kind("ordinal")},
        finals=frozenset(r["word"] for r in by_kind("final")),
        part_nouns=frozenset(r["word"] for r in by_kind("part")),
        series_nouns={r["word"]: int(r["value"]) if r.get("value") else None for r in by_kind("series")},
        numbered=frozenset(r["word"] for r in by_kind("numbered")),
        completing=frozenset(r["word"] for r in by_kind("completing")),
        sequel_cues=tuple(sorted((r["word"] for r in by_kind("sequel")), key=len, reverse=True)),
        prequel_cues=tuple(sorted((r["word"] for r in by_kind("prequel")), key=len, reverse=True)),
        certificates=certificates,
        actor_columns=frozenset(key(r["word"]) for r in columns if r["kind"] == "actor"),
        character_columns=frozenset(key(r["word"]) for r in columns if r["kind"] == "character"),
        header_columns=frozenset(key(r["word"]) for r in columns if r["kind"] == "header"),
        media={key(r["word"]): r["medium"] for r in _rows("media.csv")},
    )
