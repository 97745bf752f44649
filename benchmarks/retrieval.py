"""Knowledge-base retrieval latency: the shipped knowledge base and one scaled to 5,000 entries
(copies of the shipped ones), with the trigram index against scoring every phrase (the baseline),
in the same process.

    python benchmarks/retrieval.py            # print the table
    python benchmarks/retrieval.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from results import percentile, write_block

from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.search import EntrySearch

QUERIES = [  # (message, language, topic), in several languages and scripts
    ("how do i apply for msp, we just arrived", "en", "healthcare"),
    ("necesito mi SIN para trabajar", "es", "jobs"),
    ("我想找家庭医生", "zh-Hans", "healthcare"),
    ("got an eviction notice from my landlord", "en", "housing"),
    ("зубний лікар дорого", "uk", "healthcare"),
    ("ਮੈਨੂੰ LINC ਕਲਾਸ ਲਈ ਕੀ ਚਾਹੀਦਾ", "pa", "language_classes"),
    ("المالك ما رجع التأمين", "ar", "housing"),
    ("boss didnt pay me overtime", "en", "jobs"),
]


def latency_ms(search: EntrySearch, rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter_ns()
            search.best(*query)
            samples.append((time.perf_counter_ns() - started) / 1e6)
    return percentile(samples, 50), percentile(samples, 99)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--rounds", type=int, default=100, help="passes over the messages (a p99 needs hundreds)")
    args = parser.parse_args()
    shipped, _ = load_knowledge_base(PROJECT_ROOT / "knowledge_base")
    base = list(shipped.entries.values())
    rows = []
    for size in (len(base), 5000):
        copies = [dataclasses.replace(base[i % len(base)], id=f"{base[i % len(base)].id}-{i}") for i in range(size)]
        kb = dataclasses.replace(shipped, entries={entry.id: entry for entry in copies})
        print(f"{size} entries: building the index...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        indexed = EntrySearch(kb)
        build = time.perf_counter() - started
        every = EntrySearch(kb, candidates=10**9)
        rows.append((size, build, latency_ms(indexed, args.rounds), latency_ms(every, args.rounds)))
    lines = ["## Knowledge-base retrieval (`benchmarks/retrieval.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')}: {len(QUERIES)} messages in 6 languages, {args.rounds} rounds; "
             "the baseline scores every phrase of the topic with rapidfuzz, in the same process.", "",
             "| entries | index build (s) | p50 (ms) | p99 (ms) | baseline p50 (ms) | baseline p99 (ms) | p99 ratio | "
             "target |", "|---|---|---|---|---|---|---|---|"]
    for size, build, (p50, p99), (b50, b99) in rows:
        lines.append(f"| {size} | {build:.2f} | {p50:.2f} | {p99:.2f} | {b50:.2f} | {b99:.2f} | {p99 / b99:.2f}x | "
                     f"{'p99 <= 2 ms' if size >= 5000 else ''} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        write_block("retrieval", table, after='nlu')


if __name__ == "__main__":
    main()
