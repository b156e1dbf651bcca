"""The legacy loans portal emulator: a server-rendered web app on loopback (ISO-8859-1)."""

from emulators.web.portal import Faults, PortalState
from emulators.web.server import LoansPortal

__all__ = ["Faults", "LoansPortal", "PortalState"]
