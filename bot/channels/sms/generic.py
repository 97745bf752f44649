"""A generic SMS gateway, `POST /sms/generic`, for an LIP that uses an Android SMS gateway app or a
provider other than Twilio: it feeds the same dialogue and the same SMS rendering.

The gateway posts JSON `{"id", "from", "to", "text"}` (its id for the message, the sender's
number, the number written to, the text) signed in the scheme settlebot signs its own webhooks
with (docs/agencies.md): `X-Settlebot-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
under $SMS_GATEWAY_SECRET, less than five minutes old. A bad signature gets 403.

The answer is JSON `{"to", "text", "segments"}`: the gateway sends `text` to `to` ("" for nothing
to send). The same id posted again gets the same answer without a second turn. News (an agency's
answer) cannot be pushed through such a gateway: it waits for the person's next message."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.channels.sms.gateway import SMSGateway
from bot.channels.sms.segments import segments
from bot.config import Settings
from bot.referrals.signing import signed_recently

PATH = "/sms/generic"
SIGNATURE_HEADER = "x-settlebot-signature"
FIELDS = ("id", "from", "to", "text")
MAX_ID = 56  # with its "generic:" prefix, what the deliveries table holds


class GenericGateway(SMSGateway):
    name = "sms/generic"

    @staticmethod
    def configured(settings: Settings) -> bool:
        return bool(settings.sms.gateway_secret)

    def routes(self) -> list[Route]:
        return [Route(PATH, self._message, methods=["POST"])]

    async def _message(self, request: Request) -> Response:
        body = await request.body()
        if not signed_recently(self.settings.sms.gateway_secret, body, request.headers.get(SIGNATURE_HEADER, "")):
            return JSONResponse({"error": "the X-Settlebot-Signature does not match, or is older than 5 minutes: "
                                          "check SMS_GATEWAY_SECRET and the gateway's clock"}, 403)
        try:
            message = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "the body is not JSON"}, 400)
        if not isinstance(message, dict) or not all(isinstance(message.get(f), str) for f in FIELDS) \
                or not 0 < len(message["id"]) <= MAX_ID or not message["from"]:
            return JSONResponse({"error": 'expected {"id", "from", "to", "text"}, each a string; from not empty, '
                                          f"id of 1 to {MAX_ID} characters"}, 400)
        # Ids are the gateway's own: kept apart from Twilio's MessageSids.
        answer = await self.answer(f"generic:{message['id']}", message["from"], message["to"], message["text"],
                                   reachable=False)
        return JSONResponse({"to": message["from"], "text": answer, "segments": segments(answer)})
