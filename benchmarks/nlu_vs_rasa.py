"""The built-in NLU beside Rasa's DIET, on the same stratified folds of intents/: each engine is
trained on k-1 folds and scored on the held-out one, k times. Rasa trains with the shipped
config.yml (its pipeline, epochs included) in its own venv (`scripts/rasa-setup venv`); its
parses are timed in-process (`benchmarks/rasa_score.py`, in the Rasa venv) and over its HTTP API
(`rasa run --enable-api` on the last fold's model).

Reported: intent accuracy overall, per language and per intent; off-topic rejection (out_of_scope
examples rejected, in-scope ones wrongly rejected); parse latency p50/p99; training and start-up
time; peak memory. A bar chart of accuracy per language goes beside the table.

    python benchmarks/nlu_vs_rasa.py              # print the table (3 folds: about 30 minutes on 2 cores)
    python benchmarks/nlu_vs_rasa.py --write      # and update docs/benchmarks.md and docs/nlu_vs_rasa.png
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import yaml
from nlu import STARTUP
from results import percentile, say, write_block

from bot.config import PROJECT_ROOT, load_settings
from bot.languages import SUPPORTED
from bot.nlu.engine import OUT_OF_SCOPE
from bot.nlu.evaluate import splits
from bot.nlu.factory import build_builtin
from bot.nlu.training_data import Example, load_training_data
from tests.servers import free_port

SETUP = PROJECT_ROOT / "scripts" / "rasa-setup"
CHART = PROJECT_ROOT / "docs" / "nlu_vs_rasa.png"
RASA_ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
HTTP_PARSES = 500


def rasa_venv() -> Path:
    done = subprocess.run([str(SETUP), "venv"], capture_output=True, text=True, check=True)
    return Path(done.stdout.strip().splitlines()[-1])


def rasa_nlu_yaml(examples: list[Example]) -> str:
    """Rasa 3.x NLU training data: every language's examples of an intent under that intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for example in examples:
        by_intent[example.intent].append(example.text)
    nlu = [{"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
           for intent, texts in sorted(by_intent.items())]
    return yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, width=10**9, sort_keys=False)


def train_rasa(venv: Path, examples: list[Example], folder: Path) -> tuple[Path, float, float]:
    """A model trained on `examples` with config.yml; its path, the training's wall time (s) and peak RSS (MB)."""
    (folder / "nlu.yml").write_text(rasa_nlu_yaml(examples), encoding="utf-8")
    command = ["/usr/bin/time", "-f", "%M %e", str(venv / "bin" / "rasa"), "train", "nlu", "--config",
               str(PROJECT_ROOT / "config.yml"), "--nlu", str(folder / "nlu.yml"), "--out", str(folder / "models"),
               "--fixed-model-name", "fold"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True,
                          env={**RASA_ENV, "RASA_CACHE_DIRECTORY": str(folder / "cache")})
    if done.returncode != 0:
        raise SystemExit(f"rasa train failed:\n{done.stderr[-3000:]}")
    peak_kb, seconds = done.stderr.strip().splitlines()[-1].split()
    return folder / "models" / "fold.tar.gz", float(seconds), int(peak_kb) / 1024


