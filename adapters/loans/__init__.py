"""The loans portal adapter: a legacy web app with no API, driven through headless Chromium."""

from adapters.loans.tools import TOOLS

__all__ = ["TOOLS"]
