"""Referral emails, for a caseworker reading them at 9 am: who, what, in which language, how to
reach them, and a link to act on it, in the agency's language of work."""

from __future__ import annotations

import datetime
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import unquote, urlparse
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as local_datetime

from bot.i18n import Sentences, babel_locale
from bot.knowledge.model import KnowledgeBase, Organization
from bot.referrals.outbox import Delivery, DeliveryError
from bot.referrals.records import ReferralView
from bot.referrals.signing import agency_link

TIMEOUT_SECONDS = 20.0


class AgencyEmail(Sentences):
    """The email's sentences in the agency's language of work."""

    def __init__(self, organization: Organization, kb: KnowledgeBase):
        super().__init__(organization.language)
        self.organization = organization
        self.kb = kb

    def language_of(self, code: str) -> str:
        return babel_locale(code).get_display_name(babel_locale(self.language))

    def topic_of(self, topic: str | None) -> str:
        names = self.kb.topics.get(topic or "", {})
        return names.get(self.language) or names.get("en") or self._("not given")

    def referral(self, referral: ReferralView, link: str | None, timezone: ZoneInfo) -> tuple[str, str]:
        """Subject and body. `link`: the keyed page to act on it, or None where buttons do that (a
        Telegram group, which may be public: a link there would let anyone act)."""
        service = self.kb.services.get(referral.service_id or "")
        when = local_datetime(referral.created_at, "medium", tzinfo=timezone, locale=babel_locale(self.language))
        subject = self._("New referral {code}: {topic}, in {language}", code=referral.code,
                         topic=self.topic_of(referral.topic), language=self.language_of(referral.language))
        reach = (self._("By phone: {phone}", phone=referral.phone) if referral.phone else
                 self._("Through settlebot: when you accept, the bot tells them in their chat how to reach you."))
        lines = [
            self._("A newcomer asked settlebot to connect them with {service}.",
                   service=service.name if service else self.organization.name),
            "",
            self._("Reference: {code}", code=referral.code),
            self._("Name: {name}", name=referral.name or self._("not given")),
            self._("Needs help with: {topic}", topic=self.topic_of(referral.topic)),
            self._("In their words: {need}", need=referral.need),
            self._("Language: {language}", language=self.language_of(referral.language)),
            self._("How to reach them: {reach}", reach=reach),
            self._("They agreed to share this with you on {when}.", when=when),
            "",
            *([self._("Acknowledge, accept or decline it here: {link}", link=link)] if link else []),
            self._("When you accept or decline, the bot tells them in their language."),
        ]
        return subject, "\n".join(lines)

    def test(self) -> tuple[str, str]:
        return (self._("settlebot test notification"),
                self._("This is a test from settlebot. Referrals for {agency} will arrive at this address.",
                       agency=self.organization.name))


class EmailNotifier:
    kind = "email"

    def __init__(self, smtp_url: str | None, sender: str, knowledge: Callable[[], KnowledgeBase],
                 secret_key: bytes, public_url: str, timezone: ZoneInfo):
        self._smtp_url = smtp_url
        self._sender = sender
        self._knowledge = knowledge
        self._secret_key = secret_key
        self._public_url = public_url
        self._timezone = timezone

    def deliver(self, delivery: Delivery) -> None:
        if not self._smtp_url:
            raise DeliveryError("SMTP_URL is not set: the email waits in the outbox until it is")
        kb = self._knowledge()
        organization = kb.organizations.get(delivery.recipient)
        if organization is None:
            raise DeliveryError(f"{delivery.recipient} is not in agencies.yml")
        text = AgencyEmail(organization, kb)
        if delivery.referral:
            link = agency_link(self._public_url, self._secret_key, organization.id, delivery.referral.code)
            subject, body = text.referral(delivery.referral, link, self._timezone)
        else:
            subject, body = text.test()
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = organization.email
        message["Subject"] = subject
        message["Date"] = format_datetime(datetime.datetime.now().astimezone())
        # The same on every attempt: a mail system (or a person) can drop a second copy.
        message["Message-ID"] = f"<{delivery.key}@settlebot>"
        message["Idempotency-Key"] = delivery.key
        message.set_content(body)
        message["Content-Language"] = organization.language  # after set_content, which resets Content-*
        self._send(message)

    def _send(self, message: EmailMessage) -> None:
        url = urlparse(self._smtp_url)
        if url.scheme not in ("smtp", "smtps") or not url.hostname:
            raise DeliveryError(f"SMTP_URL {self._smtp_url!r} is not smtp://host:port or smtps://host:port")
        secure = url.scheme == "smtps"
        client = smtplib.SMTP_SSL if secure else smtplib.SMTP
        try:
            with client(url.hostname, url.port or (465 if secure else 25), timeout=TIMEOUT_SECONDS) as smtp:
                smtp.ehlo()
                if not secure and smtp.has_extn("starttls"):  # referrals carry names and numbers: encrypt
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                    secure = True
                if url.username:
                    if not secure:
                        raise DeliveryError(f"{url.hostname}:{url.port} offers no TLS, and a password is not sent "
                                            "in the clear: use smtps:// or a server with STARTTLS")
                    smtp.login(unquote(url.username), unquote(url.password or ""))
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"SMTP {url.hostname}:{url.port}: {error}") from None
