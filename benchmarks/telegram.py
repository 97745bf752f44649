"""Telegram webhook throughput: updates posted to `settlebot serve` at /telegram/webhook, each
handled (NLU, knowledge base, one SQLite transaction) and answered through a fake Bot API server on
loopback before the webhook's 200 comes back: end to end, as Telegram would see it.

Simulated newcomers, 40 at a time (Telegram's default webhook connections), each going through a
short conversation: a question, the language button, another question, /menu, a topic button,
thanks. The baseline, measured the same way against the same server in the same run, is GET
/healthz: what the HTTP round trip alone costs.

Telegram's own limit (about 30 messages a second per bot) is switched off for the run
(settlebot.telegram.messages_per_second: 0): the fake has none, and the point is what settlebot
can take.

    python benchmarks/telegram.py            # print the table
    python benchmarks/telegram.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import aiohttp
from results import write_block
from serving import CONCURRENT, across_databases, measure, postgresql_option, throughput_table

# This file is telegram.py (the name the issue gives it): once `results` and `serving` are imported
# from beside it (`results` puts the project on the path), its folder leaves the path, so that
# `telegram` means python-telegram-bot.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]
from bot.channels.telegram.webhook import PATH, secret_token  # noqa: E402
from tests.fake_telegram import FakeBotAPI, wait_for_webhook  # noqa: E402
from tests.servers import write_config  # noqa: E402

KEY = "settlebot-benchmark-key-" + "0" * 32
CONVERSATIONS = [  # language, first question, second question, topic button
    ("en", "how do i apply for msp", "where can i learn english for free", "topic:healthcare"),
    ("es", "necesito mi SIN para trabajar", "cómo encuentro un médico de familia", "topic:jobs"),
    ("zh-Hans", "我想找家庭医生", "怎么申请MSP", "topic:healthcare"),
    ("ar", "أحتاج طبيب عائلة", "كيف أسجل في التأمين الصحي MSP", "topic:housing"),
    ("pa", "ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "ਮੈਨੂੰ LINC ਕਲਾਸ ਲਈ ਕੀ ਚਾਹੀਦਾ", "topic:language_classes"),
    ("uk", "як подати заявку на MSP", "де шукати роботу у Ванкувері", "topic:housing"),
]


def updates_of(api: FakeBotAPI, user: int) -> list[dict]:
    language, first, second, topic = CONVERSATIONS[user % len(CONVERSATIONS)]
    return [api.message_update(user, first), api.button_update(user, f"lang:{language}"),
            api.message_update(user, second), api.message_update(user, "/menu"), api.button_update(user, topic),
            api.message_update(user, "thanks")]


async def post_conversations(url: str, users: range, api: FakeBotAPI) -> tuple[list[float], float]:
    """Each user's updates in order, CONCURRENT users at a time; the latencies (ms) and the wall time (s).
    The client is aiohttp: httpx's own cost per request would be most of what is measured."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token(KEY.encode())}
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENT)) as client:
        async def converse(user: int) -> None:
            async with gate:
                for update in updates_of(api, user):
                    started = time.perf_counter()
                    async with client.post(url + PATH, json=update, headers=headers) as response:
                        response.raise_for_status()
                    latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(converse(user) for user in users))
        return latencies, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--users", type=int, default=500, help="simulated newcomers (6 updates each)")
    postgresql_option(parser)
    args = parser.parse_args()

    api = FakeBotAPI().start()
    with tempfile.TemporaryDirectory() as directory:
        env = {"SETTLEBOT_CONFIG": str(write_config(Path(directory), messages_per_second="0")),
               "SETTLEBOT_SECRET_KEY": KEY, "TELEGRAM_BOT_TOKEN": "1:bench", "TELEGRAM_API_BASE": api.base}
        post = partial(post_conversations, api=api)
        webhook_set = partial(wait_for_webhook, secret=secret_token(KEY.encode()))
        rows = across_databases(env, args.postgresql, lambda env, workers: measure(
            env, workers, args.users, post, "update", ready=webhook_set))
    api.stop()

    first = next(iter(rows.values()))
    lines = ["## Telegram webhook (`benchmarks/telegram.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.python_version()}, "
             f"{os.cpu_count()} cores): updates posted to `settlebot serve` at `/telegram/webhook`, each handled "
             "(NLU, knowledge base, one database transaction) and its replies sent to a fake Bot API server on "
             f"loopback before the webhook answers 200. {args.users} simulated newcomers ({first['requests']} "
             f"updates), {CONCURRENT} at a time (Telegram's default number of webhook connections), each sending 6 "
             "updates in order: a question, the language button, a second question, /menu, a topic button, thanks "
             "(6 languages). Telegram's limit of about 30 messages a second is switched off for the run "
             "(`settlebot.telegram.messages_per_second: 0`). The baseline is `GET /healthz` on the same server, as "
             "many requests at the same concurrency, in the same run. The client (aiohttp) and the fake Bot API "
             "run on the same machine and share its cores with `serve`.", "",
             *throughput_table(rows, "update")]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        write_block("telegram", table, after="dialogue")


if __name__ == "__main__":
    main()
