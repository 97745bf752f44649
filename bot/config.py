"""Settings: the `settlebot:` section of config.yml, plus the environment for anything secret."""

from __future__ import annotations

import datetime
import difflib
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot.nlu.settings import ClassifierSettings, Thresholds

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# NLU engines that can be chosen (config `settlebot.nlu.engine`, `settlebot parse --nlu`).
ENGINES = ("builtin", "rasa")
LOCAL_KEY_FILE = PROJECT_ROOT / "settlebot.key"
MIN_KEY_LENGTH = 32
DEFAULT_TIMEZONE = ZoneInfo("America/Vancouver")
MAKE_KEY = "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


class ConfigError(Exception):
    pass


@dataclass(frozen=True)
class NLUSettings:
    engine: str = "builtin"
    intents_dir: Path = PROJECT_ROOT / "intents"
    thresholds: Thresholds = field(default_factory=Thresholds)
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    lingua_weight: float = 0.2  # lingua's share beside the in-domain language model (docs/benchmarks.md)
    rasa_timeout: float = 2.0  # seconds to wait for the Rasa server before the built-in engine answers

    @property
    def rasa_url(self) -> str:
        """The Rasa server (`scripts/rasa-setup serve`), for engine "rasa"."""
        return (os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")

    @property
    def rasa_token(self) -> str | None:
        """The server's --auth-token, if it has one."""
        return os.environ.get("RASA_TOKEN") or None


@dataclass(frozen=True)
class Notifications:
    """How referrals reach agencies (config `settlebot.referrals`)."""

    email_from: str = "settlebot@example.org"
    follow_up: datetime.timedelta = datetime.timedelta(days=7)  # then ask the newcomer if they were reached
    retry_first: datetime.timedelta = datetime.timedelta(seconds=30)  # doubling after each failure...
    retry_most: datetime.timedelta = datetime.timedelta(hours=1)  # ...up to this
    lease: datetime.timedelta = datetime.timedelta(minutes=2)  # a worker that dies mid-delivery frees it after this


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram channel (config `settlebot.telegram`; the token comes from the environment)."""

    # Telegram takes about 30 messages a second from a bot; more gets 429s. 0: no limit (a
    # self-hosted Bot API server, or the benchmark's fake).
    messages_per_second: float = 30.0

    @property
    def token(self) -> str | None:
        return os.environ.get("TELEGRAM_BOT_TOKEN") or None

    @property
    def api_base(self) -> str | None:
        """Another Bot API server than Telegram's: a self-hosted one, or a test's fake."""
        return (os.environ.get("TELEGRAM_API_BASE") or "").rstrip("/") or None


@dataclass(frozen=True)
class SMSSettings:
    """The SMS channel (config `settlebot.sms`; Twilio's credentials and the gateway's secret come
    from the environment)."""

    max_segments: int = 3  # a reply is cut to fit in this many SMS segments

    @property
    def twilio_auth_token(self) -> str | None:
        return os.environ.get("TWILIO_AUTH_TOKEN") or None

    @property
    def twilio_account_sid(self) -> str | None:
        """With the auth token, lets the outbox worker push news by SMS through Twilio's REST API."""
        return os.environ.get("TWILIO_ACCOUNT_SID") or None

    @property
    def twilio_api_base(self) -> str | None:
        """Another address for Twilio's REST API than https://api.twilio.com: a test's fake."""
        return (os.environ.get("TWILIO_API_BASE") or "").rstrip("/") or None

    @property
    def gateway_secret(self) -> str | None:
        """The secret a generic SMS gateway signs its posts with (POST /sms/generic)."""
        return os.environ.get("SMS_GATEWAY_SECRET") or None


@dataclass(frozen=True)
class Settings:
    nlu: NLUSettings
    knowledge_base: Path = PROJECT_ROOT / "knowledge_base"
    retention: datetime.timedelta = datetime.timedelta(days=30)  # how long message text is kept
    timezone: ZoneInfo = DEFAULT_TIMEZONE  # the city's: agencies' opening hours are in it
    notifications: Notifications = field(default_factory=Notifications)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    sms: SMSSettings = field(default_factory=SMSSettings)

    @property
    def public_url(self) -> str:
        """Where agencies reach `settlebot serve`: the links in referral emails start with it."""
        return (os.environ.get("SETTLEBOT_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")

    @property
    def smtp_url(self) -> str | None:
        """smtp://[user:password@]host:port (or smtps://); unset, emails wait in the outbox."""
        return os.environ.get("SMTP_URL") or None

    @property
    def database_url(self) -> str:
        return os.environ.get("SETTLEBOT_DATABASE_URL") or f"sqlite:///{PROJECT_ROOT / 'settlebot.sqlite3'}"

    def secret_key(self) -> bytes:
        """The key of contact pseudonyms and of encrypted referral details:
        $SETTLEBOT_SECRET_KEY. A deployment must set it; on the built-in defaults (the local SQLite
        file) a key is made once in settlebot.key beside it, so that a first chat just works."""
        value = os.environ.get("SETTLEBOT_SECRET_KEY", "")
        if value:
            if len(value) < MIN_KEY_LENGTH:
                raise ConfigError(f"SETTLEBOT_SECRET_KEY must be at least {MIN_KEY_LENGTH} characters; {MAKE_KEY}")
            return value.encode()
        if os.environ.get("SETTLEBOT_DATABASE_URL"):
            raise ConfigError(f"SETTLEBOT_SECRET_KEY is not set. It keys the pseudonyms of everyone in the database: "
                              f"{MAKE_KEY}, and keep it with the database's backups")
        try:
            descriptor = os.open(LOCAL_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return LOCAL_KEY_FILE.read_text(encoding="ascii").strip().encode()
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(32) + "\n")
        return LOCAL_KEY_FILE.read_text(encoding="ascii").strip().encode()


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
    try:
        bot = _known(_section(_section(raw, "(top level)").get("settlebot"), "settlebot"),
                     {"nlu", "knowledge_base", "retention_days", "timezone", "referrals", "telegram", "sms"},
                     "settlebot")
        return Settings(nlu=_nlu_settings(_section(bot.get("nlu"), "settlebot.nlu"), path.parent),
                        knowledge_base=(path.parent / str(bot.get("knowledge_base", "knowledge_base"))).resolve(),
                        retention=datetime.timedelta(days=_number(bot.get("retention_days", 30),
                                                                  "settlebot.retention_days", 1, 3650)),
                        timezone=_timezone(bot.get("timezone", "America/Vancouver")),
                        notifications=_notifications(_section(bot.get("referrals"), "settlebot.referrals")),
                        telegram=_telegram(_section(bot.get("telegram"), "settlebot.telegram")),
                        sms=_sms(_section(bot.get("sms"), "settlebot.sms")))
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{path}: {error}; see the comments in the shipped config.yml") from None


def _timezone(value: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"settlebot.timezone {value!r} is not a time zone; use an IANA name such as "
                         "America/Vancouver or America/Toronto") from None


def _notifications(section: dict) -> Notifications:
    name = "settlebot.referrals."
    _known(section, {"email_from", "follow_up_days", "retry_first_seconds", "retry_most_seconds", "lease_seconds"},
           name[:-1])
    defaults = Notifications()
    email_from = str(section.get("email_from", defaults.email_from))
    if "@" not in email_from:
        raise ValueError(f"{name}email_from must be an email address, not {email_from!r}")

    def seconds(key: str, default: datetime.timedelta, low: float, high: float) -> datetime.timedelta:
        return datetime.timedelta(seconds=_number(section.get(key, default.total_seconds()), name + key, low, high))

    return Notifications(
        email_from=email_from,
        follow_up=datetime.timedelta(days=_number(section.get("follow_up_days", defaults.follow_up.days),
                                                  name + "follow_up_days", 0, 90)),
        retry_first=seconds("retry_first_seconds", defaults.retry_first, 0.1, 3600),
        retry_most=seconds("retry_most_seconds", defaults.retry_most, 1, 86400),
        lease=seconds("lease_seconds", defaults.lease, 1, 3600))


def _telegram(section: dict) -> TelegramSettings:
    _known(section, {"messages_per_second"}, "settlebot.telegram")
    return TelegramSettings(messages_per_second=_number(
        section.get("messages_per_second", TelegramSettings.messages_per_second),
        "settlebot.telegram.messages_per_second", 0, 100000))


def _sms(section: dict) -> SMSSettings:
    _known(section, {"max_segments"}, "settlebot.sms")
    return SMSSettings(max_segments=int(_number(section.get("max_segments", SMSSettings.max_segments),
                                                "settlebot.sms.max_segments", 1, 10)))


def _section(value: object, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a mapping of settings")
    return value


def _known(section: dict, allowed: set[str], name: str) -> dict:
    for key in section:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            raise ValueError(f"{name}.{key} is not a setting" + (f" (did you mean {close[0]}?)" if close else ""))
    return section


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low} to {high}, not {value!r}")
    return float(value)


def _ngrams(value: object, name: str) -> tuple[int, int]:
    if (not isinstance(value, list | tuple) or len(value) != 2 or not all(isinstance(v, int) for v in value)
            or not 1 <= value[0] <= value[1] <= 8):
        raise ValueError(f"{name} must be [smallest, largest] with 1 <= smallest <= largest <= 8, not {value!r}")
    return value[0], value[1]


def _nlu_settings(section: dict, base: Path) -> NLUSettings:
    _known(section, {"engine", "intents_dir", "thresholds", "classifier", "language_id", "rasa"}, "settlebot.nlu")
    engine = section.get("engine", "builtin")
    if engine not in ENGINES:
        raise ValueError(f"settlebot.nlu.engine {engine!r} is not available; choose one of {', '.join(ENGINES)}")
    thresholds = _known(_section(section.get("thresholds"), "thresholds"),
                        {f.name for f in fields(Thresholds)}, "settlebot.nlu.thresholds")
    classifier = _known(_section(section.get("classifier"), "classifier"),
                        {f.name for f in fields(ClassifierSettings)}, "settlebot.nlu.classifier")
    language_id = _known(_section(section.get("language_id"), "language_id"), {"lingua_weight"},
                         "settlebot.nlu.language_id")
    rasa = _known(_section(section.get("rasa"), "rasa"), {"timeout_seconds"}, "settlebot.nlu.rasa")
    name = "settlebot.nlu.classifier."
    return NLUSettings(
        engine=engine,
        intents_dir=(base / str(section.get("intents_dir", "intents"))).resolve(),
        thresholds=Thresholds(**{k: _number(v, f"settlebot.nlu.thresholds.{k}", 0.0, 1.0)
                                 for k, v in thresholds.items()}),
        classifier=ClassifierSettings(**{
            k: (_ngrams(v, name + k) if k.endswith("ngrams") else
                int(_number(v, name + k, 1, 100)) if k == "min_df" else
                _number(v, name + k, 0.0, 1000.0))
            for k, v in classifier.items()}),
        lingua_weight=_number(language_id.get("lingua_weight", NLUSettings.lingua_weight),
                              "settlebot.nlu.language_id.lingua_weight", 0.0, 1.0),
        rasa_timeout=_number(rasa.get("timeout_seconds", NLUSettings.rasa_timeout),
                             "settlebot.nlu.rasa.timeout_seconds", 0.05, 60.0),
    )
