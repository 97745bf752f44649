"""The `settlebot` command."""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import ENGINES, ConfigError, Settings, load_settings
from bot.knowledge.loader import load_knowledge_base
from bot.nlu.training_data import load_training_data
from bot.problems import ProblemsError
from bot.referrals.status import STATUSES

if TYPE_CHECKING:
    from bot.knowledge.search import EntrySearch

# Commands import their heavy parts (scikit-learn, SQLAlchemy) themselves, so that `--help` and
# `kb validate`, which staff run after every edit, answer at once.


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        stream.reconfigure(encoding="utf-8", errors="replace")
    logging.basicConfig(format="settlebot: %(message)s")  # to stderr, beside the output
    logging.getLogger("settlebot").setLevel(logging.INFO)
    try:
        settings = load_settings(args.config)
        return args.run(args, settings)
    except (ConfigError, ProblemsError) as error:
        print(f"settlebot: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="settlebot",
        description="A multilingual information-and-referral chatbot for newcomers.",
        epilog="Run 'settlebot COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"settlebot {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file (default: $SETTLEBOT_CONFIG or the project's config.yml)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    parse = commands.add_parser(
        "parse", help="understand messages: one per line on stdin, one JSON object per line on stdout",
        description="Reads one message per line on standard input and writes one JSON object per line: "
                    '{"text", "language", "language_confidence", "intent", "confidence", "entry"}. '
                    "A blank line gives language and intent null. Type messages at a terminal, or pipe "
                    "a file in.")
    parse.add_argument("--nlu", choices=ENGINES, help="NLU engine (default: from config.yml)")
    parse.set_defaults(run=_parse)

    chat = commands.add_parser(
        "chat", help="chat with the bot in this terminal (the console channel)",
        description="Talk to the bot as a newcomer would: write in any of the 12 languages; choices are "
                    "numbered, so reply with a number or write a new question. Each line is one message. "
                    "On a terminal Ctrl-D ends; with a pipe, every line of the input is sent in turn, so a whole "
                    "conversation can be scripted. The person's language and place in the conversation are "
                    "kept in the database ($SETTLEBOT_DATABASE_URL, default: settlebot.sqlite3 in the project), "
                    "so a later chat with the same --contact carries on.")
    chat.add_argument("--contact", default="console", metavar="ID",
                      help="who you are playing: every ID is a different person with their own language and "
                           "conversation (default: console)")
    chat.add_argument("--brief", action="store_true",
                      help="show answers in their SMS form (at most 300 characters), as SMS users get them")
    chat.add_argument("--nlu", choices=ENGINES, help="NLU engine (default: from config.yml)")
    chat.set_defaults(run=_lazy('running', 'chat'))

    kb = commands.add_parser("kb", help="check the knowledge base").add_subparsers(
        title="kb commands", metavar="COMMAND")
    validate = kb.add_parser(
        "validate", help="check knowledge_base/ and list every problem with its file, line and fix",
        description="Checks topics.yml, agencies.yml, emergency.yml and entries/*.yml: YAML syntax, "
                    "missing fields and languages, unknown topics and partner services, duplicate ids, "
                    "dates, web addresses and SMS length. Entries not reviewed in 12 months are warnings. "
                    "Exits 1 if there is any error.")
    validate.add_argument("--dir", type=Path, metavar="DIR",
                          help="the knowledge base folder (default: settlebot.knowledge_base in config.yml)")
    validate.set_defaults(run=_kb_validate)

    purge = commands.add_parser(
        "purge", help="blank message text older than the retention period",
        description="Blanks the text of messages and unanswered questions older than settlebot.retention_days "
                    "(config.yml), keeping dates, languages and intents for reports. Run it daily, e.g. from cron. "
                    "The database is $SETTLEBOT_DATABASE_URL (default: settlebot.sqlite3 in the project).")
    purge.add_argument("--days", type=int, metavar="N", help="keep N days instead of the configured retention")
    purge.set_defaults(run=_purge)

    telegram = commands.add_parser(
        "telegram", help="run the Telegram bot (polling), or point Telegram at 'serve' (set-webhook)",
        description="Without an action: answers newcomers on Telegram in private chats by polling the Bot API, "
                    "for a pilot on a laptop, and delivers notifications while it runs. 'set-webhook': for "
                    "production, tells Telegram to post updates to 'settlebot serve' at "
                    "$SETTLEBOT_PUBLIC_URL/telegram/webhook (or --url), with a secret token derived from "
                    "$SETTLEBOT_SECRET_KEY; both set the command menu in every language. $TELEGRAM_BOT_TOKEN is "
                    "the bot's token (from @BotFather); $TELEGRAM_API_BASE (optional) another Bot API server.")
    telegram.add_argument("action", nargs="?", choices=("poll", "set-webhook"), default="poll",
                          help="poll (the default) or set-webhook")
    telegram.add_argument("--url", help="set-webhook: the webhook's address (default: "
                                        "$SETTLEBOT_PUBLIC_URL/telegram/webhook)")
    telegram.add_argument("--nlu", choices=ENGINES, help="poll: NLU engine (default: from config.yml)")
    telegram.set_defaults(run=_lazy("running", "telegram"))

    worker = commands.add_parser(
        "worker", help="deliver notifications (email, webhook, Telegram, SMS) from the outbox",
        description="Delivers the notifications that referrals wrote to the outbox, retrying failures with "
                    "a doubling delay (settlebot.referrals in config.yml). chat and serve deliver too while "
                    "they run; several workers may share one PostgreSQL database. Email needs $SMTP_URL; "
                    "Telegram needs $TELEGRAM_BOT_TOKEN; SMS news needs $TWILIO_ACCOUNT_SID and $TWILIO_AUTH_TOKEN.")
    worker.add_argument("--once", action="store_true", help="deliver what is due now, then stop")
    worker.add_argument("--idle", type=float, default=1.0, metavar="SECONDS",
                        help="how long to sleep when nothing is due (default: 1)")
    worker.set_defaults(run=_lazy("running", "worker"))

    serve = commands.add_parser(
        "serve", help="the web app: channel webhooks, agency API and referral pages (and the outbox worker)",
        description="Serves GET /healthz, the agency API (/agency/referrals, with an agency's token), the "
                    "referral pages that emails link to (/agency/r/CODE?key=...), POST /telegram/webhook when "
                    "$TELEGRAM_BOT_TOKEN is set, POST /sms/twilio and /sms/twilio/status when $TWILIO_AUTH_TOKEN is "
                    "set, and POST /sms/generic when $SMS_GATEWAY_SECRET is set; and delivers notifications (SMS "
                    "news through Twilio's REST API when $TWILIO_ACCOUNT_SID is set too). Links in emails, and the "
                    "address Twilio signs, start with $SETTLEBOT_PUBLIC_URL.")
    serve.add_argument("--nlu", choices=ENGINES, help="NLU engine (default: from config.yml)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="processes taking requests (default: 1); each trains its own NLU. More use more "
                            "cores: measured in docs/benchmarks.md")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.set_defaults(run=_lazy("running", "serve"))

    referrals = commands.add_parser("referrals", help="see and export referrals").add_subparsers(
        title="referrals commands", metavar="COMMAND")
    listing = referrals.add_parser("list", help="list referrals, newest last",
                                   description="Lists referrals with their status, agency, topic and language.")
    export = referrals.add_parser("export", help="referrals as CSV, for reports (no contact details)",
                                  description="Writes the listed columns as CSV on standard output. Names, phone "
                                              "numbers and needs are left out: 'show' one referral for those.")
    export.add_argument("--csv", action="store_true", default=True, help="CSV (the only format, the default)")
    for command, name in ((listing, "referrals_list"), (export, "referrals_export")):
        _referral_filters(command)
        command.set_defaults(run=_lazy("staff", name))
    assign = referrals.add_parser(
        "assign", help="hand a referral to another agency (e.g. from the LIP desk)",
        description="Moves a referral to ORG (and optionally one of its services), sets it back to sent and "
                    "notifies the new agency. Its history records the move.")
    assign.add_argument("code", help="the reference code, e.g. SB-7K3P9Q")
    assign.add_argument("organization", help="the organization's id in agencies.yml")
    assign.add_argument("--service", metavar="ID", help="one of its services (its id after the slash)")
    assign.set_defaults(run=_lazy("staff", "referrals_assign"))
    show = referrals.add_parser("show", help="one referral with its contact details and history")
    show.add_argument("code", help="the reference code, e.g. SB-7K3P9Q")
    show.set_defaults(run=_lazy("staff", "referrals_show"))

    agencies = commands.add_parser("agencies", help="partner agencies: API tokens, webhook secrets, tests") \
        .add_subparsers(title="agencies commands", metavar="COMMAND")
    token = agencies.add_parser("token", help="make an agency's API token (shown once)")
    token.add_argument("organization", help="the organization's id in agencies.yml")
    token.add_argument("--revoke", action="store_true", help="revoke all its tokens instead")
    token.set_defaults(run=_lazy("staff", "agencies_token"))
    secret = agencies.add_parser("secret", help="print the secret an agency checks webhook signatures with")
    secret.add_argument("organization", help="the organization's id in agencies.yml")
    secret.set_defaults(run=_lazy("staff", "agencies_secret"))
    test_notify = agencies.add_parser("test-notify", help="send an agency a test notification (email, webhook)")
    test_notify.add_argument("organization", help="the organization's id in agencies.yml")
    test_notify.set_defaults(run=_lazy("staff", "agencies_test_notify"))

    nlu = commands.add_parser("nlu", help="train and measure the NLU").add_subparsers(
        title="nlu commands", metavar="COMMAND")
    evaluate = nlu.add_parser(
        "evaluate", help="cross-validate the built-in engine on intents/",
        description="Stratified k-fold cross-validation on intents/: accuracy per language and per "
                    "intent, emergency recall, language ID accuracy and the top confusions.")
    evaluate.add_argument("--folds", type=int, default=5, help="number of folds (default: 5)")
    evaluate.add_argument("--seed", type=int, default=0, help="shuffle seed (default: 0)")
    evaluate.add_argument("--top", type=int, default=10, help="confusions to list (default: 10)")
    evaluate.set_defaults(run=_evaluate)
    return parser


def _lazy(module: str, name: str) -> Callable[[argparse.Namespace, Settings], int]:
    """A command in bot/commands/<module>.py, imported only when it runs."""
    def run(args: argparse.Namespace, settings: Settings) -> int:
        return getattr(importlib.import_module(f"bot.commands.{module}"), name)(args, settings)
    return run


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: write YYYY-MM-DD") from None


def _referral_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agency", metavar="ORG", help="only this organization's referrals (its id in agencies.yml)")
    parser.add_argument("--status", choices=STATUSES, help="only referrals with this status")
    parser.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="made on or after this day")
    parser.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="made on or before this day")


