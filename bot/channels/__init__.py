"""Channels: each turns its wire format into the dialogue's Inbound and renders its Outbound.

A channel that platforms call over HTTP (a webhook) is a `WebChannel`: built from the runtime and
the dialogue, its routes join `settlebot serve`'s app, and it may hold something open while the
app runs (a client session)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from functools import cache
from typing import TYPE_CHECKING, Protocol

from starlette.routing import Route

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.dialogue import Dialogue, Fit, Inbound, Outbound
    from bot.runtime import Runtime


class AsyncDialogue:
    """The dialogue for a channel on an event loop: each turn runs in a thread (it reads and
    writes the database), as many at once as the database writes at once. `of` gives the one of
    a dialogue, so that channels in one process (Telegram and SMS in `serve`) share its threads."""

    @staticmethod
    @cache
    def of(dialogue: Dialogue) -> AsyncDialogue:
        return AsyncDialogue(dialogue)

    def __init__(self, dialogue: Dialogue):
        self._dialogue = dialogue
        self._threads = ThreadPoolExecutor(dialogue.writers, thread_name_prefix="dialogue")

    async def handle(self, inbound: Inbound) -> list[Outbound]:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._dialogue.handle, inbound)

    async def answer(self, inbound: Inbound, fit: Fit) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._dialogue.answer, inbound, fit)

    async def postpone(self, inbound: Inbound, replies: list[Outbound]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._threads, self._dialogue.postpone, inbound, replies)


class WebChannel(Protocol):
    name: str

    def __init__(self, runtime: Runtime, dialogue: Dialogue) -> None: ...

    @staticmethod
    def configured(settings: Settings) -> bool:
        """Whether this deployment has set the channel up (its secrets are in the environment)."""

    def routes(self) -> list[Route]: ...

    def running(self) -> AbstractAsyncContextManager[None]:
        """Entered when the app starts, left when it stops."""


def web_channels(settings: Settings) -> list[type[WebChannel]]:
    """The web channels this deployment has set up."""
    from bot.channels.sms.generic import GenericGateway
    from bot.channels.sms.twilio import TwilioWebhook
    from bot.channels.telegram.webhook import TelegramWebhook

    return [channel for channel in (TelegramWebhook, TwilioWebhook, GenericGateway) if channel.configured(settings)]
