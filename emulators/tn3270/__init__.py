"""TN3270 host emulator: the bank's core system on CICS-like screens, over a real wire."""

from emulators.tn3270.app import User
from emulators.tn3270.host import Faults, Tn3270Host

__all__ = ["Faults", "Tn3270Host", "User"]
