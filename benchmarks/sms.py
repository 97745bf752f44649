"""SMS webhook throughput: messages posted to `settlebot serve` at /sms/twilio, signed as Twilio
signs them, each checked, handled (NLU, knowledge base, one database transaction that also keeps
the answer) and answered with TwiML: end to end, as Twilio would see it.

Simulated newcomers, 40 at a time, in 7 languages, each texting a short conversation by number:
a question, "1" (their language), /menu, "1" (a topic), "1" (an answer), thanks. The table gives
messages a second with p50 and p99, and for each language the average SMS segments a reply takes
and how often one was cut to the 3-segment limit (the rest waits for MORE). The baseline,
measured the same way against the same server in the same run, is GET /healthz.

    python benchmarks/sms.py            # print the tables
    python benchmarks/sms.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from xml.etree import ElementTree

import aiohttp
from results import percentile, write_block
from serving import CONCURRENT, SCHEMA, cpu_seconds, empty_schema, health, processes, say
from twilio.request_validator import RequestValidator

from bot.channels.sms.segments import segments
from bot.channels.sms.twilio import PATH
from bot.dialogue.replies import more_prompt
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER
from tests.servers import Serve

KEY = "settlebot-benchmark-key-" + "0" * 32
STEPS = 6
CONVERSATIONS = {  # language: the first question
    "en": "how do i apply for msp",
    "fr": "Comment est-ce que je m'inscris au MSP ?",
    "es": "necesito mi SIN para trabajar",
    "zh-Hans": "我想找家庭医生",
    "ar": "كيف أسجل في التأمين الصحي MSP",
    "pa": "ਮੈਨੂੰ ਪਰਿਵਾਰਕ ਡਾਕਟਰ ਕਿਵੇਂ ਮਿਲੇਗਾ",
    "uk": "як подати заявку на MSP",
}
LANGUAGES = list(CONVERSATIONS)


def requests_of(url: str, user: int) -> list[tuple[dict[str, str], str]]:
    """A newcomer's messages as Twilio posts them, with their signatures (made before the clock starts)."""
    validator = RequestValidator(AUTH_TOKEN)
    language = LANGUAGES[user % len(LANGUAGES)]
    posted = []
    for step, body in enumerate((CONVERSATIONS[language], "1", "/menu", "1", "1", "thanks")):
        params = {"MessageSid": f"SM{user:016x}{step:016x}", "AccountSid": ACCOUNT_SID,
                  "From": f"+1604{user:07d}", "To": BOT_NUMBER, "Body": body, "NumMedia": "0"}
        posted.append((params, validator.compute_signature(url + PATH, params)))
    return posted


async def post_conversations(url: str, users: range) -> tuple[list[float], float, list[tuple[str, str]]]:
    """Each user's messages in order, CONCURRENT users at a time: the latencies (ms), the wall time
    (s), and each reply with the user's language."""
    conversations = {user: requests_of(url, user) for user in users}
    latencies: list[float] = []
    replies: list[tuple[str, str]] = []
    gate = asyncio.Semaphore(CONCURRENT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENT)) as client:
        async def converse(user: int) -> None:
            async with gate:
                for params, signature in conversations[user]:
                    started = time.perf_counter()
                    async with client.post(url + PATH, data=params, headers={"X-Twilio-Signature": signature}) \
                            as response:
                        response.raise_for_status()
                        twiml = await response.text()
                    latencies.append((time.perf_counter() - started) * 1000)
                    message = ElementTree.fromstring(twiml).find("Message")
                    replies.append((LANGUAGES[user % len(LANGUAGES)], message.text if message is not None else ""))

        started = time.perf_counter()
        await asyncio.gather(*(converse(user) for user in users))
        return latencies, time.perf_counter() - started, replies


