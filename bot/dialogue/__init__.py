"""The channel-neutral dialogue core: `Dialogue.handle(Inbound) -> list[Outbound]`, and for a
channel that answers each message with one text (SMS), `Dialogue.answer(Inbound, Fit) -> str`."""

from bot.dialogue.core import Dialogue, Fit
from bot.dialogue.messages import Choice, Inbound, Outbound

__all__ = ["Choice", "Dialogue", "Fit", "Inbound", "Outbound"]