def _parse(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"settlebot: training the NLU on {settings.nlu.intents_dir}...", file=sys.stderr, flush=True)
    from bot.nlu.factory import build_engine

    engine = build_engine(settings.nlu, args.nlu)
    search = _entry_search(settings)
    if interactive:
        print(f"settlebot: ready in {time.perf_counter() - started:.1f} s. Type a message and press Enter; "
              "Ctrl-D ends.", file=sys.stderr)
    try:
        for line in iter(sys.stdin.readline, ""):
            parsed = engine.parse(line.rstrip("\r\n"))
            if search and parsed.intent:
                found = search.best(parsed.text, parsed.language, parsed.intent)
                parsed = replace(parsed, entry=found.entry if found else None)
            print(_json_line(parsed.to_json()), flush=True)
    except BrokenPipeError:  # the reader has what it wanted (`| head -1`)
        sys.stdout = None  # nothing more can be flushed there
    return 0


# Line separators that JSON allows unescaped, but that line-splitting readers take as line ends.
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"})


def _json_line(value: object) -> str:
    """One JSON object on exactly one line, Unicode kept as it is."""
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKS)


def _entry_search(settings: Settings) -> EntrySearch | None:
    """Search over the knowledge base; a broken one leaves `entry` null rather than stop parsing."""
    from bot.knowledge.search import EntrySearch

    try:
        return EntrySearch(load_knowledge_base(settings.knowledge_base, require_translations=False)[0])
    except ProblemsError as error:
        print(f"settlebot: the knowledge base has errors, so 'entry' stays null "
              f"(run 'settlebot kb validate'):\n{error}", file=sys.stderr)
        return None


