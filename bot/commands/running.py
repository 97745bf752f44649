"""The long-running commands: chat, worker, serve. Each delivers notifications while it runs."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bot.config import Settings
from bot.referrals.outbox import OutboxWorker
from bot.runtime import Runtime, open_runtime

log = logging.getLogger("settlebot")
# At the end of a chat, how long to keep delivering what is due before leaving it to the next run.
DRAIN_SECONDS = 15.0


@contextmanager
def background_worker(runtime: Runtime) -> Iterator[OutboxWorker]:
    worker = runtime.worker()
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), name="outbox", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        stop.set()
        thread.join(timeout=60)


def drain(worker: OutboxWorker, seconds: float) -> None:
    """Deliver what is due now (for a scripted chat that ends at once), then say what still waits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.run_once():
        pass
    waiting = worker.due()
    if waiting:
        log.warning("%d notifications wait in the outbox; 'settlebot worker' (or the next chat or serve) "
                    "delivers them", waiting)


def chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels.console import converse

    interactive = sys.stdin.isatty()
    started = time.perf_counter()
    if interactive:
        print("settlebot: starting (the NLU trains in a few seconds)...", file=sys.stderr, flush=True)
    runtime = open_runtime(settings)
    dialogue = runtime.dialogue(args.nlu)
    if interactive:
        print(f"settlebot: ready in {time.perf_counter() - started:.1f} s. Write to the bot in any language and "
              "press Enter; reply to a menu with its number; Ctrl-D ends.\n", file=sys.stderr, flush=True)
    with background_worker(runtime) as worker:
        converse(dialogue, args.contact, sys.stdin, sys.stdout, interactive, brief=args.brief)
    drain(worker, DRAIN_SECONDS)
    return 0


def worker(args: argparse.Namespace, settings: Settings) -> int:
    runtime = open_runtime(settings)
    outbox = runtime.worker()
    if args.once:
        delivered = outbox.run_once()
        print(f"Delivered {delivered} notifications; {outbox.due()} wait.")
        return 0
    print("settlebot worker: delivering notifications; Ctrl-C stops.", file=sys.stderr, flush=True)
    stop = threading.Event()
    try:
        outbox.run(stop, idle=args.idle)
    except KeyboardInterrupt:
        stop.set()
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from bot.channels import web_channels
    from bot.config import default_config_path
    from bot.web.app import CONFIG, ENGINE

    runtime = open_runtime(settings)  # a broken knowledge base or setting stops here, before the workers start
    names = "".join(f", /{kind.name} webhook" for kind in web_channels(settings))
    os.environ[CONFIG] = str(args.config or default_config_path())
    os.environ[ENGINE] = args.nlu or ""
    print(f"settlebot serve: http://{args.host}:{args.port} (agency API, /healthz{names}) in {args.workers} "
          f"process(es); links in emails use {settings.public_url} ($SETTLEBOT_PUBLIC_URL). Ctrl-C stops.",
          file=sys.stderr, flush=True)
    with background_worker(runtime):  # one outbox worker, in this process, however many serve
        uvicorn.run("bot.web.app:app_from_environment", factory=True, workers=args.workers, host=args.host,
                    port=args.port, log_level="warning")
    return 0


def telegram(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.telegram.token:
        print("settlebot: set TELEGRAM_BOT_TOKEN to the token @BotFather gave your bot", file=sys.stderr)
        return 1
    if args.action == "set-webhook":
        import asyncio

        from bot.channels.telegram.webhook import PATH, set_webhook

        url = args.url or settings.public_url + PATH
        if not url.startswith("https://") and not settings.telegram.api_base:
            print(f"settlebot: Telegram posts only to https:// addresses, not {url}; set SETTLEBOT_PUBLIC_URL "
                  "or --url", file=sys.stderr)
            return 1
        asyncio.run(set_webhook(settings, settings.secret_key(), url))
        print(f"Telegram now posts updates to {url}; the command menu is set in every language. "
              "Run 'settlebot serve' there.")
        return 0
    from bot.channels.telegram.application import ALLOWED_UPDATES, build_application

    runtime = open_runtime(settings)
    application = build_application(runtime, runtime.dialogue(args.nlu))
    print("settlebot telegram: polling for messages; Ctrl-C stops.", file=sys.stderr, flush=True)
    with background_worker(runtime):
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
    return 0
