"""Shared by the benchmarks: progress lines, percentiles, and the generated blocks of docs/benchmarks.md that
`--write` replaces (between <!-- NAME:start --> and <!-- NAME:end -->)."""

from __future__ import annotations

import statistics
import sys

from bot.config import PROJECT_ROOT

DOC = PROJECT_ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(PROJECT_ROOT))  # the tests' fakes and `settlebot serve` runner (tests/servers.py)


def say(message: str) -> None:
    """Progress, on stderr: stdout is the table."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def write_block(name: str, table: str, after: str | None = None) -> None:
    """Put `table` in the doc's block `name`: in place, or after block `after`, or at the end."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    block = f"{start}\n{table.rstrip()}\n{end}"
    if start in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    elif after and f"<!-- {after}:end -->" in text:
        text = text.replace(f"<!-- {after}:end -->", f"<!-- {after}:end -->\n\n{block}", 1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}", file=sys.stderr)
