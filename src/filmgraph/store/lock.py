"""Serialise writers ourselves: Oxigraph 0.5 does not detect every write-write conflict, and a
read-only open while another process writes is undefined behaviour. Writers hold an exclusive
lock on the store's lock file, readers a shared one."""

from __future__ import annotations

import fcntl
import os
import time

from filmgraph.errors import StoreError


class StoreLock:
    def __init__(self, path: str, exclusive: bool, timeout: float):
        self.path = path
        self.exclusive = exclusive
        self.timeout = timeout
        self._fd: int | None = None

    def acquire(self) -> None:
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        mode = fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                fcntl.flock(self._fd, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self._fd)
                    self._fd = None
                    who = "another filmgraph process is writing to" if not self.exclusive else "another filmgraph process is using"
                    raise StoreError(f"{who} the store ({self.path}); gave up after {self.timeout:g} s") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
