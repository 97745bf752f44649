"""Dialogue latency: `Dialogue.handle()` on a fresh SQLite file database, the shipped knowledge base
and the built-in NLU, for 1, 100 and 10,000 distinct contacts, beside the NLU's `parse()` alone on
the same messages (the baseline), in the same process.

    python benchmarks/dialogue.py            # print the table
    python benchmarks/dialogue.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from pathlib import Path

from results import percentile, say, write_block

from bot.config import PROJECT_ROOT, load_settings
from bot.dialogue import Dialogue, Inbound
from bot.knowledge.loader import load_knowledge_base
from bot.languages import SUPPORTED
from bot.nlu.factory import build_engine
from bot.storage.database import open_database

KEY = b"settlebot-benchmark-key-32-bytes"  # fixed: independent of SETTLEBOT_SECRET_KEY
CONTACTS = (1, 100, 10_000)
GREETINGS = ["hello", "hola", "bonjour", "你好", "안녕하세요", "xin chào", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "مرحبا", "سلام", "привіт"]
MESSAGES = [  # one round: questions that hit knowledge-base entries, menu numbers, small talk, a command
    "how do i apply for msp", "necesito mi SIN para trabajar", "我想找家庭医生", "зубний лікар дорого, що робити",
    "ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "أحتاج طبيب عائلة", "got an eviction notice from my landlord",
    "boss didnt pay me overtime", "المالك ما رجع التأمين", "ਮੈਨੂੰ LINC ਕਲਾਸ ਲਈ ਕੀ ਚਾਹੀਦਾ",
    "1", "2", "1", "hi", "hola", "thanks", "gracias", "شكرا", "/menu", "2",
]



def run(dialogue: Dialogue, contacts: int, rounds: int, seed: int) -> dict[str, float]:
    """Set up `contacts` people through handle() (a greeting, then a language), then send them
    `rounds` passes over MESSAGES, each message to a random one of them."""
    started = time.perf_counter()
    for i in range(contacts):
        dialogue.handle(Inbound("console", f"contact-{i}", GREETINGS[i % len(GREETINGS)]))
        dialogue.handle(Inbound("console", f"contact-{i}", choice=f"lang:{SUPPORTED[i % len(SUPPORTED)]}"))
        if (i + 1) % 1000 == 0:
            say(f"  set up {i + 1}/{contacts} contacts ({time.perf_counter() - started:.0f} s)")
    setup = time.perf_counter() - started
    say(f"  set-up: {2 * contacts} handle() calls in {setup:.1f} s")
    rng = random.Random(seed)
    sent = [(f"contact-{rng.randrange(contacts)}", text) for _ in range(rounds) for text in MESSAGES]
    handle, parse = [], []
    for number, (sender, text) in enumerate(sent, 1):
        inbound = Inbound("console", sender, text)
        started = time.perf_counter()
        dialogue.handle(inbound)
        handle.append((time.perf_counter() - started) * 1000)
        if number % 1000 == 0:
            say(f"  measured {number}/{len(sent)} messages")
    for _, text in sent:
        started = time.perf_counter()
        dialogue.nlu.parse(text)
        parse.append((time.perf_counter() - started) * 1000)
    return {"setup": setup, "messages": len(sent), "rate": len(handle) / (sum(handle) / 1000),
            "p50": percentile(handle, 50), "p99": percentile(handle, 99),
            "parse_p50": percentile(parse, 50), "parse_p99": percentile(parse, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--rounds", type=int, default=250,
                        help=f"passes over the {len(MESSAGES)} messages for each number of contacts (a p99 needs "
                             "thousands)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    say("loading the knowledge base and training the NLU...")
    kb, _warnings = load_knowledge_base(PROJECT_ROOT / "knowledge_base")
    nlu = build_engine(load_settings().nlu)
    rows = {}
    total = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        for contacts in CONTACTS:  # a fresh database for each, holding only its own contacts
            say(f"{contacts} contacts:")
            sessions = open_database(f"sqlite:///{Path(directory) / f'bench-{contacts}.sqlite3'}")
            rows[contacts] = run(Dialogue(nlu, kb, sessions, KEY), contacts, args.rounds, args.seed)
            sessions.kw["bind"].dispose()
    say(f"total (without loading and training): {time.perf_counter() - total:.0f} s")

    lines = ["## Dialogue (`benchmarks/dialogue.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.python_version()}, "
             f"{os.cpu_count()} cores): `Dialogue.handle()` end to end (NLU, knowledge-base search, one SQLite "
             "transaction that locks the contact's row, logs the messages and saves the state) on a fresh SQLite "
             "file database, the shipped knowledge base and the built-in NLU. Each contact is first set up through "
             "`handle()` itself (a greeting, then a language, spread over the 12 languages); then "
             f"{args.rounds} rounds of {len(MESSAGES)} messages (questions in 6 languages that hit knowledge-base "
             "entries, menu numbers, greetings, thanks and `/menu`) go each to a random contact (fixed seed). "
             "The baseline, in the same process, is the NLU's `parse()` alone on the same messages, so the ratio "
             "shows what the dialogue adds to it. Retrieval over 5,000 entries is measured by "
             "`benchmarks/retrieval.py` above.", "",
             "| contacts | set-up (s) | messages | messages/s | p50 (ms) | p99 (ms) | parse p50 (ms) | "
             "parse p99 (ms) | p99 ratio | target |", "|---|---|---|---|---|---|---|---|---|---|"]
    for contacts, r in rows.items():
        lines.append(f"| {contacts} | {r['setup']:.1f} | {r['messages']} | {r['rate']:.0f} | {r['p50']:.2f} | "
                     f"{r['p99']:.2f} | {r['parse_p50']:.2f} | {r['parse_p99']:.2f} | "
                     f"{r['p99'] / r['parse_p99']:.2f}x | p99 <= 5 ms |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        write_block("dialogue", table, after='retrieval')


if __name__ == "__main__":
    main()
