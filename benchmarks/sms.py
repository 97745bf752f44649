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
import time
from collections import defaultdict
from functools import partial
from xml.etree import ElementTree

import aiohttp
from results import write_block
from serving import CONCURRENT, WARM_UP, across_databases, measure, postgresql_option, throughput_table
from twilio.request_validator import RequestValidator

from bot.channels.sms.segments import segments
from bot.channels.sms.twilio import PATH
from bot.dialogue.replies import more_prompt
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER

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


async def post_conversations(url: str, users: range, replies: list[tuple[str, str]]) -> tuple[list[float], float]:
    """Each user's messages in order, CONCURRENT users at a time: the latencies (ms) and the wall
    time (s); each reply of a measured user, with the user's language, goes into `replies`."""
    conversations = {user: requests_of(url, user) for user in users}
    latencies: list[float] = []
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
                    if user not in WARM_UP:
                        replies.append((LANGUAGES[user % len(LANGUAGES)], "" if message is None else message.text))

        started = time.perf_counter()
        await asyncio.gather(*(converse(user) for user in users))
        return latencies, time.perf_counter() - started


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
    postgresql_option(parser)
    args = parser.parse_args()

    replies: list[tuple[str, str]] = []
    post = partial(post_conversations, replies=replies)
    rows = across_databases({"SETTLEBOT_SECRET_KEY": KEY, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}, args.postgresql,
                            lambda env, workers: measure(env, workers, args.users, post, "message"))

    first = next(iter(rows.values()))
    lines = ["## SMS webhook (`benchmarks/sms.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.python_version()}, "
             f"{os.cpu_count()} cores): messages posted to `settlebot serve` at `/sms/twilio`, signed as Twilio "
             "signs them, each checked, handled (NLU, knowledge base, one database transaction that also keeps the "
             f"answer for a repeated MessageSid) and answered with TwiML. {args.users} simulated newcomers "
             f"({first['requests']} messages) in {len(LANGUAGES)} languages, {CONCURRENT} at a time, each texting "
             f"{STEPS} messages in order: a question, \"1\" (the language), /menu, \"1\" (a topic), \"1\" (an "
             "answer), thanks. The baseline is `GET /healthz` on the same server, as many requests at the same "
             "concurrency, in the same run. The client (aiohttp) runs on the same machine.", "",
             *throughput_table(rows, "message")]
    lines += ["", "SMS segments per reply (GSM-7: 160, or 153 a part; UCS-2: 70, or 67 a part), over the "
              "measured replies of every run; a reply is cut to `settlebot.sms.max_segments` (3):", "",
              *segment_table(replies)]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        write_block("sms", table, after="telegram")


if __name__ == "__main__":
    main()
