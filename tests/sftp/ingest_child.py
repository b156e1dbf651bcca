"""A poller process for the crash test: ingests settlement files, optionally freezing mid-file.

Usage: python -m tests.sftp.ingest_child CONFIG.json — the test kills it with SIGKILL while it
is frozen, then runs it again to completion.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from adapters.settlements.files import decode_settlement
from bridges.secrets import MemorySecretStore
from bridges.sftp import RemoteFile, SftpBridge
from bridges.sftp_inbound import InboundPoller, Ledger


def main(config: dict[str, Any]) -> None:
    ledger = Ledger(Path(config["ledger"]))
    ledger.conn.execute("CREATE TABLE IF NOT EXISTS settled (file TEXT, txn_id TEXT)")
    ingested = 0

    def ingest(file: RemoteFile, local: Path, conn: sqlite3.Connection) -> int:
        nonlocal ingested
        records, _ = decode_settlement(file.folder.split("/")[0], local.read_bytes())
        for record in records:
            conn.execute("INSERT INTO settled VALUES (?, ?)",
                         (file.path, record.values["STL-TXN-ID"]))
            ingested += 1
            if ingested == config["freeze_after"]:
                Path(config["marker"]).touch()
                time.sleep(3600)  # frozen mid-file, inside the open transaction
        return len(records)

    def on_event(event: dict[str, Any]) -> None:
        with open(config["events"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")

    bridge = SftpBridge.from_config("settlements", config["bridge"],
                                    MemorySecretStore({"settlements.private_key": config["pem"]}))
    poller = InboundPoller(bridge, ledger, config["folders"], Path(config["workdir"]), ingest,
                           on_event)

    async def run() -> None:
        await poller.poll_once()
        await bridge.close()

    asyncio.run(run())


if __name__ == "__main__":
    main(json.loads(Path(sys.argv[1]).read_text()))
