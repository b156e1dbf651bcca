"""Settlement batch files over SFTP: the partners' nightly files and outbound payments."""

from adapters.settlements.tools import TOOLS

__all__ = ["TOOLS"]
