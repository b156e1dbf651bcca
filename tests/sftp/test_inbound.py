"""Inbound polling: each settlement file ingested exactly once, even across kill -9."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from adapters.settlements.files import decode_settlement
from bridges.sftp import RemoteFile, SftpBridge
from bridges.sftp_inbound import InboundPoller, Ledger
from emulators.sftp import SftpEmulator
from emulators.sftp.settlement import PARTNERS
from tests.sftp.conftest import settings_for

FOLDERS = ["clearing/outbox", "cardnet/outbox"]
ROOT = Path(__file__).resolve().parents[2]


def expected(emulator: SftpEmulator) -> dict[str, list[str]]:
    """Every published file's detail transaction ids, by ledger key."""
    out = {}
    for partner in PARTNERS:
        for path in sorted((emulator.root / partner.name / "outbox").glob("*.DAT")):
            records, _ = decode_settlement(partner.name, path.read_bytes())
            out[f"{partner.name}/outbox/{path.name}"] = [r.values["STL-TXN-ID"]
                                                         for r in records]
    return out


async def test_poll_ingests_new_files_once_and_emits_events(
        bridge: SftpBridge, emulator: SftpEmulator, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    events: list[dict[str, Any]] = []
    seen: list[str] = []

    def ingest(file: RemoteFile, local: Path, conn: sqlite3.Connection) -> int:
        seen.append(file.path)
        return len(decode_settlement(file.folder.split("/")[0], local.read_bytes())[0])

    poller = InboundPoller(bridge, ledger, FOLDERS, tmp_path / "work", ingest, events.append)
    first = await poller.poll_once()
    assert sorted(first) == sorted(expected(emulator)) and len(first) == 6
    assert await poller.poll_once() == []
    emulator.publish_next()
    second = await poller.poll_once()
    assert len(second) == 2 and not set(second) & set(first)
    assert sorted(seen) == sorted(first + second)
    assert [e["type"] for e in events] == ["batch_file_arrived"] * 8
    assert {e["file_id"] for e in events} == set(first + second)
    counts = expected(emulator)
    assert all(e["records"] == len(counts[e["file_id"]]) for e in events)
    assert not list((tmp_path / "work").iterdir()), "downloads are removed after ingestion"
    ledger.close()


async def test_failed_ingest_leaves_no_trace(bridge: SftpBridge, emulator: SftpEmulator,
                                             tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")

    def broken(file: RemoteFile, local: Path, conn: sqlite3.Connection) -> int:
        conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
        raise RuntimeError("ingest bug")

    poller = InboundPoller(bridge, ledger, FOLDERS[:1], tmp_path / "w", broken, lambda e: None)
    with pytest.raises(RuntimeError):
        await poller.poll_once()
    assert ledger.conn.execute("SELECT count(*) FROM processed_files").fetchone() == (0,)
    assert ledger.conn.execute("SELECT name FROM sqlite_master WHERE name='t'").fetchone() \
        is None
    ledger.close()


def _run_child(config: dict[str, Any], path: Path) -> subprocess.Popen[bytes]:
    path.write_text(json.dumps(config))
    return subprocess.Popen([sys.executable, "-m", "tests.sftp.ingest_child", str(path)],
                            cwd=ROOT, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_kill_9_mid_file_then_restart_ingests_everything_exactly_once(
        emulator: SftpEmulator, tmp_path: Path) -> None:
    files = expected(emulator)
    order = sorted(files, key=lambda k: (FOLDERS.index(k.rsplit("/", 1)[0]), k))
    marker = tmp_path / "frozen"
    config = {"ledger": str(tmp_path / "ledger.db"), "workdir": str(tmp_path / "work"),
              "events": str(tmp_path / "events.jsonl"), "marker": str(marker),
              "folders": FOLDERS, "bridge": settings_for(emulator),
              "pem": emulator.client_key_pem(),
              "freeze_after": len(files[order[0]]) + 3}  # inside the second file
    child = _run_child(config, tmp_path / "config.json")
    deadline = time.monotonic() + 90
    while not marker.exists():
        assert child.poll() is None, child.stderr.read() if child.stderr else ""
        assert time.monotonic() < deadline, "the child never reached the middle of a file"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.stderr is not None
    child.stderr.close()
    with sqlite3.connect(config["ledger"]) as db:
        assert db.execute("SELECT file_key FROM processed_files").fetchall() == [(order[0],)]
        assert Counter(f for f, in db.execute("SELECT file FROM settled")) == {
            order[0]: len(files[order[0]])}  # the half-ingested file left nothing behind

    config["freeze_after"] = -1
    restarted = _run_child(config, tmp_path / "config.json")
    _, err = restarted.communicate(timeout=90)
    assert restarted.returncode == 0, err.decode()
    with sqlite3.connect(config["ledger"]) as db:
        ledger = dict(db.execute("SELECT file_key, records FROM processed_files").fetchall())
        settled = db.execute("SELECT file, txn_id FROM settled").fetchall()
    assert ledger == {k: len(v) for k, v in files.items()}
    assert Counter(settled) == Counter((k, t) for k, ids in files.items() for t in ids)
    assert len(settled) == sum(len(v) for v in files.values())  # nothing lost or doubled
    events = [json.loads(line) for line in Path(config["events"]).read_text().splitlines()]
    assert sorted(e["file_id"] for e in events) == sorted(files)


async def test_checksum_sidecar_mismatch_ingests_nothing(
        bridge: SftpBridge, emulator: SftpEmulator, tmp_path: Path) -> None:
    from bridges.errors import ProtocolError

    outbox = emulator.root / "clearing" / "outbox"
    target = sorted(outbox.glob("*.DAT"))[0]
    (outbox / (target.name + ".sha256")).write_text("0" * 64 + "  " + target.name + "\n")
    ledger = Ledger(tmp_path / "ledger.db")
    poller = InboundPoller(bridge, ledger, FOLDERS[:1], tmp_path / "w",
                           lambda f, p, c: 1, lambda e: None)
    with pytest.raises(ProtocolError, match="sha256"):
        await poller.poll_once()
    assert ledger.conn.execute("SELECT count(*) FROM processed_files").fetchone() == (0,)
    ledger.close()
