"""Fault suite, fuzzing: hypothesis mutates valid record files of every format (and builds JSON and
YAML documents of any shape) and each outcome must be landed-or-one-line: records that map to
graphs, or a refusal of one line naming the file; never another exception, never a hang.
Derandomized and bounded (examples per reader, seconds per example), so CI runs the same cases."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import RECORDS
from filmgraph.errors import InputError
from filmgraph.pipeline import map_paths
from filmgraph.mapping import map_record
from filmgraph.readers import read_file

SEEDS = {
    ".json": (RECORDS / "pusher-ii-2004.json").read_bytes(),
    ".yaml": yaml.safe_dump(json.loads((RECORDS / "pusher-ii-2004.json").read_text()), allow_unicode=True).encode(),
    ".csv": ("title,year,directors,cast,countries,runtimes,releases\n"
             "Pusher,1996,Nicolas Winding Refn,Kim Bodnia=Frank|Zlatko Burić=Milo,DK,105,DK=1996-08-30\n"
             "Bleeder,1999,Nicolas Winding Refn,Kim Bodnia=Leo,DK,98,DK cinema=1999-08-06 limited\n").encode(),
    ".txt": (RECORDS / "pusher-1996.txt").read_bytes(),
}
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
HANG_SECONDS = 10


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """The seed with a few byte-level edits: replace, insert, delete, duplicate a run."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["replace", "insert", "delete", "repeat"]))
        chunk = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
            [b"\x00", b"\x01", b"\xff", b"\\ud800", b"&a", b"*a", b"[", b"{", b'"', b",", b"\n", b"|", b";", b"=",
             b"\xc3", b"\xe2\x80\xae", b"9" * 40, b"tbc", b"---"]))
        if op == "replace":
            data[at:at + len(chunk)] = chunk
        elif op == "insert":
            data[at:at] = chunk
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            end = min(len(data), at + draw(st.integers(1, 40)))
            data[at:at] = data[at:end] * draw(st.integers(1, 50))
    return bytes(data)


_scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True) | st.text(max_size=30)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
    st.sampled_from(["title", "year", "cast", "directors", "countries", "releases", "runtimes", "series",
                     "notes", "ids", "actor", "character", "territory", "date", "x"]) | st.text(max_size=8),
    inner, max_size=6), max_leaves=40)


def _check(path: Path) -> None:
    """Landed-or-one-line for one file, within HANG_SECONDS."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        try:
            result = read_file(str(path))
        except InputError as e:
            assert "\n" not in str(e) and str(path) in str(e), str(e)
            return
        for row in result.refused:
            assert str(path) in row.place
        for record in result.records:
            mapped = map_record(record)
            mapped.nquads().encode("utf-8")
    except Hang:
        pytest.fail(f"{path.name}: no answer within {HANG_SECONDS} s: {path.read_bytes()[:200]!r}")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("ext", [".json", ".yaml", ".csv"])
def test_structured_readers_are_landed_or_one_line(tmp_path_factory, ext):
    folder = tmp_path_factory.mktemp("fuzz")

    @FUZZ
    @given(data=mutated(SEEDS[ext]))
    def run(data):
        path = folder / f"case{ext}"
        path.write_bytes(data)
        _check(path)

    run()


@pytest.mark.parametrize("ext", [".json", ".yaml"])
def test_documents_of_any_shape_are_landed_or_one_line(tmp_path_factory, ext):
    folder = tmp_path_factory.mktemp("shapes")

    @FUZZ
    @given(value=_values | st.lists(_values, max_size=4))
    @example(value={"releases": True})  # a list field given a scalar: was a TypeError in normalising
    @example(value=[{"title": "T", "year": 2000, "certificates": 12}])
    def run(value):
        path = folder / f"doc{ext}"
        text = json.dumps(value) if ext == ".json" else yaml.safe_dump(value, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        _check(path)

    run()


def test_press_kits_are_landed_or_one_line_in_ingest(tmp_path_factory):
    """The press-kit grammar is another issue's (11); here every outcome of the pipeline's reading
    and mapping of a mutated kit must be records or one-line refusals, whatever the grammar raises."""
    folder = tmp_path_factory.mktemp("kits")

    @FUZZ
    @given(data=mutated(SEEDS[".txt"]))
    def run(data):
        path = folder / "kit.txt"
        path.write_bytes(data)
        refusals = []
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG_SECONDS)
        try:
            for outcome in map_paths([str(path)], generated_at="2026-01-01T00:00:00Z", expand=False):
                refusals += outcome.refusals
                for mapped in outcome.records:
                    mapped.nquads().encode("utf-8")
        except Hang:
            pytest.fail(f"no answer within {HANG_SECONDS} s: {data[:200]!r}")
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        for refusal in refusals:
            assert "\n" not in refusal.reason and str(path) in refusal.reason + refusal.path

    run()
