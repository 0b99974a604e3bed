"""The review table, the run summary, and the decisions file that feeds a reviewer's verdicts back.

The table is tab-separated with a header, so `filmgraph link --dry-run > review.tsv`, editing the
`decision` column to accept or reject, and `--decisions review.tsv` closes the loop.
"""

from __future__ import annotations

import csv
import io

from filmgraph.errors import InputError
from filmgraph.link.linker import LinkRun, Outcome
from filmgraph.link.profile import Profile
from filmgraph.link.scoring import MARGIN
from filmgraph.results import spreadsheet_safe
from filmgraph.settings import BASE_IRI

COLUMNS = ("kind", "entity", "name", "candidate", "label", "score", "parts", "decision")
SHOWN = 3
"""Candidates listed per entity: the best few are what a reviewer needs."""


def _ours(iri: str) -> str:
    return f"id:{iri[len(BASE_IRI):]}" if iri.startswith(BASE_IRI) else iri


def _parts(outcome: Outcome, index: int) -> str:
    s = outcome.candidates[index]
    out = []
    for name, value in s.parts.items():
        text = "-" if value is None else f"{value:.2f}"
        extra = s.why.get(name)
        shown = extra and value is not None and name in ("cast", "films", "id")
        out.append(f"{name}={text}" + (f"({extra})" if shown else ""))
    if s.method not in ("score",):
        out.append(f"via={s.method}")
    return " ".join(out)


def _decision(outcome: Outcome, candidate: str) -> str:
    if candidate in outcome.rejected:
        return "reject (decisions file)"
    if outcome.link and outcome.link.candidate == candidate:
        return "accept (decisions file)" if outcome.link.method == "decision" else "accept"
    if outcome.status == "review":
        best = outcome.candidates[0].score
        if any(s.candidate == candidate and best - s.score < MARGIN for s in outcome.candidates):
            return "review"
    return "reject"


def table_rows(run: LinkRun) -> list[tuple[str, ...]]:
    profile = run.profile
    rows = []
    for o in run.outcomes:
        if not o.candidates:
            rows.append((o.kind, _ours(o.entity), o.name, "-", "-", "-", o.note or "no candidate", "unmatched"))
            continue
        shown = list(range(min(SHOWN, len(o.candidates))))
        if o.link and o.link not in [o.candidates[i] for i in shown]:
            shown.append(o.candidates.index(o.link))
        for i in shown:
            s = o.candidates[i]
            rows.append((o.kind, _ours(o.entity), o.name, profile.compact(s.candidate), s.label,
                         f"{s.score:.2f}", _parts(o, i), _decision(o, s.candidate)))
    return rows


def review_table(run: LinkRun) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    # Labels come from elsewhere: a cell a spreadsheet would run as a formula is defused.
    writer.writerows([spreadsheet_safe(c) if isinstance(c, str) else c for c in row] for row in table_rows(run))
    return out.getvalue()


def summary(run: LinkRun) -> str:
    lines = []
    for kind, plural in (("film", "films"), ("person", "people")):
        outcomes = run.of(kind)
        if not outcomes:
            continue
        count = {s: sum(1 for o in outcomes if o.status == s) for s in ("linked", "review", "unmatched")}
        lines.append(f"{plural}: {count['linked']} linked, {count['review']} ambiguous (left for review), "
                     f"{count['unmatched']} unmatched")
    lines.append(f"{run.profile.title} at {run.endpoint}: {run.requests} request(s), {run.cached} answered "
                 f"from the cache, {run.seconds:.1f} s")
    lines += [f"note: {n}" for n in run.notes]
    return "\n".join(lines)


def read_decisions(path: str, profile: Profile) -> dict[tuple[str, str], str]:
    """(our entity IRI, target IRI) -> accept | reject, from a CSV or tab-separated file with at least
    the columns entity, candidate and decision (other rows' decisions, such as review, are ignored)."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        raise InputError(f"cannot read the decisions file: {e.strerror}", path=path) from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = {"entity", "candidate", "decision"} - set(reader.fieldnames or ())
    if missing:
        raise InputError(f"a decisions file needs the columns entity, candidate, decision (missing: "
                         f"{', '.join(sorted(missing))})", path=path, line=1)
    decisions: dict[tuple[str, str], str] = {}
    for row in reader:
        verdict = (row["decision"] or "").strip().lower().split(" ", 1)[0]
        if verdict not in ("accept", "reject"):
            continue
        entity = (row["entity"] or "").strip()
        entity = BASE_IRI + entity[3:] if entity.startswith("id:") else entity
        candidate = profile.expand((row["candidate"] or "").strip())
        if not entity or not candidate or candidate == "-":
            raise InputError("a decision needs an entity and a candidate", path=path, line=reader.line_num)
        decisions[(entity, candidate)] = verdict
    return decisions