def measure(env: dict[str, str], workers: int, users: int) -> tuple[dict[str, float], list[tuple[str, str]]]:
    """One `settlebot serve`: warm it up, post `users` conversations, then the baseline."""
    say(f"starting settlebot serve --workers {workers} (it trains the NLU)...")
    serve = Serve(env, "--workers", str(workers), timeout=180)
    try:
        say("  warming up with 40 conversations...")
        asyncio.run(post_conversations(serve.url, range(1, 41)))
        say(f"  measuring {users} conversations ({STEPS * users} messages)...")
        cpu_before, harness_before = cpu_seconds(serve.process.pid), time.process_time()
        latencies, wall, replies = asyncio.run(post_conversations(serve.url, range(1000, 1000 + users)))
        cpu, harness = cpu_seconds(serve.process.pid) - cpu_before, time.process_time() - harness_before
        baseline, baseline_wall = asyncio.run(health(serve.url, len(latencies)))
    finally:
        serve.stop()
    row = {"messages": len(latencies), "rate": len(latencies) / wall, "p50": percentile(latencies, 50),
           "p99": percentile(latencies, 99), "cpu": 1000 * cpu / len(latencies), "harness": harness / wall,
           "base_rate": len(baseline) / baseline_wall, "base_p50": percentile(baseline, 50)}
    say(f"  {row['rate']:.0f} messages/s; serve used {row['cpu']:.2f} ms of CPU a message; "
        f"the client used {row['harness']:.2f} of a core")
    return row, replies


def segment_table(replies: list[tuple[str, str]]) -> list[str]:
    by_language: dict[str, list[str]] = defaultdict(list)
    for language, reply in replies:
        if reply:
            by_language[language].append(reply)
    lines = ["| language | replies | segments per reply (mean) | most | cut, rest on MORE |", "|---|---|---|---|---|"]
    for language in LANGUAGES:
        texts = by_language[language]
        counts = [segments(text) for text in texts]
        cut = sum(more_prompt(language) in text for text in texts)
        lines.append(f"| {language} | {len(texts)} | {statistics.mean(counts):.2f} | {max(counts)} | "
                     f"{100 * cut / len(texts):.0f}% |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--users", type=int, default=700, help=f"simulated newcomers ({STEPS} messages each)")
    parser.add_argument("--postgresql", metavar="URL", default=os.environ.get("SETTLEBOT_TEST_DATABASE_URL"),
                        help="also measure on this PostgreSQL server, with 1 and 2 processes, in a schema of "
                             f"its own ({SCHEMA}, made afresh) (default: $SETTLEBOT_TEST_DATABASE_URL)")
    args = parser.parse_args()

    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        env = {"SETTLEBOT_SECRET_KEY": KEY, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
        sqlite = {**env, "SETTLEBOT_DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}"}
        for workers in (1, 2):
            rows[f"SQLite, {processes(workers)}"], replies = measure(sqlite, workers, args.users)
        if args.postgresql:
            for workers in (1, 2):
                url = empty_schema(args.postgresql)
                rows[f"PostgreSQL, {processes(workers)}"], _ = measure({**env, "SETTLEBOT_DATABASE_URL": url},
                                                                       workers, args.users)

    first = next(iter(rows.values()))
    lines = ["## SMS webhook (`benchmarks/sms.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.python_version()}, "
             f"{os.cpu_count()} cores): messages posted to `settlebot serve` at `/sms/twilio`, signed as Twilio "
             "signs them, each checked, handled (NLU, knowledge base, one database transaction that also keeps the "
             f"answer for a repeated MessageSid) and answered with TwiML. {args.users} simulated newcomers "
             f"({first['messages']} messages) in {len(LANGUAGES)} languages, {CONCURRENT} at a time, each texting "
             f"{STEPS} messages in order: a question, \"1\" (the language), /menu, \"1\" (a topic), \"1\" (an "
             "answer), thanks. The baseline is `GET /healthz` on the same server, as many requests at the same "
             "concurrency, in the same run. The client (aiohttp) runs on the same machine.", "",
             "| database, serve processes | messages/s | p50 (ms) | p99 (ms) | CPU per message (ms) | "
             "`/healthz`/s | p50 ratio to `/healthz` | target |", "|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        lines.append(f"| {name} | {r['rate']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu']:.2f} | "
                     f"{r['base_rate']:.0f} | {r['p50'] / r['base_p50']:.1f}x | "
                     f"{'>= 300 messages/s' if name.startswith('SQLite') else ''} |")
    lines += ["", "SMS segments per reply (GSM-7: 160, or 153 a part; UCS-2: 70, or 67 a part), from the "
              "replies of the last SQLite run; a reply is cut to `settlebot.sms.max_segments` (3):", "",
              *segment_table(replies)]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        write_block("sms", table, after="telegram")


if __name__ == "__main__":
    main()
