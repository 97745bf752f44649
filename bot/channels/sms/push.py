"""What the outbox worker sends by SMS: news to a newcomer (an agency's answer, the follow-up
question) through Twilio's REST API ($TWILIO_API_BASE, else Twilio's own), from the number they
wrote to, cut to fit with the rest kept for MORE. Twilio then reports each message's fate to
`POST /sms/twilio/status`, which records it.

A failure (no answer, a 5xx, a 429) is retried by the outbox, and so is a message Twilio later
reports undelivered. A number Twilio will not write to (invalid, not mobile, or opted out at the
carrier) is forgotten: the news waits for the person's next message, as it does after STOP. A
timeout after Twilio took a message can send it twice: the REST API has no idempotency key."""

from __future__ import annotations

import logging

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.sms.gateway import CHANNEL
from bot.channels.sms.render import fit
from bot.channels.sms.twilio import NO_SUCH_NUMBER, STATUS_PATH
from bot.config import Settings
from bot.dialogue.news import News, Push
from bot.referrals.outbox import Delivery, DeliveryError, Unreachable
from bot.storage.sent_messages import SentMessages

log = logging.getLogger("settlebot.sms")
TIMEOUT_SECONDS = 30.0  # well under the outbox's lease, so that no other worker takes it meanwhile


class TwilioPush:
    kind = f"push:{CHANNEL}"

    def __init__(self, settings: Settings, news: News, sent: SentMessages):
        sms = settings.sms
        self._client = Client(sms.twilio_account_sid, sms.twilio_auth_token,
                              http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS))
        if sms.twilio_api_base:
            self._client.api.base_url = sms.twilio_api_base
        self._status_callback = settings.public_url + STATUS_PATH
        self._max_segments = sms.max_segments
        self._news = news
        self._sent = sent

    def deliver(self, delivery: Delivery) -> None:
        self._news.deliver(delivery.recipient, delivery.payload, "SMS",
                           lambda push: self._send(push, delivery))

    def _send(self, push: Push, delivery: Delivery) -> str:
        if not push.via:
            raise DeliveryError("no number to send from: the newcomer has not written since SMS news was set up")
        text, rest = fit(push.replies, self._max_segments)
        try:
            message = self._client.messages.create(to=push.address, from_=push.via, body=text,
                                                   status_callback=self._status_callback)
        except TwilioRestException as error:
            if str(error.code) in NO_SUCH_NUMBER:  # forgotten by News.deliver
                raise Unreachable(f"Twilio {error.code}: {error.msg}") from None
            raise DeliveryError(f"Twilio answered {error.status} ({error.code}): {error.msg}") from None
        except (TwilioException, requests.RequestException) as error:
            raise DeliveryError(f"Twilio: {type(error).__name__}: {error}") from None
        try:  # Twilio has it: failing to note it must not send it a second time
            self._sent.taken(CHANNEL, delivery.recipient, message.sid, message.status or "queued", delivery.outbox_id)
        except Exception:
            log.exception("SMS %s was sent, but noting it failed", message.sid)
        return rest
