"""Signed JSON to an agency's own system (webhook_url in agencies.yml)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx

from bot.knowledge.model import KnowledgeBase
from bot.referrals.outbox import Delivery, DeliveryError
from bot.referrals.signing import agency_link, signature, webhook_secret

TIMEOUT_SECONDS = 10.0


class WebhookNotifier:
    kind = "webhook"

    def __init__(self, knowledge: Callable[[], KnowledgeBase], secret_key: bytes, public_url: str):
        self._knowledge = knowledge
        self._secret_key = secret_key
        self._public_url = public_url

    def deliver(self, delivery: Delivery) -> None:
        organization = self._knowledge().organizations.get(delivery.recipient)
        if organization is None or not organization.webhook_url:
            raise DeliveryError(f"{delivery.recipient} has no webhook_url in agencies.yml")
        body = {"event": delivery.payload.get("event"), "idempotency_key": delivery.key}
        if delivery.referral:
            body["referral"] = delivery.referral.to_json()
            body["link"] = agency_link(self._public_url, self._secret_key, organization.id, delivery.referral.code)
        data = json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": delivery.key,
                   "X-Settlebot-Event": str(body["event"]),
                   "X-Settlebot-Signature": signature(webhook_secret(self._secret_key, organization.id), data)}
        try:
            response = httpx.post(organization.webhook_url, content=data, headers=headers, timeout=TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            raise DeliveryError(f"{organization.webhook_url}: {error}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"{organization.webhook_url} answered {response.status_code}")
