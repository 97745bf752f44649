"""Run by benchmarks/nlu_vs_rasa.py with the Rasa venv's Python, not the project's: load a Rasa
model in-process, parse each text, and write each intent with its parse time, the model's load
time and the peak memory.

    <rasa venv>/bin/python benchmarks/rasa_score.py MODEL TEXTS.json RESULT.json
"""

import asyncio
import json
import sys
import time
from pathlib import Path

model, texts_file, result_file = sys.argv[1:4]
started = time.perf_counter()
from rasa.core.agent import Agent  # noqa: E402  (the import is part of the load time)

agent = Agent.load(model)
loaded = time.perf_counter() - started
with open(texts_file, encoding="utf-8") as texts_json:
    texts = json.load(texts_json)


async def parse_all() -> list[tuple[str, float]]:
    parsed = []
    for text in texts:
        begun = time.perf_counter()
        answer = await agent.parse_message(text)
        parsed.append((answer["intent"]["name"], (time.perf_counter() - begun) * 1000))
    return parsed


results = asyncio.run(parse_all())
status = Path("/proc/self/status").read_text().splitlines()
peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
with open(result_file, "w", encoding="utf-8") as out:
    json.dump({"intents": [intent for intent, _ in results], "ms": [ms for _, ms in results],
               "load_s": loaded, "peak_rss_mb": peak_kb / 1024}, out)
