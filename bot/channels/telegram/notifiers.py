"""What the outbox worker sends over Telegram: news to a newcomer (an agency's answer, the
follow-up question) the moment it is written, and each referral to an agency's group. The worker
is a thread; the Bot API client lives on an event loop of its own, which it calls into."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError
from telegram.ext import ExtBot

from bot.channels.telegram.agencies import GroupText, referral_message
from bot.channels.telegram.application import new_bot
from bot.channels.telegram.render import send
from bot.config import Settings
from bot.dialogue.news import News, Push
from bot.knowledge.model import KnowledgeBase
from bot.referrals.outbox import Delivery, DeliveryError, Unreachable

TIMEOUT_SECONDS = 90.0


class BotThread:
    """A Bot API client on an event loop in a thread of its own; it checks the token (getMe) at
    the first call, and again after a failure."""

    def __init__(self, settings: Settings):
        self._settings = settings.telegram
        self._token = settings.telegram.token or ""
        self._loop: asyncio.AbstractEventLoop | None = None  # started at the first call: most workers never push
        self._bot: ExtBot | None = None
        self._ready = False

    def run(self, call: Callable[[ExtBot], Coroutine]) -> Any:
        """`call(bot)` on the client's loop; raises DeliveryError (Unreachable for a chat that is gone).
        Called from the outbox worker's one thread."""
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="telegram-client", daemon=True).start()
            self._bot = new_bot(self._settings)
        if not self._ready:
            self._wait(self._bot.initialize())
            self._ready = True
        return self._wait(call(self._bot))

    def close(self) -> None:
        if self._ready:
            self._wait(self._bot.shutdown())
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _wait(self, coroutine: Coroutine) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            # Less than the outbox's lease (2 minutes by default), so that no other worker takes it meanwhile.
            return future.result(TIMEOUT_SECONDS)
        except TimeoutError:
            future.cancel()
            raise DeliveryError(f"no answer from the Telegram Bot API within {TIMEOUT_SECONDS:.0f} s") from None
        except (Forbidden, ChatMigrated) as error:
            raise Unreachable(f"Telegram: {type(error).__name__}: {error}") from None
        except BadRequest as error:
            if "chat not found" in str(error).lower():
                raise Unreachable(f"Telegram: {error}") from None
            raise DeliveryError(f"Telegram: {error}") from None
        except TelegramError as error:  # an invalid token's message holds the token: never into logs
            raise DeliveryError(f"Telegram: {type(error).__name__}: "
                                f"{str(error).replace(self._token, '<token>')}") from None


class NewcomerPush:
    """News to a newcomer who wrote over Telegram, in their language, with its buttons."""

    kind = "push:telegram"

    def __init__(self, client: BotThread, news: News):
        self._client = client
        self._news = news

    def deliver(self, delivery: Delivery) -> None:
        self._news.deliver(delivery.recipient, delivery.payload, "Telegram", self._send)

    def _send(self, push: Push) -> str:
        for reply in push.replies:
            self._client.run(lambda bot, reply=reply: send(bot, int(push.address), reply))
        return ""  # a long reply is split into messages, never cut


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
        if delivery.referral is None:  # `settlebot agencies test-notify`: say what the group is for
            text, buttons = GroupText(organization, kb).linked(), None
        else:
            text, buttons = referral_message(organization, kb, delivery.referral, self._settings.timezone)
        self._client.run(lambda bot: bot.send_message(organization.telegram_chat, text, reply_markup=buttons,
                                                      disable_web_page_preview=True))
