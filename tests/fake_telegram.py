"""A fake Telegram Bot API server on loopback, spoken to over real HTTP by python-telegram-bot:
tests put updates in, and read what the bot sent."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import parse_qs

from tests.servers import serve_posts

BOT = {"id": 7000001, "is_bot": True, "first_name": "settlebot", "username": "settlebot_test_bot"}


class FakeBotAPI:
    def __init__(self) -> None:
        self.updates: list[dict] = []
        self.members: dict[int, set[int]] = {}  # group chat id: its members' user ids (getChatMember)
        self.failing: dict[int, int] = {}  # chat id: how many more sendMessage calls to it fail with a 500
        self.blocked: set[int] = set()  # chats whose person blocked the bot: sendMessage gets 403
        self.calls: list[tuple[str, dict]] = []  # (method, parameters), in order
        self._next_update = 1
        self._next_message = 100
        self._lock = threading.Condition(threading.RLock())

    # What tests do ------------------------------------------------------------------------------

    def start(self) -> FakeBotAPI:
        self._server = serve_posts(self._post)
        return self

    def _post(self, path: str, _headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        method = path.rsplit("/", 1)[-1]
        params = {k: _value(v[0]) for k, v in parse_qs(body.decode()).items()}
        if method == "sendMessage" and int(params.get("chat_id", 0) or 0) in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if self._fails(method, params):
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return 200, {"ok": True, "result": self._answer(method, params)}

    def stop(self) -> None:
        self._server.shutdown()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def user_says(self, user_id: int, text: str, language_code: str = "en", chat_type: str = "private",
                  chat_id: int | None = None) -> None:
        self._push(self.message_update(user_id, text, language_code, chat_type, chat_id))

    def user_sends_photo(self, user_id: int) -> None:
        update = self.message_update(user_id, "")
        del update["message"]["text"]
        update["message"]["photo"] = [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]
        self._push(update)

    def user_presses(self, user_id: int, data: str, chat_id: int | None = None, message: dict | None = None) -> None:
        self._push(self.button_update(user_id, data, chat_id, message))

    def message_update(self, user_id: int, text: str, language_code: str = "en", chat_type: str = "private",
                       chat_id: int | None = None) -> dict:
        """An update as Telegram sends it (getUpdates, or posted to a webhook), with the next update_id."""
        chat = {"id": chat_id or user_id, "type": chat_type}
        return self._numbered({"message": {"message_id": self._message_id(), "date": int(time.time()), "text": text,
                                           "chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "N",
                                                                  "language_code": language_code}}})

    def button_update(self, user_id: int, data: str, chat_id: int | None = None, message: dict | None = None) -> dict:
        """A button pressed under `message` (by default a private message from the bot)."""
        chat_id = chat_id or user_id
        message = message or {"message_id": self._message_id(), "date": int(time.time()), "text": "menu",
                              "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                              "from": BOT}
        with self._lock:
            query_id = str(self._next_update)
        user = {"id": user_id, "is_bot": False, "first_name": f"U{user_id}"}
        return self._numbered({"callback_query": {"id": query_id, "chat_instance": "c", "data": data,
                                                  "message": message, "from": user}})

    def sent(self, chat_id: int) -> list[dict]:
        return [p for m, p in self.calls if m == "sendMessage" and int(p["chat_id"]) == chat_id]

    def called(self, method: str) -> list[dict]:
        return [p for m, p in self.calls if m == method]

    def wait_for(self, condition, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; calls so far: {[m for m, _ in self.calls]}")
                self._lock.wait(remaining)

    # What the bot calls -------------------------------------------------------------------------

    def _fails(self, method: str, params: dict) -> bool:
        with self._lock:
            chat = int(params.get("chat_id", 0) or 0)
            if method != "sendMessage" or not self.failing.get(chat):
                return False
            self.failing[chat] -= 1
            self.calls.append(("sendMessage (failed)", params))
            return True

    def _answer(self, method: str, params: dict):
        with self._lock:
            self.calls.append((method, params))
            self._lock.notify_all()
        if method == "getMe":
            return BOT
        if method == "getUpdates":
            return self._get_updates(int(params.get("offset", 0) or 0), float(params.get("timeout", 0) or 0))
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params.get("chat_id", 0) or 0)
            return {"message_id": int(params.get("message_id", 0) or 0) or self._message_id(), "date": int(time.time()),
                    "text": params.get("text", ""), "from": BOT,
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}}
        if method == "getChatMember":
            user = int(params["user_id"])
            member = user in self.members.get(int(params["chat_id"]), set())
            return {"status": "member" if member else "left",
                    "user": {"id": user, "is_bot": False, "first_name": f"U{user}"}}
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook, setWebhook, ...

    def _get_updates(self, offset: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + min(timeout, 1.0)
        with self._lock:
            while True:
                waiting = [u for u in self.updates if u["update_id"] >= offset]
                if waiting or time.monotonic() >= deadline:
                    return waiting
                self._lock.wait(max(deadline - time.monotonic(), 0.01))

    def _numbered(self, update: dict) -> dict:
        with self._lock:
            update["update_id"] = self._next_update
            self._next_update += 1
        return update

    def _push(self, update: dict) -> None:
        with self._lock:
            self.updates.append(update)
            self._lock.notify_all()

    def _message_id(self) -> int:
        with self._lock:
            self._next_message += 1
            return self._next_message


def _value(text: str):
    """Telegram parameters arrive form-encoded, with nested values as JSON."""
    if text[:1] in "[{":
        return json.loads(text)
    return text


def wait_for_webhook(url: str, secret: str, timeout: float = 60.0) -> None:
    """Until `settlebot serve` at `url` has opened its Bot API client: before, updates get 503."""
    import httpx

    deadline = time.monotonic() + timeout
    while httpx.post(f"{url}/telegram/webhook", json={}, headers={"X-Telegram-Bot-Api-Secret-Token": secret},
                     timeout=10).status_code == 503:
        if time.monotonic() > deadline:
            raise AssertionError("serve's Telegram webhook never became ready")
        time.sleep(0.1)
