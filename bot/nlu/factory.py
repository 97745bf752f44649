"""Build the configured NLU engine from settings."""

from __future__ import annotations

from bot.config import NLUSettings
from bot.nlu.engine import BuiltinNLU, NLUEngine
from bot.nlu.training_data import TrainingData, load_training_data


def build_builtin(data: TrainingData, settings: NLUSettings) -> BuiltinNLU:
    return BuiltinNLU(data, settings.classifier, settings.thresholds, lingua_weight=settings.lingua_weight)


def build_engine(settings: NLUSettings, engine: str | None = None) -> NLUEngine:
    """The configured engine (or `engine`), trained and ready to parse. "rasa" asks a Rasa server,
    with the built-in engine beside it (languages, emergencies, and whenever Rasa is down)."""
    engine = engine or settings.engine
    data = load_training_data(settings.intents_dir)
    builtin = build_builtin(data, settings)
    if engine == "rasa":
        from bot.nlu.rasa import RasaNLU

        return RasaNLU(settings.rasa_url, settings.rasa_token, settings.rasa_timeout, builtin, data.intents)
    if engine != "builtin":
        raise ValueError(f"NLU engine {engine!r} is not available")
    return builtin
