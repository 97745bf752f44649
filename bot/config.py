"""Settings: the `settlebot:` section of config.yml, plus the environment for anything secret."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.nlu.classifier import ClassifierSettings
from bot.nlu.engine import Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class NLUSettings:
    engine: str = "builtin"
    intents_dir: Path = PROJECT_ROOT / "intents"
    thresholds: Thresholds = field(default_factory=Thresholds)
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    lingua_weight: float = 0.2


@dataclass(frozen=True)
class Settings:
    path: Path
    nlu: NLUSettings


def default_config_path() -> Path:
    return Path(os.environ.get("SETTLEBOT_CONFIG", PROJECT_ROOT / "config.yml"))


def load_settings(path: Path | None = None) -> Settings:
    path = path or default_config_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file; pass --config or set SETTLEBOT_CONFIG") from None
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise ConfigError(f"{path}:{line}: YAML syntax: {error.problem}") from None
    section = (raw.get("settlebot") or {}).get("nlu") or {}
    try:
        nlu = NLUSettings(
            engine=section.get("engine", "builtin"),
            intents_dir=(path.parent / section.get("intents_dir", "intents")).resolve(),
            thresholds=Thresholds(**section.get("thresholds", {})),
            classifier=ClassifierSettings(**{k: tuple(v) if isinstance(v, list) else v
                                             for k, v in section.get("classifier", {}).items()}),
            lingua_weight=float(section.get("language_id", {}).get("lingua_weight", 0.2)),
        )
    except TypeError as error:
        raise ConfigError(f"{path}: settlebot.nlu: {error}; see the comments in the shipped config.yml") from None
    return Settings(path=path, nlu=nlu)
