"""Fault suite, the environment: a full disk, a read-only store, a damaged store, a lock this user
may not take, `--store` at the wrong thing, a store of another version, and a writer that holds the
lock while others wait. Each ends in one line and the right exit code, never a traceback, and
leaves the store as it was (docs/reliability.md)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import RECORDS, run_cli


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    """A small tmpfs at `path` (needs root and a kernel that lets us mount); skips otherwise."""
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_a_full_disk_is_one_line_and_the_store_stays_whole(tmp_path):
    with _tmpfs(tmp_path / "small", "3m") as mount:
        store = mount / "s"
        assert run_cli("ingest", "-q", "--store", str(store), str(RECORDS)).code == 0
        before = run_cli("export", "--store", str(store)).out
        kits = tmp_path / "kits"
        kits.mkdir()
        for i in range(400):
            record = {"title": f"Filler {i}", "year": 2000, "notes": [f"note {i}.{j} " + "x" * 400 for j in range(10)]}
            (kits / f"film-{i:03}.json").write_text(json.dumps(record), encoding="utf-8")
        r = run_cli("ingest", "-q", "--no-validate", "--store", str(store), str(kits), timeout=300)
        assert r.code == 2, r.err
        assert "the disk is full" in _one_line(r.err)
        after = run_cli("export", "--store", str(store))
        assert after.code == 0, after.err
        assert before in after.out or after.out.startswith(before[:100])
        stats = run_cli("stats", "--store", str(store))
        assert stats.code == 0


def test_a_read_only_store_can_be_read_not_written(tmp_path):
    with _tmpfs(tmp_path / "ro", "20m") as mount:
        store = mount / "s"
        assert run_cli("ingest", "-q", "--store", str(store), str(RECORDS)).code == 0
        r = subprocess.run(["mount", "-o", "remount,ro", str(mount)], capture_output=True, text=True)
        if r.returncode:
            pytest.skip(f"cannot remount read-only: {r.stderr.strip()}")
        assert run_cli("stats", "--store", str(store)).code == 0
        assert run_cli("query", "--store", str(store), "--sparql", "ASK { GRAPH ?g { ?s ?p ?o } }").code == 0
        r = run_cli("ingest", "--store", str(store), str(RECORDS))
        assert r.code == 2 and "read-only file system" in _one_line(r.err)


def _as_nobody(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command],
                          capture_output=True, text=True, env={**os.environ, "HOME": "/nonexistent"}, timeout=60)


def test_a_lock_this_user_may_not_take_is_one_line(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv, to run filmgraph as another user")
    if _as_nobody(sys.executable, "-c", "import filmgraph").returncode:
        pytest.skip("another user cannot run this Python")
    shared = Path(tempfile.mkdtemp(prefix="filmgraph-nobody-"))  # pytest's tmp_path is root's alone
    shared.chmod(0o755)
    store = shared / "s"
    try:
        _lock_denied(store)
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _lock_denied(store: Path) -> None:
    assert run_cli("ingest", "-q", "--store", str(store), str(RECORDS)).code == 0
    store.chmod(0o755)
    read = _as_nobody(sys.executable, "-m", "filmgraph", "stats", "--store", str(store))
    assert read.returncode == 0, read.stderr  # reading needs no write access
    write = _as_nobody(sys.executable, "-m", "filmgraph", "ingest", "--store", str(store), str(RECORDS))
    assert write.returncode == 2 and "permission denied" in _one_line(write.stderr)


@pytest.mark.parametrize("damage", ["current", "tables"])
def test_a_damaged_store_is_one_line(store_copy, damage):
    if damage == "current":
        (store_copy / "CURRENT").write_text("garbage\n")
    else:
        for table in store_copy.glob("*.sst"):
            table.write_bytes(b"\x00" * 100)
    for verb in (["stats"], ["ingest", str(RECORDS)], ["export"]):
        r = run_cli(verb[0], "--store", str(store_copy), *verb[1:])
        assert r.code == 2 and "looks damaged" in _one_line(r.err), verb


def test_store_at_a_file_or_someone_elses_folder_is_refused(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    r = run_cli("ingest", "--store", str(a_file), str(RECORDS))
    assert r.code == 2 and "is a file" in _one_line(r.err)
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "letter.txt").write_text("mine")
    r = run_cli("ingest", "--store", str(folder), str(RECORDS))
    assert r.code == 2 and "--init" in _one_line(r.err)
    assert sorted(p.name for p in folder.iterdir()) == ["letter.txt"]  # nothing written among them
    r = run_cli("stats", "--store", str(folder))
    assert r.code == 2 and "not a store" in _one_line(r.err)
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("stats", "--store", str(empty))
    assert r.code == 2 and "folder is empty" in _one_line(r.err)
    r = run_cli("ingest", "-q", "--init", "--store", str(folder), str(RECORDS))
    assert r.code == 0, r.err
    assert (folder / "letter.txt").read_text() == "mine"


def test_a_store_another_writer_is_making_is_a_store_not_someone_elses_folder(tmp_path):
    """Three writers starting on one new folder: the first's half-written versions file must not
    make the others refuse the folder as someone else's (it did, one run in many)."""
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "filmgraph-store.json.tmp").write_text("{")
    r = run_cli("ingest", "-q", "--store", str(folder), str(RECORDS))
    assert r.code == 0, r.err
    assert (folder / "filmgraph-store.json").exists() and not (folder / "filmgraph-store.json.tmp").exists()


