"""Run the TN3270 host alone: prints {"port", "password"} as one JSON line, stops on EOF."""

from __future__ import annotations

import argparse
import json
import sys

from emulators.tn3270.host import Tn3270Host


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codepage", default="cp037", choices=["cp037", "cp1047"])
    args = parser.parse_args()
    with Tn3270Host(codepage=args.codepage) as host:
        print(json.dumps({"port": host.port, "password": host.password}), flush=True)
        sys.stdin.read()  # until the parent closes our stdin (or exits)


if __name__ == "__main__":
    main()
