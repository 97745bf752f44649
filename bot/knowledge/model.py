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


@dataclass(frozen=True)
class Schedule:
    days: tuple[str, ...]  # RFC 5545 BYDAY codes, as in HSDS: MO TU WE TH FR SA SU
    opens_at: datetime.time
    closes_at: datetime.time


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
    services: dict[str, Service] = field(default_factory=dict)
    emergency: list[EmergencyContact] = field(default_factory=list)
