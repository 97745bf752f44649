"""What the knowledge base holds, once loaded and checked."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EntryText:
    title: str
    answer: str
    sms: str  # at most 300 characters: the SMS channel sends this instead of the answer
    phrases: tuple[str, ...]  # what people type when they look for this entry


@dataclass(frozen=True)
class Entry:
    id: str
    topic: str
    source: str
    last_reviewed: datetime.date
    services: tuple[str, ...]  # "<organization id>/<service id>"
    text: dict[str, EntryText]  # language -> text


DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545 BYDAY, Monday first like date.weekday()


@dataclass(frozen=True)
class Schedule:
    days: tuple[str, ...]  # RFC 5545 BYDAY codes, as in HSDS: MO TU WE TH FR SA SU
    opens_at: datetime.time
    closes_at: datetime.time


@dataclass(frozen=True)
class Organization:
    """A partner agency: who receives its referrals, and how."""

    id: str
    name: str
    email: str  # referrals are emailed here
    url: str
    language: str  # its language of work: referral emails are written in it
    webhook_url: str | None  # referrals are also posted here as signed JSON, if set
    telegram_chat: int | None = None  # a Telegram group: referrals also arrive there, with buttons to act


@dataclass(frozen=True)
class Service:
    """A partner agency's service (Open Referral HSDS 3.0 shaped)."""

    id: str  # "<organization id>/<service id>"
    organization: str  # the organization's name
    name: str
    description: str
    email: str
    url: str
    topics: tuple[str, ...]
    languages: tuple[str, ...]  # spoken by staff
    interpretation: tuple[str, ...]  # served through an interpreter
    eligibility: str
    areas: tuple[str, ...]
    schedules: tuple[Schedule, ...]

    @property
    def organization_id(self) -> str:
        return self.id.partition("/")[0]


@dataclass(frozen=True)
class EmergencyContact:
    id: str
    number: str
    source: str
    last_reviewed: datetime.date
    text: dict[str, str]  # language -> one line: when to call, and the number


@dataclass
class KnowledgeBase:
    topics: dict[str, dict[str, str]] = field(default_factory=dict)  # topic -> language -> name
    entries: dict[str, Entry] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    general_inbox: str = ""  # the organization id of the LIP's referral desk: takes what no service covers
    services: dict[str, Service] = field(default_factory=dict)
    emergency: list[EmergencyContact] = field(default_factory=list)
