"""Pictures as SVG, drawn by matplotlib's SVG backend.

matplotlib rather than a JavaScript chart library: the pages must work without JavaScript, and a
server-drawn SVG is a file a person can save or embed. Its object API (a `Figure` per picture, no
pyplot state) is safe to use from the server's worker threads; text stays text (`svg.fonttype:
none`, so it is searchable and selectable) and is XML-escaped by the backend; math parsing is off
so a `$` in a title is just a character. The same input gives the same bytes (fixed hash salt, no
date in the metadata).
"""

from __future__ import annotations

import io
import threading
from typing import Any

_LOCK = threading.Lock()  # matplotlib's font cache and rcParams are shared
_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "filmgraph", "text.parse_math": False,
          "font.family": "DejaVu Sans", "font.size": 9}
_MARKERS = {"director": ("o", "#1f5f8b"), "writer": ("s", "#8b5a1f"), "actor": ("^", "#2e7d32"), "crew": ("D", "#6a1b9a")}


def _short(text: str, size: int = 26) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=72)


def _svg(fig, title: str) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None, "Title": title}, bbox_inches="tight")
    return out.getvalue()


def _draw(draw, *args: Any) -> bytes:
    import matplotlib

    with _LOCK, matplotlib.rc_context(_STYLE):
        return draw(*args)


def series_timeline(name: str, films: list[dict[str, Any]], recurring: list[dict[str, Any]]) -> bytes:
    """Films along the years with their positions; below, a line per recurring character through
    the films it appears in."""
    return _draw(_series_timeline, name, films, recurring)


def _series_timeline(name: str, films: list[dict[str, Any]], recurring: list[dict[str, Any]]) -> bytes:
    rows = recurring[:12]
    fig = _figure(8, 1.6 + 0.32 * len(rows))
    ax = fig.add_subplot()
    xs = [int(f["year"]) if f.get("year") else i for i, f in enumerate(films)]
    ax.plot(xs, [0] * len(xs), color="#888", linewidth=1, zorder=1)
    ax.scatter(xs, [0] * len(xs), s=90, color="#1f5f8b", zorder=2)
    for i, (x, film) in enumerate(zip(xs, films)):
        label = (f"{film['position']}. " if film.get("position") else "") + _short(film["name"], 34)
        ax.annotate(label, (x, 0), xytext=(0, 10 + 13 * (i % 2)), textcoords="offset points", ha="center", fontsize=8)
    for row, character in enumerate(rows, 1):
        y = -row
        points = [xs[i] for i in sorted(character["films"])]
        ax.plot(points, [y] * len(points), color="#2e7d32", linewidth=2, marker="o", markersize=5)
        ax.annotate(character["name"] or "?", (min(points), y), xytext=(-6, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=8)
    ax.set_yticks([])
    ax.set_xticks(sorted(set(xs)))
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1.5)
    ax.set_ylim(-len(rows) - 0.8, 2.2)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{name}: films and recurring characters", fontsize=10, loc="left")
    return _svg(fig, f"{name} timeline")


def filmography_timeline(name: str, rows: list[dict[str, Any]]) -> bytes:
    """A person's films along the years, one lane per job (director, writer, actor, crew)."""
    return _draw(_filmography_timeline, name, rows)


def _filmography_timeline(name: str, rows: list[dict[str, Any]]) -> bytes:
    jobs = [j for j in _MARKERS if any(r["job"] == j for r in rows)]
    fig = _figure(8, 1.2 + 0.75 * max(1, len(jobs)))
    ax = fig.add_subplot()
    for lane, job in enumerate(jobs):
        marker, colour = _MARKERS[job]
        mine = [r for r in rows if r["job"] == job and r.get("year")]
        xs = [int(r["year"]) for r in mine]
        ax.scatter(xs, [lane] * len(xs), marker=marker, s=60, color=colour, zorder=2, label=job)
        for i, r in enumerate(mine):
            ax.annotate(_short(r["name"]), (xs[i], lane), xytext=(0, 7 + 9 * (i % 3)), textcoords="offset points",
                        ha="center", fontsize=7)
    years = [int(r["year"]) for r in rows if r.get("year")] or [0]
    ax.set_yticks(range(len(jobs)), jobs)
    ax.set_xlim(min(years) - 1.5, max(years) + 1.5)
    ax.set_ylim(-0.6, len(jobs) - 0.1 + 0.7)
    ax.grid(axis="x", color="#eee")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"{name}: filmography", fontsize=10, loc="left")
    return _svg(fig, f"{name} filmography")


def cast_chart(name: str, films: list[dict[str, Any]], characters: list[dict[str, Any]]) -> bytes:
    """Characters down, films across; each cell names the actor who plays the character there."""
    return _draw(_cast_chart, name, films, characters)


def _cast_chart(name: str, films: list[dict[str, Any]], characters: list[dict[str, Any]]) -> bytes:
    rows = characters[:40]
    fig = _figure(1.8 + 1.9 * max(1, len(films)), 0.9 + 0.34 * max(1, len(rows)))
    ax = fig.add_subplot()
    for y, character in enumerate(rows):
        for x, actors in character["films"].items():
            ax.scatter([x], [y], s=50, color="#2e7d32", zorder=2)
            ax.annotate(", ".join(a["actor_name"] for a in actors), (x, y), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=7)
    ax.set_xticks(range(len(films)), [f"{f['name'][:28]}\n({f.get('year') or '?'})" for f in films], fontsize=7)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [c["name"] or "?" for c in rows], fontsize=7)
    ax.set_xlim(-0.4, len(films) - 0.2)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(color="#eee")
    ax.set_title(f"{name}: who plays whom", fontsize=10, loc="left", pad=28)
    return _svg(fig, f"{name} cast")
