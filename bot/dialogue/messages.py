"""What a channel hands the dialogue and what it gets back: plain data, no wire formats."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Inbound:
    channel: str  # "console", "telegram", "sms": part of the contact's pseudonym
    sender: str  # the channel's id for the person (chat id, phone number); never stored as it is
    text: str = ""
    choice: str | None = None  # the id of a choice the person pressed, on channels with buttons
    brief: bool = False  # the channel is SMS-like: answers are sent in their short form
    delivery_id: str | None = None  # the platform's id for this delivery: a redelivery is answered once
    reachable: bool = False  # the channel can write to `sender` unasked: news is pushed (kept sealed)
    language_hint: str | None = None  # the app's language setting (Telegram): a first guess, no more
    recipient: str | None = None  # the number the person wrote to (SMS): news to them is sent from it


@dataclass(frozen=True)
class Choice:
    id: str  # stable ("lang:pa", "entry:msp-enrolment"): channels put it in buttons, never the label
    label: str


@dataclass(frozen=True)
class Outbound:
    text: str
    language: str
    choices: tuple[Choice, ...] = field(default=())
    urgent: bool = False  # the crisis lines: a channel sends them whole, never cut to fit
