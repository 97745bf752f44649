"""Telegram's webhook: `POST /telegram/webhook` in `settlebot serve`, and `settlebot telegram
set-webhook` to point Telegram at it.

Telegram sends the secret token it was given at set-webhook in X-Telegram-Bot-Api-Secret-Token; a
request without it gets 403. The token is derived from SETTLEBOT_SECRET_KEY: nothing more to
configure. Each update is handled before the answer, so an update that fails is retried by
Telegram, and one handled already is not handled again (the dialogue records its update_id)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.error import TelegramError

from bot.channels.telegram.application import ALLOWED_UPDATES, build_application, new_bot, set_command_menus
from bot.config import Settings
from bot.dialogue import Dialogue
from bot.runtime import Runtime
from bot.storage.secrets import derive_key

log = logging.getLogger("settlebot.telegram")
PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"


def secret_token(secret_key: bytes) -> str:
    return derive_key(secret_key, "telegram webhook")


class TelegramWebhook:
    name = "telegram"

    def __init__(self, runtime: Runtime, dialogue: Dialogue):
        self._application = build_application(runtime, dialogue, updater=False)
        self._secret = secret_token(runtime.secret_key).encode()
        self._ready = asyncio.Event()  # the Bot API client is open
        self._failed: set[int] = set()  # updates whose handling failed: Telegram is asked to send them again
        self._application.add_error_handler(self._note_failure)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.telegram.token)

    def routes(self) -> list[Route]:
        return [Route(PATH, self._receive, methods=["POST"])]

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Opens the Bot API client in the background: while Telegram cannot be reached, the rest
        of `serve` (the agency API, /healthz) works, and updates are answered 503 (Telegram resends)."""
        opening = asyncio.create_task(self._open())
        try:
            yield
        finally:
            opening.cancel()
            if self._ready.is_set():
                await self._application.shutdown()

    async def _open(self) -> None:
        wait = 1.0
        while True:
            try:
                await self._application.initialize()  # getMe: checks the token
                self._ready.set()
                return
            except TelegramError as error:  # str(InvalidToken) would show the token: only its type
                log.error("cannot reach the Telegram Bot API (%s); trying again in %.0f s", type(error).__name__, wait)
                await asyncio.sleep(wait)
                wait = min(wait * 2, 60.0)

    async def _receive(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode("latin-1"), self._secret):
            return PlainTextResponse("wrong or missing secret token: run 'settlebot telegram set-webhook'", 403)
        if not self._ready.is_set():
            return PlainTextResponse("not connected to the Telegram Bot API yet; send it again", 503)
        try:
            update = Update.de_json(await request.json(), self._application.bot)
        except (ValueError, TypeError, KeyError):
            return PlainTextResponse("the body is not a Telegram update", 400)
        application = self._application
        await application.update_processor.process_update(update, application.process_update(update))
        if update.update_id in self._failed:  # nothing was kept of it (the turn is one transaction)
            self._failed.discard(update.update_id)
            return PlainTextResponse("this update could not be handled now; send it again", 500)
        return Response(status_code=200)

    async def _note_failure(self, update: object, _context: object) -> None:
        if isinstance(update, Update):
            self._failed.add(update.update_id)


async def set_webhook(settings: Settings, secret_key: bytes, url: str) -> None:
    """Point Telegram at `url` with the secret token, and set the command menus."""
    bot = new_bot(settings.telegram)
    async with bot:
        await bot.set_webhook(url, secret_token=secret_token(secret_key), allowed_updates=ALLOWED_UPDATES)
        await set_command_menus(bot)
