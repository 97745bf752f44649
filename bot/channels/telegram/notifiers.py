"""What the outbox worker sends over Telegram: news to a newcomer (an agency's answer, the
follow-up question) the moment it is written, and each referral to an agency's group. The worker
is a thread; the Bot API client lives on an event loop of its own, which it calls into."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import TelegramError

from bot.channels.telegram.agencies import referral_message
from bot.channels.telegram.application import new_bot
from bot.channels.telegram.render import send
from bot.config import Settings
from bot.dialogue.news import News
from bot.knowledge.model import KnowledgeBase
from bot.referrals.outbox import Delivery, DeliveryError

log = logging.getLogger("settlebot.telegram")
TIMEOUT_SECONDS = 60.0


class BotThread:
    """A Bot API client on an event loop in a thread of its own, started at the first call."""

    def __init__(self, settings: Settings):
        self._settings = settings.telegram
        self._started = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.bot = None

    def run(self, call: Callable[[Any], Coroutine]) -> Any:
        """`call(bot)` on the client's loop; raises DeliveryError if Telegram refuses or is unreachable."""
        with self._started:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="telegram-client", daemon=True).start()
                self.bot = new_bot(self._settings)
                asyncio.run_coroutine_threadsafe(self.bot.initialize(), loop).result(TIMEOUT_SECONDS)
                self._loop = loop
        try:
            return asyncio.run_coroutine_threadsafe(call(self.bot), self._loop).result(TIMEOUT_SECONDS)
        except (TelegramError, TimeoutError) as error:
            raise DeliveryError(f"Telegram: {error}") from None


class NewcomerPush:
    """News to a newcomer who wrote over Telegram, in their language, with its buttons."""

    kind = "push:telegram"

    def __init__(self, client: BotThread, news: News):
        self._client = client
        self._news = news

    def deliver(self, delivery: Delivery) -> None:
        push = self._news.for_push(delivery.recipient, delivery.payload)
        if push is None:
            log.info("no one to tell of %s: the contact erased their data", delivery.payload.get("event"))
            return
        for reply in push.replies:
            self._client.run(lambda bot, reply=reply: send(bot, int(push.address), reply))


class AgencyGroup:
    """A referral to the agency's Telegram group, with the buttons to act on it."""

    kind = "telegram"

    def __init__(self, client: BotThread, knowledge: Callable[[], KnowledgeBase], settings: Settings):
        self._client = client
        self._knowledge = knowledge
        self._settings = settings

    def deliver(self, delivery: Delivery) -> None:
        kb = self._knowledge()
        organization = kb.organizations.get(delivery.recipient)
        if organization is None or not organization.telegram_chat:
            raise DeliveryError(f"{delivery.recipient} has no telegram_chat in agencies.yml")
        if delivery.referral is None:
            return
        text, buttons = referral_message(organization, kb, delivery.referral, self._settings.timezone)
        self._client.run(lambda bot: bot.send_message(organization.telegram_chat, text, reply_markup=buttons,
                                                      disable_web_page_preview=True))
