"""Run the loans portal alone: `python -m emulators.web [--port N]` (Ctrl-C stops it)."""

from __future__ import annotations

import argparse
import contextlib
import threading

from emulators.web.server import LoansPortal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    args = parser.parse_args()
    with LoansPortal(port=args.port) as portal:
        print(f"loans portal on {portal.url}  user loanofficer  password {portal.password}",
              flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
