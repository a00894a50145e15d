"""The centre benchmark's database server and first run (see ``centre.py``): a throwaway PostgreSQL server
started as ``.ci/run`` starts one, and a new database holding the catalogue, the bank, a sitting and its
candidates."""

from __future__ import annotations

import glob
import os
import re
import shlex
import socket
import subprocess
import time
from pathlib import Path

INVIGILATOR = "Bench Invigilator"


class ThrowawayServer:
    """A PostgreSQL server in a temporary folder, on a free loopback port, as .ci/run starts one."""

    def __init__(self, folder: Path, max_connections: int) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                       key=lambda path: [int(x) for x in re.findall(r"\d+", path.split("/")[-2])])
        if not found:
            raise LookupError("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin; apt-get install postgresql)")
        self.bin, self.folder, self.data = found[-1], folder, folder / "data"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # recovery_init_sync_method=syncfs: after a crash, one syncfs of the file system instead of an fsync
        # of every file in the data folder (seconds, with a loaded bank) before recovery starts.
        self.options = (f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 "
                        f"-c max_connections={max_connections} -c fsync=on -c synchronous_commit=on "
                        f"-c recovery_init_sync_method=syncfs")
        self.url = f"postgresql+psycopg://tutor@127.0.0.1:{self.port}/postgres"
        self.version = ""

    def _run(self, command: str) -> None:
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = f"su postgres -s /bin/sh -c {shlex.quote(command)}"
        result = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=300)
        if result.returncode:
            raise RuntimeError(f"{command}: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> None:
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", str(self.folder)], check=True)
        self.data.mkdir()
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", str(self.data)], check=True)
        self._run(f"{self.bin}/initdb -D {self.data} -U tutor --auth=trust -E UTF8 >/dev/null")
        self._run(f"{self.bin}/pg_ctl -D {self.data} -w -l {self.folder}/server.log -o '{self.options}' start")
        self.version = subprocess.run([f"{self.bin}/postgres", "--version"], capture_output=True,
                                      text=True).stdout.split()[2]

    def restart(self, mode: str) -> None:
        self._run(f"{self.bin}/pg_ctl -D {self.data} -w -m {mode} -l {self.folder}/server.log "
                  f"-o '{self.options}' restart")

    def stop(self) -> None:
        try:
            self._run(f"{self.bin}/pg_ctl -D {self.data} -m immediate stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass


def prepare(server_url: str, bank: str, candidates: int) -> tuple[str, int, str, str, float]:
    """A new database with the catalogue and bank, one sitting and its candidates; returns its URL, the sitting,
    the start code, the invigilator code and the seconds the first run took."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tutor.clock import SystemClock
    from tutor.paths import bank_dir, templates_dir
    from tutor.services.catalogue import CatalogueService
    from tutor.services.sittings import SittingService
    from tutor.storage.engine import open_database

    name = f"centre_bench_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    started = time.perf_counter()
    engine = open_database(url)
    catalogue = CatalogueService(engine, SystemClock().now)
    if bank == "full":  # what a centre's first run loads
        from tutor.services.bundled import import_bundled

        import_bundled(catalogue, bank_dir(), templates=templates_dir())
    else:  # only what the test needs: the City & Guilds document and the 2794-210 items
        from tutor.bank.model import load_item_file
        from tutor.importer import parse_path
        from tutor.services.bank import load_items

        spec = next((bank_dir() / "specifications").glob("cityguilds-*.txt"))
        catalogue.import_reading(parse_path(spec, bank_dir() / "errata"), spec.name)
        load_items(engine, load_item_file(bank_dir() / "items" / "2794-210.yaml"), SystemClock().now)
    loaded = time.perf_counter() - started
    service = SittingService(engine, SystemClock().now)
    sitting_id, start_code, invigilator_code = service.create_sitting(service.test_definition("2794-210"),
                                                                      INVIGILATOR)
    for n in range(1, candidates + 1):
        service.register_candidate(sitting_id, f"C{n:04d}", f"Candidate {n}", INVIGILATOR)
    engine.dispose()
    try:  # the recovery after the crash replays the run's WAL only, not the first run's
        with admin.connect() as connection:
            connection.exec_driver_sql("CHECKPOINT")
    except Exception:
        pass
    admin.dispose()
    return url, sitting_id, start_code, invigilator_code, loaded
