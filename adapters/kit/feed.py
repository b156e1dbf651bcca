"""ChangeFeed: a legacy change source polled by the gateway, declared like a Tool.

Class attributes are the declaration (the event's canonical key, the system polled, which
tool's permission lets an agent see the events); one abstract `poll` reads what changed
since a position the gateway keeps, and returns the events and the new position.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from adapters.kit.tool import ToolContext
from canonical import CanonicalModel, registry


@dataclass(frozen=True)
class FeedEvent:
    key: str  # unique per change: the gateway stores an event once, however often it is seen
    data: CanonicalModel


class ChangeFeed(ABC):
    name: ClassVar[str]
    event: ClassVar[str]  # canonical key, e.g. "transaction_changed@1"
    system: ClassVar[str]
    # An agent sees these events only if its policy lets it call this tool.
    visible_with: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if "event" in cls.__dict__:
            registry.model(cls.event)  # fail at import on an unknown schema key

    @abstractmethod
    async def poll(self, position: str | None, ctx: ToolContext) -> (
        tuple[list[FeedEvent], str | None]
    ):
        """Changes after `position` (None: the first poll, start from now) and the new one."""