def score_rasa(venv: Path, model: Path, texts: list[str], folder: Path) -> dict:
    (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    subprocess.run([str(venv / "bin" / "python"), str(PROJECT_ROOT / "benchmarks" / "rasa_score.py"), str(model),
                    str(folder / "texts.json"), str(folder / "result.json")],
                   check=True, env=RASA_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return json.loads((folder / "result.json").read_text(encoding="utf-8"))


def rasa_over_http(venv: Path, model: Path, texts: list[str]) -> dict[str, float]:
    """`rasa run --enable-api` on `model`: how long until it answers, its parse latency, its memory."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([str(venv / "bin" / "rasa"), "run", "--enable-api", "-m", str(model), "-i", "127.0.0.1",
                               "-p", str(port)], cwd=model.parent, env=RASA_ENV, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/status").status_code == 200:
                    break
            if server.poll() is not None or time.perf_counter() - started > 300:
                raise SystemExit("rasa run did not start (try: scripts/rasa-setup serve)")
            time.sleep(0.5)
        ready = time.perf_counter() - started
        latencies = []
        with httpx.Client(base_url=url) as client:
            for text in (texts * (HTTP_PARSES // len(texts) + 1))[:HTTP_PARSES]:
                begun = time.perf_counter()
                client.post("/model/parse", json={"text": text}).raise_for_status()
                latencies.append((time.perf_counter() - begun) * 1000)
        status = Path(f"/proc/{server.pid}/status").read_text().splitlines()
        rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return {"ready_s": ready, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99), "rss_mb": rss}


def builtin_memory() -> dict[str, float]:
    """The built-in engine's start-up and peak memory in a fresh interpreter (benchmarks/nlu.py's measure)."""
    done = subprocess.run([sys.executable, "-c", STARTUP, str(load_settings().nlu.intents_dir)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md and docs/nlu_vs_rasa.png")
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds (default: 3; each trains "
                                                             "Rasa once, several minutes)")
    args = parser.parse_args()

    settings = load_settings().nlu
    data = load_training_data(settings.intents_dir)
    venv = rasa_venv()
    expected: list[Example] = []
    predicted: dict[str, list[str]] = {"builtin": [], "rasa": []}
    latency: dict[str, list[float]] = {"builtin": [], "rasa": []}
    training: dict[str, list[float]] = {"builtin": [], "rasa": []}
    rasa_training_peaks, rasa_parsing_peaks, rasa_loads = [], [], []
    with tempfile.TemporaryDirectory() as directory:
        for fold, (train, test) in enumerate(splits(data, args.folds), start=1):
            say(f"fold {fold}/{args.folds}: {len(train.examples)} examples to train on, {len(test)} to score")
            texts = [example.text for example in test]
            expected += test
            begun = time.perf_counter()
            builtin = build_builtin(train, settings)
            training["builtin"].append(time.perf_counter() - begun)
            for text in texts:
                begun = time.perf_counter()
                predicted["builtin"].append(builtin.parse(text).intent)
                latency["builtin"].append((time.perf_counter() - begun) * 1000)
            say(f"  built-in: trained in {training['builtin'][-1]:.0f} s; training Rasa (config.yml's pipeline)...")
            folder = Path(directory) / f"fold{fold}"
            folder.mkdir()
            model, seconds, peak = train_rasa(venv, train.examples, folder)
            training["rasa"].append(seconds)
            rasa_training_peaks.append(peak)
            say(f"  Rasa: trained in {seconds:.0f} s (peak {peak:.0f} MB); parsing in-process...")
            scored = score_rasa(venv, model, texts, folder)
            predicted["rasa"] += [intent if intent in data.intents else OUT_OF_SCOPE for intent in scored["intents"]]
            latency["rasa"] += scored["ms"]
            rasa_loads.append(scored["load_s"])
            rasa_parsing_peaks.append(scored["peak_rss_mb"])
        say("Rasa over HTTP (rasa run --enable-api, the last fold's model)...")
        http = rasa_over_http(venv, model, [example.text for example in expected[-HTTP_PARSES:]])
    memory = builtin_memory()

    def accuracy(engine: str, *, language: str | None = None, intent: str | None = None) -> float:
        pairs = [(e, p) for e, p in zip(expected, predicted[engine], strict=True)
                 if language in (None, e.language) and intent in (None, e.intent)]
        return sum(e.intent == p for e, p in pairs) / len(pairs)

    def rejected(engine: str, off_topic: bool) -> float:
        pairs = [(e, p) for e, p in zip(expected, predicted[engine], strict=True)
                 if (e.intent == OUT_OF_SCOPE) == off_topic]
        return sum(p == OUT_OF_SCOPE for _, p in pairs) / len(pairs)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    lines = ["## Rasa beside the built-in NLU (`benchmarks/nlu_vs_rasa.py`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({os.cpu_count()} cores; settlebot on "
             f"Python {platform.python_version()}, Rasa 3.6.21 on Python 3.10): the same {args.folds} stratified folds "
             f"of `intents/` ({len(expected)} examples, 12 languages, 12 intents), each engine trained on the "
             "other folds and scored on the held-out one. Rasa trains with the shipped `config.yml`: DIET with "
             "word and character n-gram features, its epochs as set there. Latency is one parse at a time; Rasa's "
             f"HTTP figures are {HTTP_PARSES} sequential `POST /model/parse` to `rasa run --enable-api` on loopback.",
             "", "| | built-in | Rasa (DIET) | Rasa / built-in |", "|---|---|---|---|"]

    def row(label: str, ours: float, theirs: float, unit: str = "", digits: int = 3) -> None:
        ratio = f"{theirs / ours:.1f}x" if ours else ""
        lines.append(f"| {label} | {ours:.{digits}f}{unit} | {theirs:.{digits}f}{unit} | {ratio} |")

    row("intent accuracy", accuracy("builtin"), accuracy("rasa"))
    row("off-topic messages rejected", rejected("builtin", True), rejected("rasa", True))
    row("in-scope messages wrongly rejected", rejected("builtin", False), rejected("rasa", False))
    row("emergencies found", accuracy("builtin", intent="emergency"),
        accuracy("rasa", intent="emergency"))
    row("parse p50, in-process", percentile(latency["builtin"], 50), percentile(latency["rasa"], 50), " ms", 2)
    row("parse p99, in-process", percentile(latency["builtin"], 99), percentile(latency["rasa"], 99), " ms", 2)
    lines.append(f"| parse p50 / p99, Rasa over HTTP | | {http['p50']:.2f} / {http['p99']:.2f} ms | |")
    row("training, one fold", mean(training["builtin"]), mean(training["rasa"]), " s", 1)
    row("start-up (built-in: import and train; Rasa: load the model)", memory["startup_s"], mean(rasa_loads),
        " s", 1)
    lines.append(f"| start-up, Rasa server until it answers | | {http['ready_s']:.1f} s | |")
    # The built-in engine trains in the process that parses: one peak for both.
    row("peak memory, training", memory["peak_rss_mb"], max(rasa_training_peaks), " MB", 0)
    row("peak memory, parsing in-process", memory["peak_rss_mb"], max(rasa_parsing_peaks), " MB", 0)
    lines.append(f"| peak memory, Rasa server | | {http['rss_mb']:.0f} MB | |")
    lines += ["", "Intent accuracy per language:", "", "| language | built-in | Rasa |", "|---|---|---|"]
    for language in SUPPORTED:
        lines.append(f"| {language} | {accuracy('builtin', language=language):.3f} | "
                     f"{accuracy('rasa', language=language):.3f} |")
    lines += ["", "Intent accuracy per intent:", "", "| intent | built-in | Rasa |", "|---|---|---|"]
    for intent in data.intents:
        lines.append(f"| {intent} | {accuracy('builtin', intent=intent):.3f} | "
                     f"{accuracy('rasa', intent=intent):.3f} |")
    lines += ["", f"![Intent accuracy per language, built-in and Rasa]({CHART.name})"]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        chart({language: (accuracy("builtin", language=language),
                          accuracy("rasa", language=language)) for language in SUPPORTED})
        write_block("nlu_vs_rasa", table, after="nlu")


def chart(by_language: dict[str, tuple[float, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(10, 4))
    positions = range(len(by_language))
    axes.bar([p - 0.2 for p in positions], [ours for ours, _ in by_language.values()], 0.4, label="built-in")
    axes.bar([p + 0.2 for p in positions], [theirs for _, theirs in by_language.values()], 0.4, label="Rasa (DIET)")
    axes.set_xticks(list(positions), list(by_language))
    axes.set_ylim(min(min(pair) for pair in by_language.values()) - 0.05, 1.04)
    axes.set_ylabel("intent accuracy (cross-validated)")
    axes.set_title("Intent accuracy per language: settlebot's built-in NLU and Rasa's DIET, same folds")
    axes.legend(loc="upper right", ncol=2)
    figure.tight_layout()
    figure.savefig(CHART, dpi=100)
    say(f"wrote {CHART}")


if __name__ == "__main__":
    main()
