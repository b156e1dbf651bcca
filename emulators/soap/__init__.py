"""SOAP emulator: the bank's CRM (two WSDL versions), ticketing and sanctions screening."""

from emulators.soap.http import Faults
from emulators.soap.server import SoapEmulator

__all__ = ["Faults", "SoapEmulator"]
