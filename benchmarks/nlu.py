"""NLU benchmark: accuracy (cross-validated and on the hold-out sample), language ID, parse
latency, start-up time and peak memory, each beside a baseline measured in the same run.

    python benchmarks/nlu.py            # print the table
    python benchmarks/nlu.py --write    # and update docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import replace

from results import percentile, say, write_block

from bot.config import PROJECT_ROOT, NLUSettings, load_settings
from bot.nlu.classifier import IntentClassifier, TextFeatures
from bot.nlu.engine import BuiltinNLU, NLUEngine, Parse
from bot.nlu.evaluate import Outcome, Report, cross_validate
from bot.nlu.factory import build_builtin
from bot.nlu.text import is_romanized, normalize
from bot.nlu.training_data import TrainingData, load_training_data

# Start-up and memory are measured in a fresh interpreter: imports count, and nothing else is loaded.
STARTUP = """
import json, sys, time
started = time.perf_counter()
from bot.config import load_settings
from bot.nlu.factory import build_engine
from bot.nlu.training_data import load_training_data
engine = build_engine(load_settings().nlu, "builtin")
ready = time.perf_counter() - started
for example in load_training_data(__import__("pathlib").Path(sys.argv[1])).examples:
    engine.parse(example.text)
# VmHWM, not ru_maxrss: a child's ru_maxrss keeps the peak of the parent it was forked from.
peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"startup_s": ready, "peak_rss_mb": peak_kb / 1024}))
"""



class PlainClassifier:
    """The baseline: the same n-gram features and calibrated linear SVM over all twelve intents,
    best intent wins, with no term lists, crisis phrases, danger model or language ID."""

    def __init__(self, data: TrainingData, settings: NLUSettings):
        self.threshold = settings.thresholds.intent
        self.features = TextFeatures(settings.classifier, {})
        matrix = self.features.fit_transform([e.text for e in data.examples], [e.language for e in data.examples])
        self.model = IntentClassifier(settings.classifier).fit(matrix, [e.intent for e in data.examples])

    def parse(self, text: str) -> Parse:
        probabilities = self.model.probabilities(self.features.vector(normalize(text), None))
        best = max(probabilities, key=probabilities.__getitem__)
        intent = best if probabilities[best] >= self.threshold else "out_of_scope"
        return Parse(text, None, 0.0, intent, probabilities[best])


def latency_us(parse, texts: list[str], rounds: int) -> tuple[float, float]:
    samples = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter_ns()
            parse(text)
            samples.append((time.perf_counter_ns() - started) / 1000)
    return percentile(samples, 50), percentile(samples, 99)


def holdout_report(engine: NLUEngine, holdout: TrainingData) -> Report:
    parses = [engine.parse(e.text) for e in holdout.examples]
    return Report([Outcome(e, p.intent, p.language) for e, p in zip(holdout.examples, parses, strict=True)])


def language_accuracy(engine: BuiltinNLU, holdout: TrainingData) -> tuple[float, float]:
    native, romanized = [], []
    for e in holdout.examples:
        right = engine.languages.identify(e.text).language == e.language
        (romanized if is_romanized(e.text, e.language) else native).append(right)
    return sum(native) / len(native), sum(romanized) / max(1, len(romanized))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5, help="latency: passes over the hold-out sample")
    args = parser.parse_args()

    settings = load_settings().nlu
    data = load_training_data(settings.intents_dir)
    holdout_dir = PROJECT_ROOT / "tests" / "data" / "holdout"
    holdout = load_training_data(holdout_dir)
    engines = {
        "settlebot": lambda d: build_builtin(d, settings),
        "plain classifier (baseline)": lambda d: PlainClassifier(d, settings),
    }
    rows = {}
    for name, build in engines.items():
        say(f"{name}: {args.folds}-fold cross-validation...")
        cv = cross_validate(data, build, args.folds, progress=lambda f, n: say(f"  fold {f}/{n}"))
        engine = build(data)
        held = holdout_report(engine, holdout)
        texts = [e.text for e in holdout.examples]
        say(f"{name}: latency...")
        p50, p99 = latency_us(engine.parse, texts, args.rounds)
        rows[name] = {
            "cv": cv.accuracy(),
            "cv_worst": min(cv.accuracy(r) for r in cv.by(lambda o: o.example.language).values()),
            "cv_emergency": cv.emergency_recall(),
            "holdout": held.accuracy(),
            "holdout_worst": min(held.accuracy(r) for r in held.by(lambda o: o.example.language).values()),
            "holdout_emergency": held.emergency_recall(),
            "false_alarms": held.false_alarms(),
            "p50": p50, "p99": p99,
        }

    say("language ID on the hold-out sample...")
    language_rows = {}
    for name, weight in (("settlebot (in-domain model + lingua)", settings.lingua_weight),
                         ("in-domain model only", 0.0), ("lingua only (baseline)", 1.0)):
        engine = build_builtin(data, replace(settings, lingua_weight=weight))
        language_rows[name] = language_accuracy(engine, holdout)

    say("start-up and memory in a fresh interpreter (3 runs)...")
    runs = [json.loads(subprocess.run([sys.executable, "-c", STARTUP, str(holdout_dir)], capture_output=True,
                                      text=True, check=True, cwd=PROJECT_ROOT).stdout) for _ in range(3)]
    startup = statistics.median(r["startup_s"] for r in runs)
    rss = max(r["peak_rss_mb"] for r in runs)

    table = render(rows, language_rows, startup, rss, len(data.examples), len(holdout.examples), args)
    print(table)
    if args.write:
        write_block("nlu", table)


def render(rows, language_rows, startup, rss, n_train, n_holdout, args) -> str:
    ours, base = rows["settlebot"], rows["plain classifier (baseline)"]
    lines = [
        "## NLU (`benchmarks/nlu.py`)", "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()} ({platform.python_version()}), "
        f"{n_train} training examples, {args.folds}-fold stratified cross-validation, and a hold-out sample of "
        f"{n_holdout} messages written apart from the training data (`tests/data/holdout/`). The baseline, "
        "run in the same process, is a plain classifier: the same n-gram features and calibrated linear SVM "
        "over all twelve intents, best intent wins, with no term lists, crisis phrases, danger model or "
        "language ID.", "",
        "| | settlebot | plain classifier (baseline) | ratio | target |",
        "|---|---|---|---|---|",
    ]

    def row(label: str, key: str, fmt: str, target: str = "") -> None:
        ratio = f"{ours[key] / base[key]:.2f}x" if base[key] else "-"
        lines.append(f"| {label} | {ours[key]:{fmt}} | {base[key]:{fmt}} | {ratio} | {target} |")

    row("intent accuracy, cross-validated", "cv", ".3f")
    row("worst language, cross-validated", "cv_worst", ".3f")
    row("emergency recall, cross-validated", "cv_emergency", ".3f", ">= 0.98")
    row("intent accuracy, hold-out", "holdout", ".3f", ">= 0.90")
    row("worst language, hold-out", "holdout_worst", ".3f", ">= 0.85")
    row("emergency recall, hold-out", "holdout_emergency", ".3f", ">= 0.98")
    row("false emergency alarms, hold-out", "false_alarms", "d")
    row("parse p50 (µs, in-process)", "p50", ".0f")
    row("parse p99 (µs, in-process)", "p99", ".0f", "<= 1000")
    lines += ["", "| language ID on the hold-out sample | native script | romanized pa/ar/fa |", "|---|---|---|"]
    lines += [f"| {name} | {native:.3f} | {romanized:.3f} |" for name, (native, romanized) in language_rows.items()]
    lines += ["", f"Start-up (imports, loading `intents/`, training): **{startup:.2f} s** (target <= 3 s); "
              f"peak RSS after parsing the hold-out sample: **{rss:.0f} MB** (target <= 250 MB).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
