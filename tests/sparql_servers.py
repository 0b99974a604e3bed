"""Real SPARQL servers for the backend tests: a writable Oxigraph server and Virtuoso Open Source 7.2,
each on 127.0.0.1 at free ports with a throwaway database, started and stopped here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import Server, free_port, start_oxigraph, stop_server, wait_until_up

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt") or shutil.which("isql")
VSP_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")

# Virtuoso's own defaults for the limits filmgraph must work around: kept, so the tests meet them.
_INI = """[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {dirs}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {vsp}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = {row_cap}
MaxSortedTopRows = 10000
MaxQueryExecutionTime = 120
"""


class VirtuosoServer(Server):
    sql_port: int
    folder: Path

    def isql(self, *statements: str) -> str:
        """Run SQL as dba through isql (the fixture's own administration, never filmgraph's)."""
        script = "".join(f"{s};\n" for s in statements)
        proc = subprocess.run([ISQL, str(self.sql_port), "dba", "dba"], input=script, capture_output=True,
                              text=True, timeout=120, check=True)
        return proc.stdout


def start_virtuoso(folder: Path, *, load_dirs: tuple[Path, ...] = (), row_cap: int = 10_000,
                   buffers: int = 20_000) -> VirtuosoServer:
    """A fresh Virtuoso in `folder`; the SPARQL user may update (the test server's only user is local).
    `row_cap` is its ResultSetMaxRows: a low one lets a test meet the cap with a few dozen graphs."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_INI.format(sql_port=sql_port, http_port=http_port, vsp=VSP_ROOT, row_cap=row_cap,
                                                     buffers=buffers, dirty=buffers * 3 // 4,
                                                     dirs=", ".join(str(d) for d in (folder, *load_dirs))))
    log = open(folder / "stdout.log", "wb")
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", "virtuoso.ini"], cwd=folder,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{http_port}"
    wait_until_up(f"{url}/sparql?query=ASK%7B%7D", process, 120,
                  lambda: f"virtuoso: {(folder / 'virtuoso.log').read_text()[-2000:]}")
    server = VirtuosoServer(url, f"{url}/sparql", f"{url}/sparql", f"{url}/sparql-graph-crud", process)
    server.sql_port = sql_port
    server.folder = folder
    server.isql('GRANT SPARQL_UPDATE TO "SPARQL"')
    return server


def start_writable_oxigraph(folder: Path) -> Server:
    return start_oxigraph(folder, read_only=False)


__all__ = ["VIRTUOSO", "VirtuosoServer", "start_virtuoso", "start_writable_oxigraph", "stop_server"]