def _versions(store: Path) -> dict:
    return json.loads((store / "filmgraph-store.json").read_text())


def test_a_store_records_its_versions_and_a_newer_one_is_refused(store_copy):
    import pyoxigraph

    from filmgraph import __version__

    info = _versions(store_copy)
    assert info == {"store_format": 1, "filmgraph": __version__, "pyoxigraph": pyoxigraph.__version__}
    info["store_format"] = 99
    (store_copy / "filmgraph-store.json").write_text(json.dumps(info))
    for verb in (["stats"], ["ingest", str(RECORDS)]):
        r = run_cli(verb[0], "--store", str(store_copy), *verb[1:])
        assert r.code == 2 and "newer than this filmgraph" in _one_line(r.err)


def test_an_older_store_is_upgraded_only_by_upgrade_after_a_backup(store_copy):
    before = run_cli("export", "--store", str(store_copy)).out
    (store_copy / "filmgraph-store.json").write_text(json.dumps(
        {"store_format": 1, "filmgraph": "0.0.1", "pyoxigraph": "0.4.11"}))
    assert run_cli("stats", "--store", str(store_copy)).code == 0  # reading is fine
    r = run_cli("ingest", "--store", str(store_copy), str(RECORDS))
    assert r.code == 2 and "filmgraph upgrade --store" in _one_line(r.err)
    assert _versions(store_copy)["pyoxigraph"] == "0.4.11"  # not upgraded behind the user's back
    r = run_cli("upgrade", "--store", str(store_copy))
    assert r.code == 0, r.err
    backups = list(store_copy.parent.glob(f"{store_copy.name}.backup-*"))
    assert len(backups) == 1 and (backups[0] / "CURRENT").exists()
    assert json.loads((backups[0] / "filmgraph-store.json").read_text())["pyoxigraph"] == "0.4.11"
    assert _versions(store_copy)["store_format"] == 1 and _versions(store_copy)["pyoxigraph"] != "0.4.11"
    assert run_cli("ingest", "-q", "--store", str(store_copy), str(RECORDS)).code == 0
    assert run_cli("export", "--store", str(store_copy)).out == before
    assert "already" in run_cli("upgrade", "--store", str(store_copy)).out


def test_a_store_made_before_versions_were_recorded_is_older(store_copy):
    (store_copy / "filmgraph-store.json").unlink()
    assert run_cli("stats", "--store", str(store_copy)).code == 0
    r = run_cli("ingest", "--store", str(store_copy), str(RECORDS))
    assert r.code == 2 and "before filmgraph recorded its store format" in r.err
    assert run_cli("upgrade", "--store", str(store_copy)).code == 0
    assert run_cli("ingest", "-q", "--store", str(store_copy), str(RECORDS)).code == 0


HOLD = """
import sys, time
from filmgraph.store import open_store
with open_store(sys.argv[1], write=True):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def held_store(store_copy):
    """The store, with a writer holding its lock for 60 s in another process."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(store_copy), "60"], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    yield store_copy, holder
    holder.kill()
    holder.wait()


def test_a_waiting_reader_says_whom_it_waits_for_and_gives_up(held_store):
    store, holder = held_store
    start = time.monotonic()
    r = run_cli("stats", "--store", str(store), env={"FILMGRAPH_LOCK_TIMEOUT": "3"}, timeout=60)
    assert r.code == 2
    waiting, gave_up = [line for line in r.err.splitlines() if line.strip()]
    assert "waiting for the store" in waiting and f"pid {holder.pid}" in waiting and "giving up in" in waiting
    assert "gave up after 3 s" in gave_up and f"pid {holder.pid}" in gave_up
    assert time.monotonic() - start < 30


def test_query_timeout_covers_the_wait_for_the_lock(held_store):
    store, _ = held_store
    start = time.monotonic()
    r = run_cli("query", "--store", str(store), "--timeout", "2", "--sparql", "ASK { ?s ?p ?o }",
                env={"FILMGRAPH_LOCK_TIMEOUT": "600"}, timeout=120)
    assert r.code == 2 and "gave up after 2 s" in r.err
    assert time.monotonic() - start < 30  # not the 600 s lock timeout


def test_a_worker_never_holds_the_lock(tmp_path):
    """A process forked while the store is open closes the lock at once (store/lock.py)."""
    from filmgraph.store import open_store

    store = tmp_path / "s"
    with open_store(str(store), write=True):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
    try:
        r = run_cli("stats", "--store", str(store), env={"FILMGRAPH_LOCK_TIMEOUT": "2"})
        assert r.code == 0, r.err
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
