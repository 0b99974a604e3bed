"""Reconciliation benchmark: seeded queries made from MovieLens films the way real lists differ,
sent to a running `filmgraph reconcile-serve` in batches of 10 over HTTP, scored against each
film's IMDb id; then every vega film with its year and director.

    python bench/reconcile.py                       # 3,000 queries; builds a MovieLens store first
    python bench/reconcile.py --queries 300 --store /tmp/ml-store

Needs ../shared/data (movielens, wikidata-movielens, vega). Prints a Markdown table for
docs/performance.md. Targets (issue 14): >= 200 queries/s, precision >= 0.99, recall >= 0.9.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parents[1]) if (p / "shared").is_dir()),
              ROOT.parent / "shared" / "data")
ARTICLES = ("The ", "A ", "An ")
ROMAN = {"2": "II", "3": "III", "4": "IV", "5": "V", "6": "VI", "7": "VII", "8": "VIII", "9": "IX"}
ARABIC = {v: k for k, v in ROMAN.items()}
KINDS = ("exact", "typo", "inverted article", "numeral", "dropped subtitle", "year ±1", "original title")


def ingest(store: Path) -> None:
    subprocess.run([sys.executable, "-m", "filmgraph", "ingest", "--store", str(store), "--quiet", "--map",
                    str(ROOT / "records" / "mappings" / "movielens.yaml"), str(SHARED / "movielens" / "movies.csv")],
                   check=False, capture_output=True)


def directors_by_imdb() -> dict[str, list[str]]:
    wm = SHARED / "wikidata-movielens"
    names = {r["wikidataURI"]: r["name"] for r in csv.DictReader((wm / "directors.csv").open())}
    imdb = {r["movieId"]: "tt" + r["imdbId"].zfill(7) for r in csv.DictReader((wm / "links_with_wikidata_uri.csv").open())}
    out: dict[str, list[str]] = defaultdict(list)
    for r in csv.DictReader((wm / "directed_by.csv").open()):
        if r["director"] in names and r["movieId"] in imdb:
            out[imdb[r["movieId"]]].append(names[r["director"]])
    return out


def typo(title: str, rng: random.Random) -> str | None:
    """One slip in a word of five letters or more: a letter dropped, doubled, swapped or replaced."""
    spots = [m for m in re.finditer(r"[A-Za-z]{5,}", title)]
    if not spots:
        return None
    m = rng.choice(spots)
    i = rng.randrange(m.start() + 1, m.end() - 1)
    how = rng.choice(("drop", "double", "swap", "replace"))
    if how == "drop":
        return title[:i] + title[i + 1:]
    if how == "double":
        return title[:i] + title[i] + title[i:]
    if how == "swap":
        return title[:i] + title[i + 1] + title[i] + title[i + 2:]
    return title[:i] + rng.choice("aeiourstn".replace(title[i].lower(), "")) + title[i + 1:]


def variant(kind: str, film: dict, rng: random.Random) -> tuple[str, int] | None:
    title, year = film["name"], film["year"]
    if kind == "exact":
        return title, year
    if kind == "typo":
        t = typo(title, rng)
        return (t, year) if t else None
    if kind == "inverted article":
        art = next((a for a in ARTICLES if title.startswith(a)), None)
        return (f"{title[len(art):]}, {art.strip()}", year) if art else None
    if kind == "numeral":
        words = title.split()
        for i, w in enumerate(words):
            if (w in ROMAN or w in ARABIC) and (len(w) > 1 or i == len(words) - 1) and i > 0:
                words[i] = ROMAN.get(w) or ARABIC[w]
                return " ".join(words), year
        return None
    if kind == "dropped subtitle":
        return (title.split(": ", 1)[0], year) if ": " in title else None
    if kind == "year ±1":
        return title, year + rng.choice((-1, 1))
    if kind == "original title":
        return (film["alt"][0], year) if film["alt"] else None
    raise ValueError(kind)


def seeded_queries(films: list[dict], directors: dict[str, list[str]], n: int, seed: int) -> list[dict]:
    """`n` queries, each from a different film: the variant kinds in turn, each from a film that has
    such a variant (an exact title when none is left), and a third without a director."""
    rng = random.Random(seed)
    pool = films[:]
    rng.shuffle(pool)
    used: set[str] = set()
    out = []
    for i in range(min(n, len(films))):
        kind = KINDS[i % len(KINDS)]
        film = made = None
        for candidate in pool:
            if candidate["id"] in used:
                continue
            made = variant(kind, candidate, rng)
            if made is not None:
                film = candidate
                break
        if film is None:
            film = next(c for c in pool if c["id"] not in used)
            kind, made = "exact", (film["name"], film["year"])
        used.add(film["id"])
        title, year = made
        props = [{"pid": "year", "v": str(year)}]
        names = directors.get(film["imdb"], [])
        with_director = bool(names) and rng.random() >= 1 / 3
        if with_director:
            props.append({"pid": "director", "v": names[0]})
        out.append({"q": {"query": title, "type": "Film", "properties": props}, "imdb": film["imdb"], "kind": kind,
                    "director": with_director})
    return out


def films_in(store: Path) -> list[dict]:
    from filmgraph.reconcile.index import FILM, build
    from filmgraph.store import open_store

    with open_store(str(store)) as s:
        index = build(s)
    return [{"id": e.id, "name": e.labels[0], "alt": e.labels[1:], "year": e.year, "imdb": e.imdb}
            for e in sorted(index.entities.values(), key=lambda e: e.id) if e.type == FILM and e.imdb and e.year]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(store: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "filmgraph", "reconcile-serve", "--store", str(store),
                                "--port", str(port)], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return process, url, time.perf_counter() - started
        except OSError:
            if process.poll() is not None:
                raise SystemExit(process.stderr.read().decode())
            time.sleep(0.1)


def run_batches(url: str, queries: list[dict], batch: int) -> tuple[dict[int, dict], float]:
    answers: dict[int, dict] = {}
    with httpx.Client(timeout=60) as client:
        started = time.perf_counter()
        for start in range(0, len(queries), batch):
            chunk = {str(i): queries[i]["q"] for i in range(start, min(start + batch, len(queries)))}
            r = client.post(url, data={"queries": json.dumps(chunk)})
            r.raise_for_status()
            answers.update({int(k): v for k, v in r.json().items()})
        elapsed = time.perf_counter() - started
    return answers, elapsed


def suggest_latency(url: str, films: list[dict], n: int, seed: int) -> tuple[float, float]:
    """p50 and p95 ms of entity suggest over HTTP for prefixes a person types (3 to 6 letters of a
    title, or of a word inside it)."""
    rng = random.Random(seed)
    prefixes = []
    for film in rng.sample(films, min(n, len(films))):
        words = film["name"].split()
        word = rng.choice(words) if rng.random() < 0.3 else film["name"]
        prefixes.append(word[:rng.randint(3, 6)])
    times = []
    with httpx.Client(timeout=60) as client:
        for prefix in prefixes:
            started = time.perf_counter()
            client.get(url + "suggest/entity", params={"prefix": prefix, "type": "Film"}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def vega_queries() -> list[dict]:
    rows = json.loads((SHARED / "vega" / "movies.json").read_text())
    out = []
    for r in rows:
        props = []
        m = re.search(r"(\d{4})$", r.get("Release Date") or "")
        if m:
            props.append({"pid": "year", "v": m.group(1)})
        if r.get("Director"):
            props.append({"pid": "director", "v": r["Director"]})
        out.append({"q": {"query": str(r["Title"]), "type": "Film", "properties": props}})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, help="a store with MovieLens ingested (made in a temp folder if absent)")
    ap.add_argument("--queries", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=10)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--no-vega", action="store_true", help="skip the vega titles")
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"shared data not found at {SHARED}")
    tmp = tempfile.TemporaryDirectory()
    store = args.store or Path(tmp.name) / "store"
    if not store.is_dir():
        t = time.perf_counter()
        ingest(store)
        print(f"ingested MovieLens into {store} in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    films = films_in(store)
    queries = seeded_queries(films, directors_by_imdb(), args.queries, args.seed)
    imdb_of = {f["id"]: f["imdb"] for f in films}
    process, url, startup = serve(store)
    try:
        answers, elapsed = run_batches(url, queries, args.batch)
        suggest_p50, suggest_p95 = suggest_latency(url, films, min(args.queries, 1000), args.seed)
        vega = [] if args.no_vega else vega_queries()
        vega_answers, vega_elapsed = run_batches(url, vega, args.batch) if vega else ({}, 0.0)
    finally:
        process.terminate()
        process.wait()
    matched = correct = 0
    by_kind: dict[str, Counter] = defaultdict(Counter)
    wrong = []
    for i, q in enumerate(queries):
        result = answers[i]["result"]
        top = result[0] if result and result[0]["match"] else None
        stats = by_kind[q["kind"]]
        stats["n"] += 1
        if top:
            matched += 1
            stats["matched"] += 1
            if imdb_of.get(top["id"]) == q["imdb"]:
                correct += 1
                stats["correct"] += 1
            else:
                wrong.append((q["q"], top["id"], q["imdb"]))
    n = len(queries)
    precision = correct / matched if matched else 0.0
    recall = correct / n if n else 0.0
    vega_matched = sum(1 for i in range(len(vega)) if vega_answers[i]["result"] and vega_answers[i]["result"][0]["match"])
    print(f"| MovieLens films in the store | {len(films):,} |")
    print(f"| service start (index built) | {startup:.1f} s |")
    print(f"| queries (batches of {args.batch}) | {n:,} in {elapsed:.1f} s: **{n / elapsed:,.0f} queries/s** |")
    print(f"| `match: true` | {matched:,}; correct {correct:,} |")
    print(f"| precision | **{precision:.4f}** |")
    print(f"| recall | **{recall:.4f}** |")
    print(f"| entity suggest over HTTP, p50 / p95 | {suggest_p50:.1f} / {suggest_p95:.1f} ms |")
    if vega:
        print(f"| vega titles matched automatically | {vega_matched:,} of {len(vega):,} "
              f"({len(vega) / vega_elapsed:,.0f} queries/s) |")
    print()
    print("| variant | queries | matched | correct |")
    print("|---|---:|---:|---:|")
    for kind in KINDS:
        s = by_kind.get(kind, Counter())
        print(f"| {kind} | {s['n']} | {s['matched']} | {s['correct']} |")
    for q, got, want in wrong[:15]:
        print(f"wrong: {json.dumps(q, ensure_ascii=False)} -> {got} (want {want})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
