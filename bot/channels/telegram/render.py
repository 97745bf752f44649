"""The dialogue's replies as Telegram messages: inline keyboards whose callback data is the
choice's stable id (64 bytes at most), and long answers cut at paragraph boundaries under
Telegram's 4,096 characters. Links stay plain text, which Telegram shows as links."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.dialogue import Outbound

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


def keyboard(buttons: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    """One button per row, from (label, callback data) pairs."""
    rows = [[InlineKeyboardButton(label, callback_data=data)] for label, data in buttons
            if len(data.encode()) <= MAX_CALLBACK_DATA]
    return InlineKeyboardMarkup(rows) if rows else None


async def send(bot: Bot, chat_id: int, reply: Outbound) -> None:
    """One reply, in as many messages as it takes; its buttons under the last."""
    pieces = split_text(reply.text)
    for number, piece in enumerate(pieces, 1):
        markup = keyboard([(c.label, c.id) for c in reply.choices]) if number == len(pieces) else None
        await bot.send_message(chat_id, piece, reply_markup=markup, disable_web_page_preview=True)


async def courtesy(call: Awaitable[object]) -> None:
    """A call whose failure must not undo or repeat what was done: answering a pressed button (too
    late once Telegram's window has passed), editing a message already gone."""
    try:
        await call
    except TelegramError as error:
        log.info("Telegram refused a courtesy call: %s", error)
