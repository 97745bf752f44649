"""The whole hand-off through the public surfaces: `settlebot chat` in Arabic and Punjabi, the
email at a real SMTP server, the agencies acting through `settlebot serve` (API and email link),
the newcomers told, and the staff's `settlebot referrals` commands."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from bot.i18n import translations
from bot.storage.database import open_database
from bot.storage.models import ConsentDecision, OutboxMessage, Referral
from tests.conftest import SETTLEBOT, TEST_KEY, settlebot
from tests.servers import MailBox, Serve, free_port, write_config

SCRIPTS = {
    # Arabic: asks for a person about housing; Harbourview's staff speak Arabic.
    "ar": ["أريد التحدث مع موظف عن السكن", "1", "1", "Amira", "1", "نحتاج شقة قبل نهاية الشهر"],
    # Punjabi: an answer first, then "talk to a person"; Maple Bridge's health service speaks Punjabi.
    "pa": ["ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "1", "3", "1", "Jaspreet", "1", "ਬੱਚਿਆਂ ਲਈ ਡਾਕਟਰ ਚਾਹੀਦਾ ਹੈ"],
}


def _env(database_url: str, **more: str) -> dict[str, str]:
    return {"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY, **more}


def _chat(env: dict[str, str], contact: str, lines: list[str]) -> str:
    result = settlebot("chat", "--contact", contact, stdin="\n".join(lines) + "\n", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_referral_from_chat_to_agency_and_back(database_url: str, mailbox: MailBox) -> None:
    env = _env(database_url, SMTP_URL=mailbox.url, SETTLEBOT_PUBLIC_URL="http://127.0.0.1:9")
    open_database(database_url)
    codes = {}
    for language, lines in SCRIPTS.items():
        transcript = _chat(env, f"person-{language}", lines)
        codes[language] = re.search(r"SB-[0-9A-Z]{6}", transcript).group()
    # The chat delivered both emails before it ended, each to the agency that speaks the language.
    mails = {m["To"]: m for m in mailbox.messages}
    assert set(mails) == {"intake@harbourview.example.org", "hello@maplebridge.example.org"}
    arabic = mails["intake@harbourview.example.org"].get_payload(decode=True).decode()
    assert codes["ar"] in arabic and "Amira" in arabic and "نحتاج شقة قبل نهاية الشهر" in arabic
    assert "Language: Arabic" in arabic and "Needs help with: Housing" in arabic
    punjabi = mails["hello@maplebridge.example.org"].get_payload(decode=True).decode()
    assert codes["pa"] in punjabi and "Language: Punjabi" in punjabi and "Health care" in punjabi

    tokens = {org: settlebot("agencies", "token", org, env=env).stdout.strip()
              for org in ("harbourview", "maplebridge")}
    serve = Serve(env)
    try:
        maple = {"Authorization": f"Bearer {tokens['maplebridge']}"}
        listed = httpx.get(f"{serve.url}/agency/referrals", headers=maple).json()["referrals"]
        assert [r["code"] for r in listed] == [codes["pa"]] and listed[0]["name"] == "Jaspreet"
        # Another agency's referral does not exist for you; without a token nothing does.
        assert httpx.get(f"{serve.url}/agency/referrals/{codes['ar']}", headers=maple).status_code == 404
        assert httpx.post(f"{serve.url}/agency/referrals/{codes['ar']}/accept", headers=maple).status_code == 404
        assert httpx.get(f"{serve.url}/agency/referrals").status_code == 401
        accepted = httpx.post(f"{serve.url}/agency/referrals/{codes['pa']}/accept", headers=maple,
                              json={"note": "Gurpreet will call on Monday"})
        assert accepted.json() == {"code": codes["pa"], "status": "accepted"}
        # Harbourview's caseworker uses the link in the email.
        link = re.search(r"http://127\.0\.0\.1:9(/agency/r/\S+)", arabic.replace("=\n", "")).group(1)
        page = httpx.get(serve.url + link)
        assert page.status_code == 200 and codes["ar"] in page.text and "Amira" in page.text
        assert httpx.get(serve.url + link[:-4] + "0000").status_code == 403  # a guessed key opens nothing
        declined = httpx.post(serve.url + link.replace("?", "/decline?"), follow_redirects=False)
        assert declined.status_code == 303
        # Mistakes get a reason, not a crash; a revoked token opens nothing.
        again = httpx.post(f"{serve.url}/agency/referrals/{codes['pa']}/decline", headers=maple)
        assert again.status_code == 409 and "accepted" in again.json()["error"]
        bad = httpx.post(f"{serve.url}/agency/referrals/{codes['pa']}/close", headers=maple, content=b"{oops")
        assert bad.status_code == 400 and "JSON" in bad.json()["error"]
        assert httpx.post(f"{serve.url}/agency/referrals/{codes['pa']}/close", headers=maple,
                          json={"note": {"nested": 1}}).status_code == 400
        settlebot("agencies", "token", "maplebridge", "--revoke", env=env)
        assert httpx.get(f"{serve.url}/agency/referrals", headers=maple).status_code == 401
    finally:
        serve.stop()

    # The newcomers hear it at their next message, in their language: Maple Bridge accepted, and
    # Harbourview declined, so the bot offers to find someone else.
    punjabi_news = _chat(env, "person-pa", ["ਸਤ ਸ੍ਰੀ ਅਕਾਲ"])
    accepted_pa = translations("pa").gettext("Good news: {agency} accepted your request {code}. Please contact "
                                             "them and give them this code.")
    assert accepted_pa.split("{agency}")[0] in punjabi_news and codes["pa"] in punjabi_news
    assert "hello@maplebridge.example.org" in punjabi_news
    arabic_news = _chat(env, "person-ar", ["مرحبا"])
    assert codes["ar"] in arabic_news and "Harbourview" in arabic_news
    assert translations("ar").gettext("Would you like a person from a partner agency to help you?") in arabic_news

    listing = settlebot("referrals", "list", "--agency", "maplebridge", env=env).stdout
    assert codes["pa"] in listing and "accepted" in listing and codes["ar"] not in listing
    shown = settlebot("referrals", "show", codes["pa"], env=env).stdout
    assert "Jaspreet" in shown and "Gurpreet will call on Monday" in shown and "delivered" in shown
    export = settlebot("referrals", "export", "--csv", "--status", "declined", env=env).stdout
    assert export.splitlines()[0].startswith("code,created,status") and codes["ar"] in export
    assert "Amira" not in export and "Jaspreet" not in export  # reports carry no contact details


def test_refused_consent_sends_nothing_and_is_recorded(database_url: str, mailbox: MailBox) -> None:
    env = _env(database_url, SMTP_URL=mailbox.url)
    transcript = _chat(env, "person-ar", ["أريد التحدث مع موظف عن السكن", "1", "2"])
    assert "SB-" not in transcript
    with open_database(database_url)() as session:
        assert session.scalars(select(Referral)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []
        assert [c.granted for c in session.scalars(select(ConsentDecision))] == [False]
    assert mailbox.messages == []


def _hanging_smtp(port: int, stop: threading.Event) -> threading.Thread:
    """A server that accepts connections and never answers: a mail server hung mid-delivery."""
    def serve() -> None:
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", port))
            server.listen()
            server.settimeout(0.2)
            held = []
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    held.append(server.accept()[0])
            for connection in held:
                connection.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_mid_delivery_is_picked_up_after_a_restart(database_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path, lease_seconds="2", retry_first_seconds="0.5")
    port = free_port()
    env = _env(database_url, SMTP_URL=f"smtp://127.0.0.1:{port}", SETTLEBOT_CONFIG=str(config))
    stop = threading.Event()
    hanging = _hanging_smtp(port, stop)
    _chat({**env, "SMTP_URL": "smtp://127.0.0.1:9"}, "person-pa", SCRIPTS["pa"])  # the email waits
    worker = subprocess.Popen([str(SETTLEBOT), "worker"], env={**os.environ, **env},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sessions = open_database(database_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the worker has claimed it and is stuck sending it
        with sessions() as session:
            claimed = session.scalars(select(OutboxMessage).where(OutboxMessage.locked_until.is_not(None))).first()
        if claimed:
            break
        time.sleep(0.2)
    assert claimed is not None
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    stop.set()
    hanging.join()
    mailbox = MailBox(port).start()
    try:
        time.sleep(2.5)  # the dead worker's lease runs out
        result = settlebot("worker", "--once", env=env)
        assert "Delivered 1" in result.stdout, result.stderr
    finally:
        mailbox.stop()
    [message] = mailbox.messages
    with sessions() as session:
        delivered = session.scalars(select(OutboxMessage)).one()
    assert delivered.delivered_at is not None
    assert delivered.attempts == 3  # the chat's (no server), the killed worker's, the restarted one's
    assert message["Idempotency-Key"] == delivered.key  # the agency can drop a copy the dead worker sent
