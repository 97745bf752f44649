"""A fake Telegram Bot API server on loopback, spoken to over real HTTP by python-telegram-bot:
tests put updates in, and read what the bot sent."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT = {"id": 7000001, "is_bot": True, "first_name": "settlebot", "username": "settlebot_test_bot"}


class FakeBotAPI:
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.calls: list[tuple[str, dict]] = []  # (method, parameters), in order
        self._next_update = 1
        self._next_message = 100
        self._lock = threading.Condition()

    # What tests do ------------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                method = self.path.rsplit("/", 1)[-1]
                params = {k: _value(v[0]) for k, v in parse_qs(body).items()}
                result = api._answer(method, params)
                data = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def user_says(self, user_id: int, text: str, language_code: str = "en", chat_type: str = "private") -> None:
        self._push({"message": {"message_id": self._message_id(), "date": int(time.time()), "text": text,
                                "chat": {"id": user_id, "type": chat_type},
                                "from": {"id": user_id, "is_bot": False, "first_name": "N",
                                         "language_code": language_code}}})

    def user_presses(self, user_id: int, data: str) -> None:
        message = {"message_id": self._message_id(), "date": int(time.time()), "text": "menu",
                   "chat": {"id": user_id, "type": "private"}, "from": BOT}
        self._push({"callback_query": {"id": str(self._next_update), "chat_instance": "c", "data": data,
                                       "message": message,
                                       "from": {"id": user_id, "is_bot": False, "first_name": "N"}}})

    def sent(self, chat_id: int) -> list[dict]:
        return [p for m, p in self.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]

    def wait_for(self, condition, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls so far: {[m for m, _ in self.calls]}")
                self._lock.wait(remaining)

    # What the bot calls -------------------------------------------------------------------------

    def _answer(self, method: str, params: dict):
        with self._lock:
            self.calls.append((method, params))
            self._lock.notify_all()
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return self._get_updates(int(params.get("offset", 0) or 0), float(params.get("timeout", 0) or 0))
        if method in ("sendMessage", "editMessageText"):
            return {"message_id": self._message_id(), "date": int(time.time()), "text": params.get("text", ""),
                    "chat": {"id": int(params.get("chat_id", 0) or 0), "type": "private"}, "from": BOT}
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, setWebhook, ...

    def _get_updates(self, offset: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + min(timeout, 1.0)
        with self._lock:
            while True:
                waiting = [u for u in self.updates if u["update_id"] >= offset]
                if waiting or time.monotonic() >= deadline:
                    return waiting
                self._lock.wait(max(deadline - time.monotonic(), 0.01))

    def _push(self, update: dict) -> None:
        with self._lock:
            update["update_id"] = self._next_update
            self._next_update += 1
            self.updates.append(update)
            self._lock.notify_all()

    def _message_id(self) -> int:
        self._next_message += 1
        return self._next_message


def _value(text: str):
    """Telegram parameters arrive form-encoded, with nested values as JSON."""
    if text[:1] in "[{":
        return json.loads(text)
    return text
