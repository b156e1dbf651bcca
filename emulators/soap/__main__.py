"""Run the SOAP emulator alone: `python -m emulators.soap` prints its endpoints and password."""

from __future__ import annotations

import contextlib
import threading

from emulators.soap import SoapEmulator


def main() -> None:
    with SoapEmulator() as emulator:
        for path in emulator.routes:
            print(f"{path:<20} {emulator.url(path)}  (WSDL: {emulator.url(path)}?wsdl)")
        print(f"ticketing WS-Security user {emulator.ticketing_user!r} "
              f"password {emulator.ticketing_password!r}")
        print("Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
