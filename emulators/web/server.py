"""LoansPortal: the portal under uvicorn on 127.0.0.1, in a thread; a context manager."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from emulators.web.app import create_app
from emulators.web.portal import Faults, PortalState


class LoansPortal:
    """Start with `with LoansPortal() as portal:`; `portal.url`, `portal.password`,
    `portal.faults` and `portal.state` are what tests and the demo need."""

    def __init__(self, state: PortalState | None = None, port: int = 0) -> None:
        self.state = state or PortalState()
        self.port = port
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def password(self) -> str:
        return self.state.password

    @property
    def faults(self) -> Faults:
        return self.state.faults

    def start(self) -> None:
        # IPPROTO_TCP explicitly: uvicorn then sets TCP_NODELAY (no 40 ms keep-alive stalls).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        server = uvicorn.Server(uvicorn.Config(create_app(self.state), log_level="warning",
                                               access_log=False))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                                  name=f"loans-portal-{self.port}")
        thread.start()
        deadline = time.monotonic() + 15
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("loans portal did not start")
            time.sleep(0.01)
        self._server, self._thread, self._sock = server, thread, sock

    def stop(self) -> None:
        """Stop serving; the port is closed, clients get 'connection refused'."""
        if self._server is None:
            return
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> LoansPortal:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
