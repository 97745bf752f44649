"""Put the bot together from settings: the knowledge base, the NLU engine, the database, the
dialogue and the outbox worker. Every long-running command starts the same way."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.dialogue.news import News
from bot.i18n import check_catalogs
from bot.knowledge.reload import LiveKnowledge
from bot.referrals.notifiers.email import EmailNotifier
from bot.referrals.notifiers.webhook import WebhookNotifier
from bot.referrals.outbox import Notifier, OutboxWorker
from bot.storage.database import open_database
from bot.storage.secrets import SecretBox
from bot.storage.sent_messages import SentMessages


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    knowledge: LiveKnowledge
    sessions: sessionmaker[Session]
    secret_key: bytes

    @cached_property
    def box(self) -> SecretBox:
        return SecretBox(self.secret_key)

    def worker(self) -> OutboxWorker:
        """Delivers by email and webhook; over Telegram when TELEGRAM_BOT_TOKEN is set, and by SMS
        through Twilio when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are (without them, a
        newcomer's news waits in the outbox for their next message)."""
        settings = self.settings
        notifiers: list[Notifier] = [
            EmailNotifier(settings.smtp_url, settings.notifications.email_from, self.knowledge, self.secret_key,
                          settings.public_url, settings.timezone),
            WebhookNotifier(self.knowledge, self.secret_key, settings.public_url)]
        news = News(self.knowledge, self.sessions, self.box)
        if settings.telegram.token:
            from bot.channels.telegram.notifiers import AgencyGroup, BotThread, NewcomerPush

            client = BotThread(settings)
            notifiers += [NewcomerPush(client, news), AgencyGroup(client, self.knowledge, settings)]
        if settings.sms.twilio_account_sid and settings.sms.twilio_auth_token:
            from bot.channels.sms.push import TwilioPush

            notifiers.append(TwilioPush(settings, news, SentMessages(self.sessions)))
        return OutboxWorker(self.sessions, self.box, notifiers, settings.notifications)

    def dialogue(self, engine: str | None = None) -> Dialogue:
        """Trains the NLU: seconds."""
        from bot.nlu.factory import build_engine

        return Dialogue(build_engine(self.settings.nlu, engine), self.knowledge, self.sessions, self.secret_key,
                        timezone=self.settings.timezone, follow_up=self.settings.notifications.follow_up,
                        retention_days=self.settings.retention.days)


def open_runtime(settings: Settings) -> Runtime:
    """Raises ProblemsError (a broken knowledge base, with file and line) or ConfigError at once,
    before anything slow."""
    knowledge = LiveKnowledge(settings.knowledge_base)
    secret_key = settings.secret_key()
    check_catalogs()
    return Runtime(settings, knowledge, open_database(settings.database_url), secret_key)
