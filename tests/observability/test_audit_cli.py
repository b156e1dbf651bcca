"""`mainbridge audit verify` finds edited, deleted, reordered and truncated records."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emulators.bankdb import SqliteBankDb
from gateway.audit import chain_hash
from gateway.cli import app
from tests.conftest import odbc_system
from tests.observability.conftest import call
from tests.support.servers import serve_gateway

RECORDS = 6
Tamper = Callable[[sqlite3.Connection], None]


@pytest.fixture(scope="module")
def written_log(tmp_path_factory: pytest.TempPathFactory, sqlite_bank: SqliteBankDb,
                roles: dict[str, list[str]]) -> Path:
    """A log a real gateway wrote (allowed and denied calls), the gateway stopped."""
    state = tmp_path_factory.mktemp("audited")
    with serve_gateway(odbc_system(sqlite_bank), roles, state_dir=state) as gateway:
        for i in range(RECORDS):
            call(gateway, "get_recent_transactions", {"account_id": "1000000001", "limit": i + 1},
                 role="sales" if i % 3 == 0 else "support")  # records 0 and 3 are denials
    return state / "audit.sqlite3"


def verify(db: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify", "--db", str(db)])
    return result.exit_code, result.output


def unlock(db: sqlite3.Connection) -> None:
    """What a tamperer does first: the triggers refuse UPDATE and DELETE."""
    db.execute("DROP TRIGGER records_no_update")
    db.execute("DROP TRIGGER records_no_delete")


def edit(db: sqlite3.Connection) -> None:
    db.execute("""UPDATE records SET record = replace(record, '"status":200', '"status":404')
                  WHERE seq = 2""")


def edit_and_rehash(db: sqlite3.Connection) -> None:
    """A smarter edit recomputes the record's own hash: the next record no longer follows."""
    text, prev = db.execute("SELECT record, prev_hash FROM records WHERE seq = 2").fetchone()
    text = text.replace('"limit":3', '"limit":300')
    db.execute("UPDATE records SET record = ?, hash = ? WHERE seq = 2",
               (text, chain_hash(prev, text)))


def delete(db: sqlite3.Connection) -> None:
    db.execute("DELETE FROM records WHERE seq = 2")


def reorder(db: sqlite3.Connection) -> None:
    rows = {seq: row for seq, *row in db.execute(
        "SELECT seq, record, prev_hash, hash FROM records WHERE seq IN (1, 4)")}
    for seq, other in ((1, 4), (4, 1)):
        db.execute("UPDATE records SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                   (*rows[other], seq))


def truncate(db: sqlite3.Connection) -> None:
    db.execute(f"DELETE FROM records WHERE seq = {RECORDS - 1}")


def relabel(db: sqlite3.Connection) -> None:
    """The indexed columns the trail is queried by must agree with the hashed record."""
    db.execute("UPDATE records SET agent = 'compliance' WHERE seq = 1")


@pytest.mark.parametrize(("tamper", "first_bad", "problem"), [
    (edit, 2, "was changed"),
    (edit_and_rehash, 3, "does not follow record 2"),
    (delete, 2, "record 2 is missing"),
    (reorder, 1, "does not follow record 0"),
    (truncate, RECORDS - 1, "removed from the end"),
    (relabel, 1, "index columns disagree"),
], ids=lambda v: getattr(v, "__name__", None))
def test_tampering_is_detected_at_the_first_bad_record(
        written_log: Path, tmp_path: Path, tamper: Tamper, first_bad: int, problem: str) -> None:
    copy = tmp_path / "audit.sqlite3"
    shutil.copy(written_log, copy)
    assert verify(copy) == (0, f"audit log intact: {RECORDS} records ({copy})\n")
    with sqlite3.connect(copy) as db:
        unlock(db)
        tamper(db)
    code, output = verify(copy)
    assert code == 1
    assert f"TAMPERED at record {first_bad}:" in output and problem in output, output


def test_the_log_refuses_updates_and_deletes_through_sqlite(written_log: Path,
                                                            tmp_path: Path) -> None:
    copy = tmp_path / "audit.sqlite3"
    shutil.copy(written_log, copy)
    with sqlite3.connect(copy) as db:
        for statement in ("UPDATE records SET agent = 'x'", "DELETE FROM records"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
    assert verify(copy)[0] == 0


def test_default_store_is_the_configured_state_dir(written_log: Path, tmp_path: Path) -> None:
    """The real command, reading MAINBRIDGE_STATE_DIR as `serve` does."""
    env = {**os.environ, "MAINBRIDGE_STATE_DIR": str(written_log.parent)}
    cli = [str(Path(sys.executable).parent / "mainbridge"), "audit", "verify"]
    done = subprocess.run(cli, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{RECORDS} records ({written_log})" in done.stdout
    missing = CliRunner().invoke(app, ["audit", "verify"],
                                 env={"MAINBRIDGE_STATE_DIR": str(tmp_path / "empty")})
    assert missing.exit_code == 2 and "no audit log" in missing.output
