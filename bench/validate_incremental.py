"""Incremental validation: 100 new records against a store of N records vs against an empty store.

    python bench/validate_incremental.py                 # N = 10,000 (about a minute)
    python bench/validate_incremental.py --store-size 2000 --batch 1000

Records are synthetic `FilmRecord`s (seeded, so runs compare), about a third of them in series of
2-4 films so the cross-record rules have neighbours to fetch. Prints seconds per batch and the ratio
(issue 3 asks for at most 2x). `--batch N` also times one batch of N films against the empty store
with each engine (pySHACL, the reference, and the Rust `shacl` package).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

from filmgraph.mapping import map_record  # noqa: E402
from filmgraph.record import (  # noqa: E402
    CastMember, Certificate, FilmRecord, Release, Runtime, SeriesRef, Source,
)
from filmgraph.store.embedded import EmbeddedStore  # noqa: E402
from filmgraph.validation import RecordView, neighbourhood, validate_batch  # noqa: E402

SEED = 3
STAMP = "2026-01-01T00:00:00Z"


def synthetic(n: int, start: int = 0, seed: int = SEED) -> list[FilmRecord]:
    """`n` films numbered from `start`; films 3k, 3k+1, 3k+2 form series k in order of year."""
    rng = random.Random(seed * 1_000_003 + start)
    records = []
    for i in range(start, start + n):
        year = 1950 + i % 70
        series = SeriesRef(f"Saga {i // 3}", i % 3 + 1) if (i // 3) % 3 == 0 else None
        if series:
            year = 1950 + (i // 3) % 60 + series.position * 2
        cast = [CastMember(f"Actor {rng.randrange(5000)} {k}", k + 1, f"Role {k}") for k in range(rng.randint(8, 15))]
        records.append(FilmRecord(
            title=f"Film {i}", year=year, source=Source(path=f"synthetic/{i}.json", kind="json"),
            directors=[f"Director {i % 997}"], writers=[f"Writer {i % 991}"], cast=cast, series=series,
            countries=[rng.choice(["DK", "GB", "US", "FR", "DE"])], languages=[rng.choice(["da", "en", "fr"])],
            runtimes=[Runtime(rng.randint(80, 150))],
            certificates=[Certificate("GB", rng.choice(["U", "PG", "12A", "15", "18"]), body="BBFC")],
            releases=[Release("GB", "cinema", datetime.date(year + 1, 1 + i % 12, 1 + i % 28)),
                      Release("US", "dvd", None)],
        ))
    return records


def sequels(n: int, store_size: int) -> list[FilmRecord]:
    """`n` new films: fourth instalments of series already in the store where there are enough, so
    the cross-record rules must fetch their neighbours; the rest are films of their own."""
    series = [k for k in range(store_size // 3) if k % 3 == 0]
    records = synthetic(n, start=store_size - store_size % 3 + 3)
    for record, k in zip(records, series):
        record.series = SeriesRef(f"Saga {k}", 4)
        record.year = 1950 + k % 60 + 10
        record.releases[0].date = datetime.date(record.year + 1, 1, 1)
    return records


def timed(batch, store, engine: str = "pyshacl") -> float:
    start = time.perf_counter()
    report = validate_batch(batch, store, engine)
    elapsed = time.perf_counter() - start
    assert report.conforms, [p for p in report.problems if p.severity == "Violation"][:3]
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store-size", type=int, default=10000, help="records already in the store (default 10000)")
    parser.add_argument("--new", type=int, default=100, help="records in the incremental batch (default 100)")
    parser.add_argument("--batch", type=int, default=0, help="also time one batch of this many films (default off)")
    parser.add_argument("--repeat", type=int, default=3, help="take the best of this many runs (default 3)")
    args = parser.parse_args(argv)

    new = [map_record(r, STAMP) for r in sequels(args.new, args.store_size)]
    with tempfile.TemporaryDirectory() as tmp:
        empty = EmbeddedStore(os.path.join(tmp, "empty"), write=True)
        full = EmbeddedStore(os.path.join(tmp, "full"), write=True)
        for start in range(0, args.store_size - args.store_size % 3, 1000):
            count = min(1000, args.store_size - args.store_size % 3 - start)
            full.bulk_add(map_record(r, STAMP) for r in synthetic(count, start=start))
        timed(new[:5], empty)  # warm caches (shapes parse, imports)
        runs = [(timed(new, empty), timed(new, full)) for _ in range(args.repeat)]  # interleaved: same load
        t_empty, t_full = min(r[0] for r in runs), min(r[1] for r in runs)
        context = neighbourhood(full, [RecordView.of(m) for m in new])
        print(f"store context fetched for the batch: {len(context)} triples "
              f"(the store holds {len(full.oxigraph)} quads)")
        print(f"validate {args.new} new records: empty store {t_empty:.2f} s, "
              f"store of {args.store_size} records {t_full:.2f} s, ratio {t_full / t_empty:.2f} (target <= 2)")
        if args.batch:
            batch = [map_record(r, STAMP) for r in synthetic(args.batch, start=10 ** 6)]
            for engine in ("pyshacl", "rust"):
                print(f"validate one batch of {args.batch} films with {engine}: {timed(batch, empty, engine):.2f} s")
        empty.close()
        full.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
