"""Core banking on CICS screens over TN3270: the reference screen-scraping adapter."""

from adapters.core_banking.screens import system_config
from adapters.core_banking.tools import TOOLS

__all__ = ["TOOLS", "system_config"]
