"""Which partner service should take a newcomer: one that covers the need, speaks their language
(an interpreter counts, but less), serves their area if they gave one, and is open now or opens
soonest. Services come from the knowledge base (agencies.yml)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.knowledge.model import DAYS, KnowledgeBase, Service

SPOKEN, INTERPRETED, NOT_SPOKEN = 2, 1, 0


@dataclass(frozen=True)
class ServiceMatch:
    service: Service
    language_fit: int  # SPOKEN, INTERPRETED or NOT_SPOKEN
    opens: datetime.datetime | None  # now if open now; None if it lists no hours


def next_opening(service: Service, now: datetime.datetime) -> datetime.datetime | None:
    """`now` if the service is open at `now` (a local time), else when it next opens (within a week)."""
    for days_ahead in range(8):
        day = now.date() + datetime.timedelta(days=days_ahead)
        for schedule in service.schedules:
            if DAYS[day.weekday()] not in schedule.days:
                continue
            opens = datetime.datetime.combine(day, schedule.opens_at, now.tzinfo)
            closes = datetime.datetime.combine(day, schedule.closes_at, now.tzinfo)
            if opens <= now < closes:
                return now
            if now < opens:
                return opens
    return None


def match_services(kb: KnowledgeBase, topic: str | None, language: str, timezone: ZoneInfo, *,
                   entry: str | None = None, area: str | None = None,
                   now: datetime.datetime | None = None) -> list[ServiceMatch]:
    """The services that can take this need, best first. The services an entry lists come before
    the rest of the topic's; with no topic at all, the broadest services (general settlement help)
    come first. An empty list means no partner covers it."""
    now = (now or datetime.datetime.now(datetime.UTC)).astimezone(timezone)
    listed = kb.entries[entry].services if entry in kb.entries else ()
    candidates = [s for s in kb.services.values() if s.id in listed or topic is None or topic in s.topics]

    def fit(service: Service) -> int:
        return SPOKEN if language in service.languages else INTERPRETED if language in service.interpretation \
            else NOT_SPOKEN

    def rank(match: ServiceMatch) -> tuple:
        serves_area = area is None or area.casefold() in (a.casefold() for a in match.service.areas)
        wait = (match.opens - now).total_seconds() if match.opens else float("inf")
        breadth = len(match.service.topics) if topic is None else 0
        return (-match.language_fit, not serves_area, match.service.id not in listed, -breadth, wait,
                match.service.id)

    return sorted((ServiceMatch(s, fit(s), next_opening(s, now)) for s in candidates), key=rank)
