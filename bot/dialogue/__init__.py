"""The channel-neutral dialogue core: `Dialogue.handle(Inbound) -> list[Outbound]`."""

from bot.dialogue.core import Dialogue
from bot.dialogue.messages import Choice, Inbound, Outbound

__all__ = ["Choice", "Dialogue", "Inbound", "Outbound"]
