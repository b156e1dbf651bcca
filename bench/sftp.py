"""SFTP bench: the bridge's download (paramiko, size + sha256 verified) beside OpenSSH's
`sftp -b` client, same file, same throwaway sshd on loopback, alternating; goal >= 0.9x.

The ratio compares like with like: a cold bridge (new connection, handshake and key auth, as
`sftp -b` does each time). The pooled figure (the bridge's normal case) is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paramiko

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridges.secrets import MemorySecretStore
from bridges.sftp import Download, SftpBridge
from emulators.sftp.openssh import OpenSshServer


def openssh_get(server: OpenSshServer, key_file: Path, known_hosts: Path, target: Path) -> None:
    batch = target.with_suffix(".batch")
    batch.write_text(f"get data/big.bin {target}\n")
    subprocess.run(["sftp", "-q", "-b", str(batch), "-i", str(key_file), "-P", str(server.port),
                    "-o", f"UserKnownHostsFile={known_hosts}", "-o", "StrictHostKeyChecking=yes",
                    "-o", "BatchMode=yes", f"{server.username}@127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller file, fewer rounds")
    args = parser.parse_args()
    size_mb, rounds = (32, 3) if args.quick else (50, 5)
    with tempfile.TemporaryDirectory(prefix="mainbridge-bench-") as tmp:
        root = Path(tmp)
        (root / "served" / "data").mkdir(parents=True)
        (root / "served" / "data" / "big.bin").write_bytes(os.urandom(size_mb << 20))
        key = paramiko.ECDSAKey.generate()
        key_file = root / "id_ecdsa"
        key.write_private_key_file(str(key_file))
        pem = io.StringIO()
        key.write_private_key(pem)
        with OpenSshServer(root / "served", key) as server:
            known_hosts = root / "known_hosts"
            known_hosts.write_text(server.known_hosts_line() + "\n")
            settings = {"host": "127.0.0.1", "port": server.port, "username": server.username,
                        "host_key": server.known_hosts_line(), "private_key_secret": "k",
                        "timeout_s": 60}
            secrets = MemorySecretStore({"k": pem.getvalue()})
            bridge = SftpBridge.from_config("bench", settings, secrets)  # stays connected
            loop = asyncio.new_event_loop()
            ours, pooled, theirs = [], [], []
            for i in range(rounds + 1):  # round 0 warms both up and is not counted
                target = root / f"ours-{i}.bin"
                start = time.perf_counter()
                cold = SftpBridge.from_config("bench", settings, secrets)
                loop.run_until_complete(cold.exchange(Download("data", "big.bin", target)))
                elapsed = time.perf_counter() - start
                loop.run_until_complete(cold.close())
                target.unlink()
                start = time.perf_counter()
                loop.run_until_complete(bridge.exchange(Download("data", "big.bin", target)))
                pooled.append(size_mb / (time.perf_counter() - start))
                target.unlink()
                target = root / f"theirs-{i}.bin"
                start = time.perf_counter()
                openssh_get(server, key_file, known_hosts, target)
                elapsed_theirs = time.perf_counter() - start
                target.unlink()
                if i:
                    ours.append(size_mb / elapsed)
                    theirs.append(size_mb / elapsed_theirs)
            loop.run_until_complete(bridge.close())
            loop.close()
    mine, other = statistics.median(ours), statistics.median(theirs)
    warm = statistics.median(pooled[1:])
    print(f"{'client':<44}{'MB/s (median of ' + str(rounds) + ')':>24}")
    print(f"{'mainbridge SftpBridge, new connection':<44}{mine:>24.1f}")
    print(f"{'mainbridge SftpBridge, pooled connection':<44}{warm:>24.1f}")
    print(f"{'OpenSSH sftp -b (new connection)':<44}{other:>24.1f}")
    print(f"ratio: {mine / other:.2f}x   ({size_mb} MiB file, loopback, real sshd)")
    results = {"bridge_mb_s": round(mine, 1), "bridge_pooled_mb_s": round(warm, 1),
               "openssh_mb_s": round(other, 1),
               "ratio": round(mine / other, 2)}
    goals = {"ratio": {"target": 0.9, "met": mine / other >= 0.9}}
    print(json.dumps({"bench": "sftp", "results": results, "goals": goals}))


if __name__ == "__main__":
    main()
