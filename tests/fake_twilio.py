"""A fake of Twilio's REST API on loopback (the Messages resource), spoken to over real HTTP by the
twilio SDK: tests read what the bot sent, make it fail, and post status callbacks back."""

from __future__ import annotations

import base64
import itertools
import threading
import time
from urllib.parse import parse_qs
from xml.etree import ElementTree

import httpx
from twilio.request_validator import RequestValidator

from tests.servers import serve_posts

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-test-auth-token"
EXPECTED_AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
BOT_NUMBER = "+16045550100"
SIDS = (f"SM{n:032x}" for n in itertools.count(1))  # inbound messages' MessageSids


def post(url: str, sender: str, body: str, sid: str | None = None, token: str = AUTH_TOKEN,
         **more: str) -> httpx.Response:
    """A message as Twilio posts it to `url`/sms/twilio, signed with `token` over the URL and the parameters."""
    return signed(f"{url}/sms/twilio", {"MessageSid": sid or next(SIDS), "AccountSid": ACCOUNT_SID, "From": sender,
                                        "To": BOT_NUMBER, "Body": body, "NumMedia": "0", **more}, token)


def signed(address: str, params: dict[str, str], token: str = AUTH_TOKEN) -> httpx.Response:
    signature = RequestValidator(token).compute_signature(address, params)
    return httpx.post(address, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def answer(response: httpx.Response) -> str:
    """The SMS a TwiML answer sends ("" for none)."""
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    message = ElementTree.fromstring(response.text).find("Message")
    return "" if message is None else message.text


class FakeTwilio:
    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []  # each create: To, From, Body, StatusCallback, and its Sid
        self.failing = 0  # how many more creates answer 500
        self.refusing: dict[str, int] = {}  # To: the Twilio error code its creates answer (400)
        self._sids = (f"SM{n:032x}" for n in itertools.count(0xF000))
        self._lock = threading.Condition()

    def start(self) -> FakeTwilio:
        self._server = serve_posts(self._post)
        return self

    def _post(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if headers.get("authorization") != EXPECTED_AUTH:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return 404, {"code": 20404, "message": "not found", "status": 404}
        return self._create({k: v[0] for k, v in parse_qs(body.decode()).items()})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 60) -> list[dict[str, str]]:
        """The first `count` messages sent, once they have been."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"Twilio got {len(self.messages)} messages, not {count}: {self.messages}"
                self._lock.wait(left)
            return self.messages[:count]

    def _create(self, params: dict[str, str]) -> tuple[int, dict]:
        with self._lock:
            if self.failing:
                self.failing -= 1
                return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
            if params.get("To") in self.refusing:
                code = self.refusing[params["To"]]
                return 400, {"code": code, "message": "The number cannot receive this message", "status": 400}
            sid = next(self._sids)
            self.messages.append({**params, "Sid": sid})
            self._lock.notify_all()
        return 201, {"sid": sid, "account_sid": ACCOUNT_SID, "to": params.get("To"), "from": params.get("From"),
                     "body": params.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api"}
