"""The bank database in a throwaway PostgreSQL server on loopback (psqlODBC in tests)."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from emulators.bankdb.base import BankDatabase
from emulators.bankdb.rows import TABLES, schema_sql, table_rows
from emulators.dataset import BankDataset


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found[-1]


def _copy_value(value: object) -> str:
    if value is None:
        return r"\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class PostgresBankDb(BankDatabase):
    """initdb + postgres as the `postgres` user (PostgreSQL refuses root), trust auth."""

    user = "postgres"
    database = "bank"

    def __init__(self, workdir: Path | None = None, port: int | None = None) -> None:
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="mainbridge-pg-"))
        self.port = port or _free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._as_postgres: dict[str, Any] = {}
        if os.geteuid() == 0:
            self._as_postgres = {"user": "postgres", "group": "postgres"}

    @property
    def datadir(self) -> Path:
        return self.workdir / "data"

    def start(self) -> None:
        fresh = not self.datadir.exists()
        if fresh:
            if self._as_postgres:
                shutil.chown(self.workdir, "postgres", "postgres")
            subprocess.run([_pg_bin("initdb"), "-D", str(self.datadir), "-A", "trust", "-U",
                            self.user, "--no-sync", "-E", "UTF8"], check=True,
                           capture_output=True, **self._as_postgres)
        self._proc = subprocess.Popen(
            [_pg_bin("postgres"), "-D", str(self.datadir), "-h", "127.0.0.1",
             "-p", str(self.port), "-k", str(self.workdir), "-c", "fsync=off",
             "-c", "full_page_writes=off", "-c", "synchronous_commit=off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **self._as_postgres)
        self._wait_ready()
        if fresh:
            self._psql("postgres", f"CREATE DATABASE {self.database};")
            self._load()

    def _wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = subprocess.run([_pg_bin("pg_isready"), "-h", "127.0.0.1", "-p",
                                    str(self.port)], capture_output=True, check=False)
            if probe.returncode == 0:
                return
            if self._proc and self._proc.poll() is not None:
                raise RuntimeError("postgres exited during start-up")
            time.sleep(0.05)
        raise RuntimeError(f"postgres not ready on port {self.port} after {timeout}s")

    def _psql(self, database: str, script: str) -> None:
        subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        self.user, "-d", database, "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"],
                       input=script.encode("utf-8"), check=True, capture_output=True)

    def _load(self) -> None:
        data = BankDataset()
        parts = [schema_sql()]
        for name, spec in TABLES.items():
            parts.append(f"COPY {name} ({', '.join(spec.columns)}) FROM STDIN;")
            parts.extend("\t".join(_copy_value(v) for v in row)
                         for row in table_rows(name, data, pad_char=False))
            parts.append("\\.")
        self._psql(self.database, "\n".join(parts) + "\n")

    def stop(self) -> None:
        """Fast shutdown: open client connections are cut, new ones are refused."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def destroy(self) -> None:
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __exit__(self, *exc: object) -> None:
        self.destroy()

    def connection(self) -> dict[str, Any]:
        return {"driver": "PostgreSQL Unicode", "database": self.database,
                "server": "127.0.0.1", "port": self.port, "user": self.user}

    def set_slow_statements(self, seconds: float) -> None:
        script = ("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_views WHERE viewname = 'txnhist') "
                  "THEN DROP VIEW TXNHIST; ALTER TABLE TXNHIST_DATA RENAME TO TXNHIST; "
                  "END IF; END $$;")
        if seconds > 0:
            script += ("ALTER TABLE TXNHIST RENAME TO TXNHIST_DATA; CREATE VIEW TXNHIST AS "
                       "SELECT * FROM TXNHIST_DATA WHERE "
                       f"(SELECT count(*) FROM pg_sleep({float(seconds)})) = 1;")
        self._psql(self.database, script)

    def execute_script(self, sql: str) -> None:
        self._psql(self.database, sql)