def _kb_validate(args: argparse.Namespace, settings: Settings) -> int:
    directory = args.dir or settings.knowledge_base
    kb, warnings = load_knowledge_base(directory)
    for warning in warnings:
        print(warning, file=sys.stderr)
    print(f"{directory}: OK: {len(kb.entries)} entries in {len(kb.topics)} topics, {len(kb.services)} partner "
          f"services, {len(kb.emergency)} emergency contacts, {len(warnings)} warnings")
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    if args.days is not None and args.days < 1:
        print("settlebot: --days must be at least 1", file=sys.stderr)
        return 2
    from bot.storage.database import open_database, purge

    retention = datetime.timedelta(days=args.days) if args.days else settings.retention
    purged = purge(open_database(settings.database_url), retention)
    print(f"Blanked {purged} texts older than {retention.days} days (messages, unanswered questions, the contact "
          "details of finished referrals, unfinished conversations).")
    return 0


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    if args.folds < 2:
        print("settlebot: --folds must be at least 2", file=sys.stderr)
        return 2
    from bot.nlu.evaluate import cross_validate, format_report
    from bot.nlu.factory import build_builtin

    data = load_training_data(settings.nlu.intents_dir)
    print(f"Cross-validating on {len(data.examples)} examples, {args.folds} folds...", file=sys.stderr)

    def progress(fold: int, folds: int) -> None:
        print(f"  fold {fold}/{folds} done", file=sys.stderr, flush=True)

    report = cross_validate(data, lambda d: build_builtin(d, settings.nlu), args.folds, args.seed, progress)
    print(format_report(report, args.top))
    return 0
