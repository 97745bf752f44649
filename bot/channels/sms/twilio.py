"""Twilio's SMS webhooks in `settlebot serve`: `POST /sms/twilio` (a message, answered with TwiML)
and `POST /sms/twilio/status` (the status of an SMS the outbox worker pushed).

Each request's X-Twilio-Signature is checked with the twilio SDK's RequestValidator against the
address Twilio was given: $SETTLEBOT_PUBLIC_URL and the path, so it holds behind a proxy that
rewrites the host. A bad or missing signature gets 403."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.sms.gateway import SMSGateway
from bot.config import Settings
from bot.dialogue import Dialogue
from bot.runtime import Runtime
from bot.storage.sent_messages import FAILED, SentMessages

log = logging.getLogger("settlebot.sms")
PATH = "/sms/twilio"
STATUS_PATH = "/sms/twilio/status"  # what the outbox worker gives Twilio as each push's StatusCallback
SIGNATURE_HEADER = "x-twilio-signature"
# Twilio's error codes for a number no retry will reach, from its REST API (not a valid number, not
# a mobile, opted out at the carrier) or its delivery reports (unknown, a landline): the number is
# forgotten, and news waits for the person's next message instead of being sent again and again.
NO_SUCH_NUMBER = {"21211", "21614", "21610", "30005", "30006"}


class TwilioWebhook(SMSGateway):
    name = "sms/twilio"

    def __init__(self, runtime: Runtime, dialogue: Dialogue):
        super().__init__(runtime, dialogue)
        self._validator = RequestValidator(self.settings.sms.twilio_auth_token)
        self._sent = SentMessages(runtime.sessions)
        self._news = dialogue.news
        # Pushes go through Twilio's REST API only with the account's SID too (the outbox worker).
        self._pushes = bool(self.settings.sms.twilio_account_sid)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.sms.twilio_auth_token)

    def routes(self) -> list[Route]:
        return [Route(PATH, self._message, methods=["POST"]), Route(STATUS_PATH, self._status, methods=["POST"])]

    async def _signed(self, request: Request) -> dict[str, str] | None:
        """The posted parameters, if Twilio signed them; None otherwise."""
        # Twilio posts application/x-www-form-urlencoded: the standard library reads it.
        params = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        url = self.settings.public_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return params if self._validator.validate(url, params, request.headers.get(SIGNATURE_HEADER, "")) else None

    async def _message(self, request: Request) -> Response:
        params = await self._signed(request)
        if params is None:
            return forged()
        sid, sender = params.get("MessageSid"), params.get("From")
        if not sid or not sender:
            return PlainTextResponse("MessageSid and From are required", 400)
        answer = await self.answer(sid, sender, params.get("To"), params.get("Body", ""), reachable=self._pushes)
        response = MessagingResponse()
        if answer:
            response.message(answer)
        return Response(str(response), media_type="application/xml")

    async def _status(self, request: Request) -> Response:
        params = await self._signed(request)
        if params is None:
            return forged()
        sid, status, error = params.get("MessageSid"), params.get("MessageStatus"), params.get("ErrorCode")
        if not sid or not status:
            return PlainTextResponse("MessageSid and MessageStatus are required", 400)
        contact = await run_in_threadpool(self._sent.reported, sid, status, error,
                                          self.settings.notifications.retry_first)
        if contact and status in FAILED:
            log.warning("Twilio reports SMS %s %s (error %s): it goes back in the outbox", sid, status,
                        error or "none given")
            if error in NO_SUCH_NUMBER:
                await run_in_threadpool(self._news.unreachable, contact)
        return Response(status_code=204)


def forged() -> Response:
    return PlainTextResponse("the X-Twilio-Signature does not match: check TWILIO_AUTH_TOKEN and "
                             "SETTLEBOT_PUBLIC_URL (the address Twilio posts to)", 403)
