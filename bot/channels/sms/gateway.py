"""What every SMS gateway shares (Twilio's webhook, the generic one): a message in, the one SMS
that answers it out, cut to fit with the rest kept for MORE."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from functools import partial

from bot.channels import AsyncDialogue
from bot.channels.sms.render import fit
from bot.dialogue import Dialogue, Inbound
from bot.runtime import Runtime

CHANNEL = "sms"
MAX_BODY = 1600  # the most a provider delivers in one message (Twilio's Body)


class SMSGateway:
    def __init__(self, runtime: Runtime, dialogue: Dialogue):
        self.settings = runtime.settings
        self._turns = AsyncDialogue.of(dialogue)
        self._fit = partial(fit, max_segments=runtime.settings.sms.max_segments)

    def running(self) -> AbstractAsyncContextManager[None]:
        return nullcontext()  # nothing to hold open

    async def answer(self, message_id: str, sender: str, recipient: str | None, text: str, *,
                     reachable: bool) -> str:
        """The SMS that answers it ("" for none: after STOP). A message id seen before gets the
        answer it got then, with no second turn. `reachable`: news can be pushed to `sender` from
        `recipient` through this gateway."""
        inbound = Inbound(CHANNEL, sender, text[:MAX_BODY], brief=True, delivery_id=message_id,
                          reachable=reachable, recipient=recipient)
        return await self._turns.answer(inbound, self._fit)
