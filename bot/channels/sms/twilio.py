"""Twilio's SMS webhook: `POST /sms/twilio` in `settlebot serve`, answered with TwiML.

Each request's X-Twilio-Signature is checked with the twilio SDK's RequestValidator against the
address Twilio was given: $SETTLEBOT_PUBLIC_URL and the path, so it holds behind a proxy that
rewrites the host. A bad or missing signature gets 403. A repeated MessageSid (Twilio retrying)
gets the answer it got the first time, without a second turn: the core records each MessageSid,
and the answer is kept with it."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels import AsyncDialogue
from bot.channels.sms.render import render
from bot.config import Settings
from bot.dialogue import Dialogue, Inbound
from bot.runtime import Runtime

CHANNEL = "sms"
PATH = "/sms/twilio"
SIGNATURE_HEADER = "x-twilio-signature"
MAX_BODY = 1600  # what Twilio delivers at most in one Body


class TwilioWebhook:
    name = "sms/twilio"

    def __init__(self, runtime: Runtime, dialogue: Dialogue):
        settings = runtime.settings
        self._validator = RequestValidator(settings.sms.twilio_auth_token)
        self._url = settings.public_url + PATH
        self._max_segments = settings.sms.max_segments
        self._dialogue = dialogue
        self._turns = AsyncDialogue.of(dialogue)

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.sms.twilio_auth_token)

    def routes(self) -> list[Route]:
        return [Route(PATH, self._receive, methods=["POST"])]

    def running(self) -> AbstractAsyncContextManager[None]:
        return nullcontext()  # nothing to hold open

    async def _receive(self, request: Request) -> Response:
        # Twilio posts application/x-www-form-urlencoded: the standard library reads it.
        params = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        url = self._url + (f"?{request.url.query}" if request.url.query else "")
        if not self._validator.validate(url, params, request.headers.get(SIGNATURE_HEADER, "")):
            return PlainTextResponse("the X-Twilio-Signature does not match: check TWILIO_AUTH_TOKEN and "
                                     "SETTLEBOT_PUBLIC_URL (the address Twilio posts to)", 403)
        sid, sender = params.get("MessageSid"), params.get("From")
        if not sid or not sender:
            return PlainTextResponse("MessageSid and From are required", 400)
        inbound = Inbound(CHANNEL, sender, params.get("Body", "")[:MAX_BODY], brief=True, delivery_id=sid,
                          reachable=True)
        replies = await self._turns.handle(inbound)
        conversations = self._dialogue.conversations
        if not replies:  # handled before (the core took no second turn), or nothing to say (after STOP)
            return twiml(await run_in_threadpool(conversations.answer_of, CHANNEL, sid) or "")
        answer = render(replies, self._max_segments)
        await run_in_threadpool(conversations.keep_answer, CHANNEL, sid, answer)
        return twiml(answer)


def twiml(answer: str) -> Response:
    response = MessagingResponse()
    if answer:
        response.message(answer)
    return Response(str(response), media_type="application/xml")
