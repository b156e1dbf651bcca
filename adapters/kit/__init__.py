"""What an adapter is made of: the Tool base class and one declarative base per protocol."""

from adapters.kit.contract import Contract
from adapters.kit.tool import Tool, ToolContext, ToolOutput

__all__ = ["Contract", "Tool", "ToolContext", "ToolOutput"]
