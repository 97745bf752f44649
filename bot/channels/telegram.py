"""The Telegram channel (python-telegram-bot): updates in, the dialogue's replies out as messages
with inline keyboards. Choices carry their stable ids as callback data (64 bytes at most); long
answers are split at paragraph boundaries under Telegram's 4,096 characters. The bot talks to
newcomers only in private chats.

This is polling (`settlebot telegram`), for a pilot on a laptop. TELEGRAM_API_BASE points it at any
Bot API server: a self-hosted one, or a test's fake."""

from __future__ import annotations

import asyncio
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.dialogue import Dialogue, Inbound, Outbound

CHANNEL = "telegram"
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
log = logging.getLogger("settlebot.telegram")


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces under `limit`, cut at paragraph (then line) boundaries where possible."""
    pieces: list[str] = []
    current = ""
    for paragraph in text.split("\n"):
        candidate = f"{current}\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(paragraph) > limit:  # one paragraph longer than a message: cut it
            pieces.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        pieces.append(current)
    return pieces


def keyboard(reply: Outbound) -> InlineKeyboardMarkup | None:
    buttons = [[InlineKeyboardButton(c.label, callback_data=c.id)] for c in reply.choices
               if len(c.id.encode()) <= MAX_CALLBACK_DATA]
    return InlineKeyboardMarkup(buttons) if buttons else None


def build_application(dialogue: Dialogue, token: str, api_base: str | None) -> Application:
    builder = Application.builder().token(token).rate_limiter(AIORateLimiter())
    if api_base:
        builder = builder.base_url(f"{api_base.rstrip('/')}/bot").base_file_url(f"{api_base.rstrip('/')}/file/bot")
    application = builder.build()

    async def reply(update: Update, inbound: Inbound) -> None:
        # The dialogue reads and writes the database: off the event loop.
        replies = await asyncio.to_thread(dialogue.handle, inbound)
        chat = update.effective_chat
        for outbound in replies:
            pieces = split_text(outbound.text)
            for number, piece in enumerate(pieces, 1):
                markup = keyboard(outbound) if number == len(pieces) else None
                await chat.send_message(piece, reply_markup=markup, disable_web_page_preview=True)

    async def on_text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        await reply(update, Inbound(CHANNEL, str(update.effective_chat.id), update.effective_message.text,
                                    delivery_id=str(update.update_id)))

    async def on_button(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        if update.effective_chat is None or update.effective_chat.type != "private":
            return  # groups are for agencies (to come), not newcomers
        await reply(update, Inbound(CHANNEL, str(update.effective_chat.id), choice=query.data,
                                    delivery_id=str(update.update_id)))

    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT, on_text))  # commands too: the core reads them
    application.add_handler(CallbackQueryHandler(on_button))
    return application
