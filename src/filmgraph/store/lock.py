"""Serialise writers ourselves: Oxigraph 0.5 does not detect every write-write conflict, and a
read-only open while another process writes is undefined behaviour. Writers hold an exclusive
lock on the store's lock file, readers a shared one.

The lock is the process's alone: a forked child (an ingest worker) closes its copy of the lock's
descriptor at once (`os.register_at_fork`), so a worker outliving its parent never holds the store.
A writer records its pid and command in the lock file, so that a process waiting for it can say
whom it waits for, and for how long.
"""

from __future__ import annotations

import errno
import fcntl
import os
import sys
import time
from collections.abc import Callable

from filmgraph.errors import StoreError

# Lock descriptors held by this process, closed in every forked child.
_HELD: set[int] = set()


def _close_in_child() -> None:
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _say(message: str) -> None:
    print(f"filmgraph: {message}", file=sys.stderr, flush=True)


class StoreLock:
    """`acquire` waits up to `timeout` seconds; after `notice_after` seconds of waiting it says so,
    once, through `notify` (by default a line on standard error)."""

    def __init__(self, path: str, exclusive: bool, timeout: float,
                 notify: Callable[[str], None] | None = _say, notice_after: float = 1.0):
        self.path = path
        self.exclusive = exclusive
        self.timeout = timeout
        self.notify = notify
        self.notice_after = notice_after
        self.waited = 0.0
        self._fd: int | None = None

    def _open(self) -> int | None:
        """The lock file's descriptor; None on a read-only file system, where no writer can be."""
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as e:
            if not self.exclusive and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                try:
                    return os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
                except FileNotFoundError:
                    if e.errno == errno.EROFS:
                        return None
                except OSError:
                    pass
            if e.errno == errno.EROFS:
                raise StoreError(f"the store at {os.path.dirname(self.path)} is on a read-only file system; "
                                 "it can be read, not written") from None
            if e.errno in (errno.EACCES, errno.EPERM):
                raise StoreError(f"cannot take the store's lock {self.path}: permission denied (this user "
                                 f"may not {'write' if self.exclusive else 'read'} the store)") from None
            raise StoreError(f"cannot take the store's lock {self.path}: {e.strerror}") from None

    def acquire(self) -> None:
        fd = self._open()
        if fd is None:
            return
        mode = fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH
        start = time.monotonic()
        deadline = start + self.timeout
        delay = 0.01
        told = False
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                if now >= deadline:
                    os.close(fd)
                    self.waited = now - start
                    raise StoreError(f"gave up after {self.timeout:g} s waiting for the store at "
                                     f"{os.path.dirname(self.path)}, in use by {self.holder()} (raise the wait "
                                     "with FILMGRAPH_LOCK_TIMEOUT, or --timeout for a query)") from None
                if not told and self.notify and now - start >= self.notice_after:
                    told = True
                    self.notify(f"waiting for the store at {os.path.dirname(self.path)}, in use by "
                                f"{self.holder()}; giving up in {deadline - now:.0f} s")
                time.sleep(min(delay, max(deadline - now, 0.001)))
                delay = min(delay * 2, 0.25)
        self.waited = time.monotonic() - start
        self._fd = fd
        _HELD.add(fd)
        if self.exclusive:
            self._record()

    def _record(self) -> None:
        """Write who holds the lock: pid, then the command line, for processes that wait for it."""
        try:
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{os.getpid()}\n{' '.join(sys.argv)}\n".encode("utf-8", "replace"), 0)
        except OSError:
            pass

    def holder(self) -> str:
        """Who holds the lock, as far as the lock file says: `pid 1234 (filmgraph ingest records/)`."""
        try:
            with open(self.path, encoding="utf-8", errors="replace") as f:
                pid_text, _, command = f.read(4096).partition("\n")
            pid = int(pid_text)
            os.kill(pid, 0)
        except PermissionError:
            pass  # alive, another user's
        except (OSError, ValueError):
            return "another process reading it"
        command = command.strip()
        return f"pid {pid}" + (f" ({command})" if command else "")

    def release(self) -> None:
        if self._fd is not None:
            _HELD.discard(self._fd)
            try:
                if self.exclusive:
                    os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            except OSError:
                pass
            finally:
                os.close(self._fd)
                self._fd = None
