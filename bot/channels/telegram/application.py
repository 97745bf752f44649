"""The Telegram application: updates in, replies out. Newcomers are answered only in private
chats; in a group the bot acts only for an agency (channels/telegram/agencies.py).

Updates of different chats are handled at once, each chat's in the order they came. Every update
is handled once: its update_id goes to the dialogue, which records it in the same transaction as
the turn, so a redelivery (Telegram retries webhooks) gets no second reply in any process."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.channels import AsyncDialogue
from bot.channels.telegram.agencies import BUTTON, GROUP_START, group_handlers
from bot.channels.telegram.aiohttp_request import AiohttpRequest
from bot.channels.telegram.render import courtesy, send
from bot.config import TelegramSettings
from bot.dialogue import Dialogue, Inbound
from bot.dialogue.core import COMMANDS
from bot.dialogue.replies import command_descriptions
from bot.languages import DEFAULT, SUPPORTED
from bot.runtime import Runtime

CHANNEL = "telegram"
log = logging.getLogger("settlebot.telegram")
ALLOWED_UPDATES = ["message", "callback_query"]
CONCURRENT_UPDATES = 64
# A 429 from Telegram (its flood limit) is waited out and the message sent again, this many times.
RETRIES_AFTER_FLOOD_LIMIT = 5
CONNECTIONS = 16
UNLIMITED = 2**16
# One private chat: up to this many messages at once, then one a second (Telegram's advice).
CHAT_BURST = 3
KEPT_CHAT_LIMITERS = 1024


class PerChatOrder(BaseUpdateProcessor):
    """Several chats at once, one chat's updates in turn: a person's "1" then "2" are answered in
    that order."""

    def __init__(self, max_concurrent_updates: int):
        # The base class's limit is taken before a chat's lock, so one busy chat waiting on its lock
        # could hold all of it; the limit is kept here instead, inside the lock.
        super().__init__(UNLIMITED)
        self._running = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: Counter[int] = Counter()

    async def do_process_update(self, update: object, coroutine: Awaitable) -> None:
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else 0
        self._users[chat] += 1
        try:
            async with self._locks.setdefault(chat, asyncio.Lock()), self._running:
                await coroutine
        finally:
            self._users[chat] -= 1
            if not self._users[chat]:  # no one else waits for this chat: forget its lock
                del self._users[chat], self._locks[chat]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class TelegramLimits(AIORateLimiter):
    """PTB's limits (`messages_per_second` for the whole bot, 20 a minute in a group) and Telegram's
    advice for one private chat: about a message a second, with a short burst allowed. A 429 is
    waited out and the message sent again. `messages_per_second` 0: no limits at all (a
    self-hosted Bot API server)."""

    def __init__(self, messages_per_second: float):
        super().__init__(overall_max_rate=messages_per_second, max_retries=RETRIES_AFTER_FLOOD_LIMIT,
                         **({} if messages_per_second else {"group_max_rate": 0}))
        self._paced = messages_per_second > 0
        self._chats: dict[int, AsyncLimiter] = {}

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> Any:
        chat = data.get("chat_id")
        if not (self._paced and isinstance(chat, int) and chat > 0):  # not a private chat
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        if len(self._chats) > KEPT_CHAT_LIMITERS:  # forget the chats whose bucket has refilled
            self._chats = {c: limiter for c, limiter in self._chats.items() if not limiter.has_capacity(CHAT_BURST)}
        async with self._chats.setdefault(chat, AsyncLimiter(CHAT_BURST, CHAT_BURST)):
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


def new_bot(settings: TelegramSettings) -> ExtBot:
    """A Bot API client: Telegram's server or another, within Telegram's limits, over aiohttp
    (aiohttp_request.py). Its connection pool is small: a send waits for a free connection."""
    base = settings.api_base
    servers = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"} if base else {}
    return ExtBot(settings.token, **servers, request=AiohttpRequest(CONNECTIONS),
                  rate_limiter=TelegramLimits(settings.messages_per_second))


def build_application(runtime: Runtime, dialogue: Dialogue, *, updater: bool = True) -> Application:
    """`updater`: poll for updates (`settlebot telegram`); without it, the webhook feeds them."""
    settings = runtime.settings.telegram
    builder = (Application.builder().bot(new_bot(settings)).concurrent_updates(PerChatOrder(CONCURRENT_UPDATES))
               .post_init(lambda application: set_command_menus(application.bot)))
    if not updater:
        builder = builder.updater(None)
    application = builder.build()

    turns = AsyncDialogue.of(dialogue)

    async def reply(update: Update, inbound: Inbound) -> None:
        replies = await turns.handle(inbound)
        for number, outbound in enumerate(replies):
            try:
                await send(update.get_bot(), update.effective_chat.id, outbound)
            except TelegramError as error:  # the update is handled: its replies must not be lost
                log.warning("a reply could not be sent (%s); the outbox worker sends it", error)
                await turns.postpone(inbound, replies[number:])
                return

    def inbound(update: Update, **what: object) -> Inbound:
        user = update.effective_user
        return Inbound(CHANNEL, str(update.effective_chat.id), delivery_id=str(update.update_id), reachable=True,
                       language_hint=user.language_code if user else None, **what)

    async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, inbound(update, text=update.effective_message.text))  # commands too: the core reads them

    async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await courtesy(update.callback_query.answer())  # the button stops spinning
        if update.effective_chat and update.effective_chat.type == update.effective_chat.PRIVATE:
            await reply(update, inbound(update, choice=update.callback_query.data))

    async def on_other(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        # A photo or a voice message: the bot reads only text, and the core says what it can do.
        await reply(update, inbound(update))

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("update %s failed: %s", getattr(update, "update_id", "?"), context.error, exc_info=context.error)

    application.add_error_handler(on_error)
    on_agency_button, on_group_start = group_handlers(runtime)
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    application.add_handler(MessageHandler(private & filters.TEXT, on_text))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, on_other))
    application.add_handler(CallbackQueryHandler(on_button, pattern=lambda data: not data.startswith(BUTTON)))
    application.add_handler(CallbackQueryHandler(on_agency_button, pattern=lambda data: data.startswith(BUTTON)))
    application.add_handler(CommandHandler("start", on_group_start, filters=groups))
    return application


async def set_command_menus(bot: ExtBot) -> None:
    """The "/" menu of private chats in every supported language (Telegram picks it by the person's
    app language; Chinese by its script), English for everyone else; in groups, only /start."""
    private = BotCommandScopeAllPrivateChats()
    menus = [(None, DEFAULT), *((language.split("-")[0], language) for language in SUPPORTED if language != "zh-Hant")]
    for code, language in menus:
        descriptions = command_descriptions(language)
        commands = [BotCommand(command.lstrip("/"), descriptions[command]) for command in COMMANDS]
        await bot.set_my_commands(commands, scope=private, language_code=code)
    await bot.set_my_commands([BotCommand("start", GROUP_START)], scope=BotCommandScopeAllGroupChats())
