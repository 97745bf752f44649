"""Real servers on loopback for tests: an SMTP server (aiosmtpd), an HTTP receiver of webhooks,
and `settlebot serve` itself."""

from __future__ import annotations

import contextlib
import email
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

SETTLEBOT = Path(sys.executable).parent / "settlebot"  # the installed command, run as a user runs it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# What a fake answers a POST (path, headers with lower-case names, body): a status and JSON, or no body.
Answer = Callable[[str, dict[str, str], bytes], tuple[int, object | None]]


def serve_posts(answer: Answer) -> ThreadingHTTPServer:
    """An HTTP/1.1 server on a free loopback port, in a thread of its own, answering each POST with
    `answer`: the fakes of Telegram, Twilio, Rasa and an agency's system."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real services do

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, answered = answer(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            data = b"" if answered is None else json.dumps(answered).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(ConnectionError):  # the client stopped waiting (a long poll)
                self.wfile.write(data)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class MailBox:
    """What an SMTP server on 127.0.0.1 received."""

    def __init__(self, port: int | None = None, delay: float = 0.0):
        """`delay`: seconds to take over each message, as a slow relay does."""
        self.port = port or free_port()
        self.delay = delay
        self.messages: list[Message] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server, _session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> MailBox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """An agency's system: records each POST, answers `status`."""

    status: int = 200
    requests: list[Received] = field(default_factory=list)

    def start(self) -> WebhookReceiver:
        self._server = serve_posts(self._receive)
        return self

    def _receive(self, _path: str, headers: dict[str, str], body: bytes) -> tuple[int, None]:
        self.requests.append(Received(headers, body))
        return self.status, None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/settlebot"

    def stop(self) -> None:
        self._server.shutdown()


class Serve:
    """`settlebot serve` on a free port."""

    def __init__(self, env: dict[str, str], *options: str, timeout: float = 60):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([str(SETTLEBOT), "serve", "--port", str(self.port), *options],
                                        env={**os.environ, **env, "SETTLEBOT_PUBLIC_URL": self.url},
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz").json() == {"ok": True}:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"settlebot serve did not start: {self.process.stderr.read()}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.stop()


def write_config(directory: Path, knowledge_base: Path | None = None, **settings: str) -> Path:
    """A copy of config.yml in `directory` (for SETTLEBOT_CONFIG), its paths pointing back at the
    project, `knowledge_base` at another folder if given, and each `setting: value` line replaced
    ("lease_seconds": "2")."""
    from bot.config import PROJECT_ROOT

    knowledge_base = knowledge_base or PROJECT_ROOT / "knowledge_base"
    text = ((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8")
            .replace("knowledge_base: knowledge_base", f"knowledge_base: {knowledge_base}")
            .replace("intents_dir: intents", f"intents_dir: {PROJECT_ROOT / 'intents'}"))
    for setting, value in settings.items():
        text, found = re.subn(rf"(?m)^(\s*{setting}:) \S+", rf"\g<1> {value}", text)
        assert found == 1, f"config.yml has no single '{setting}:' line"
    config = directory / "config.yml"
    config.write_text(text, encoding="utf-8")
    return config


def knowledge_base_with(directory: Path, **harbourview: object) -> Path:
    """A copy of the shipped knowledge base in `directory`/kb where the sample agency Harbourview
    has these extra fields (webhook_url=..., telegram_chat=...)."""
    from bot.config import PROJECT_ROOT

    copy = directory / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", copy)
    agencies = copy / "agencies.yml"
    email = "    email: intake@harbourview.example.org\n"
    fields = "".join(f"    {name}: {value}\n" for name, value in harbourview.items())
    agencies.write_text(agencies.read_text(encoding="utf-8").replace(email, email + fields), encoding="utf-8")
    return copy
