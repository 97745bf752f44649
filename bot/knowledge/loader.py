"""Load and check the knowledge base. Every problem names the file, the line and the fix, and all
of them are reported at once, so a staff member can correct a whole edit in one pass."""

from __future__ import annotations

import datetime
import difflib
import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from bot import yamlfile
from bot.knowledge.model import (
    DAYS,
    EmergencyContact,
    Entry,
    EntryText,
    KnowledgeBase,
    Organization,
    Schedule,
    Service,
)
from bot.languages import DEFAULT, SUPPORTED
from bot.problems import Problem, ProblemsError
from bot.yamlfile import Mapping

SMS_LIMIT = 300
REVIEW_EVERY = datetime.timedelta(days=365)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# Button data is 64 bytes on Telegram; \"helpful:yes:\" + the id must fit.
MAX_ID = 48

_ENTRY_FIELDS = ("title", "answer", "sms", "phrases")


class KnowledgeBaseError(ProblemsError):
    """Problems that make the knowledge base unusable."""


def load_knowledge_base(directory: Path, today: datetime.date | None = None, *,
                        require_translations: bool = True) -> tuple[KnowledgeBase, list[Problem]]:
    """The knowledge base and its warnings; raises KnowledgeBaseError listing every error.

    An entry without one of the 12 translations is an error for `kb validate` (what is shipped is
    complete) but only a warning for a running bot (`require_translations=False`): it shows the
    English text with a notice, rather than refuse an edit that adds an entry in English first."""
    today = today or datetime.date.today()
    kb = KnowledgeBase()
    problems: list[Problem] = []
    _topics(directory / "topics.yml", kb, problems)
    _agencies(directory / "agencies.yml", kb, problems)
    _emergency(directory / "emergency.yml", kb, problems)
    entry_files = sorted((directory / "entries").glob("*.yml"))
    if not entry_files:
        problems.append(Problem(directory / "entries", 0, "no entry files", "add entries/<topic>.yml"))
    seen: dict[str, tuple[Path, int]] = {}
    for path in entry_files:
        _entries(path, kb, problems, seen, today, require_translations)
    errors = [p for p in problems if not p.warning]
    if errors:
        raise KnowledgeBaseError(errors)
    return kb, [p for p in problems if p.warning]


class _Check:
    """Field checks for one file; each failed check adds a Problem and returns None."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.path = path
        self.problems = problems

    def fail(self, line: int, message: str, hint: str, warning: bool = False) -> None:
        self.problems.append(Problem(self.path, line, message, hint, warning))

    def items(self, doc: object, key: str, what: str) -> list[Mapping]:
        if doc is None:  # unreadable: yamlfile has said why
            return []
        if not isinstance(doc, Mapping) or not isinstance(doc.get(key), list):
            self.fail(getattr(doc, "line", 1), f"no '{key}:' list", f"start the file with 'version: 1' and '{key}:'")
            return []
        good = []
        for item in doc[key]:
            if isinstance(item, Mapping):
                good.append(item)
            else:
                self.fail(doc.line_of(key), f"a {what} that is not a set of 'key: value' lines",
                          f"write each {what} as '- id: ...' followed by its fields")
        return good

    def text(self, m: Mapping, key: str, what: str) -> str | None:
        value = m.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
        self.fail(m.line_of(key), f"{what}: '{key}' is missing or empty", f"add '{key}: ...'")
        return None

    def ident(self, m: Mapping, what: str) -> str | None:
        value = self.text(m, "id", what)
        if value is not None and not _ID.match(value):
            self.fail(m.line_of("id"), f"{what} id '{value}' has characters other than a-z, 0-9, - and _",
                      "use lowercase letters, digits and dashes, e.g. msp-enrolment")
            return None
        if value is not None and len(value) > MAX_ID:  # ids travel in Telegram's 64-byte button data
            self.fail(m.line_of("id"), f"{what} id '{value}' is longer than {MAX_ID} characters",
                      "shorten it: ids are codes, not titles (e.g. msp-enrolment)")
            return None
        return value

    def url(self, m: Mapping, key: str, what: str) -> str | None:
        value = self.text(m, key, what)
        if value is None:
            return None
        parsed = urlparse(value)
        if parsed.scheme != "https" or "." not in parsed.netloc or " " in value:
            self.fail(m.line_of(key), f"{what}: '{value}' is not a web address",
                      "write the full address of the official page, starting with https://")
            return None
        return value

    def webhook(self, m: Mapping, key: str, what: str) -> str | Literal[False] | None:
        """An optional address to post referrals to: https, or http on this machine (for a test or
        a relay beside the bot). False when it is given but unusable."""
        if key not in m:
            return None
        value = str(m.get(key))
        parsed = urlparse(value)
        local = parsed.hostname in ("localhost", "127.0.0.1", "::1")
        if (parsed.scheme == "https" and "." in parsed.netloc) or (parsed.scheme == "http" and local):
            return value
        self.fail(m.line_of(key), f"{what}: '{value}' is not a usable webhook address",
                  "write an https:// address (plain http only for localhost)")
        return False

    def telegram_chat(self, m: Mapping, what: str) -> int | Literal[False] | None:
        """An optional Telegram group's chat id: a negative number. False when it is given but is not one."""
        value = m.get("telegram_chat")
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            return value
        self.fail(m.line_of("telegram_chat"), f"{what}: telegram_chat {value!r} is not a group's chat id",
                  "add the bot to the group and send /start@<your bot> there: the bot answers with the number "
                  "to write here (a group's id is negative, e.g. -1001234567890)")
        return False

    def date(self, m: Mapping, key: str, what: str) -> datetime.date | None:
        value = m.get(key)
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        self.fail(m.line_of(key), f"{what}: '{key}' is {value!r}, not a date",
                  f"write the date as YYYY-MM-DD, e.g. {key}: 2026-11-21")
        return None

    def codes(self, m: Mapping, key: str, allowed: tuple[str, ...] | list[str], what: str,
              required: bool = True) -> tuple[str, ...] | None:
        value = m.get(key, None if required else [])
        if not isinstance(value, list) or (required and not value):
            self.fail(m.line_of(key), f"{what}: '{key}' must be a list", f"write {key}: [{', '.join(allowed[:3])}]")
            return None
        bad = [v for v in value if v not in allowed]
        for v in bad:
            close = difflib.get_close_matches(str(v), list(allowed), n=1)
            self.fail(m.line_of(key), f"{what}: unknown {key[:-1] if key.endswith('s') else key} '{v}'",
                      f"did you mean '{close[0]}'?" if close else f"use one of: {' '.join(allowed)}")
        return None if bad else tuple(value)

    def strings(self, m: Mapping, key: str, what: str) -> tuple[str, ...] | None:
        value = m.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(value)
        self.fail(m.line_of(key), f"{what}: '{key}' must be a list of names", f"write {key}: [Vancouver, Burnaby]")
        return None

    def languages(self, m: Mapping, key: str, what: str, complete: bool = True) -> Mapping | None:
        """The per-language texts under `key`. With `complete` every language is required; without,
        only English is, and a missing translation is a warning: the bot shows the English text
        with a notice until a translator fills it in."""
        value = m.get(key)
        if not isinstance(value, Mapping):
            self.fail(m.line_of(key), f"{what}: '{key}' must list every language",
                      f"add '{key}:' with one entry per language: {' '.join(SUPPORTED)}")
            return None
        missing = [lang for lang in SUPPORTED if lang not in value]
        for lang in missing:
            optional = not complete and lang != DEFAULT
            self.fail(value.line, f"{what}: no '{lang}' text" + (" (English is shown instead)" if optional else ""),
                      f"add the {lang} translation under '{key}:'", warning=optional)
        if not complete and DEFAULT in value:
            missing = []
        for lang in value:
            if lang not in SUPPORTED:
                close = difflib.get_close_matches(str(lang), SUPPORTED, n=1)
                self.fail(value.line_of(lang), f"{what}: '{lang}' is not a supported language code",
                          f"did you mean '{close[0]}'?" if close else f"use one of: {' '.join(SUPPORTED)}")
        return None if missing else value


def _topics(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    check = _Check(path, problems)
    for item in check.items(yamlfile.load(path, problems), "topics", "topic"):
        topic, names = check.ident(item, "topic"), check.languages(item, "name", "topic")
        if topic and names:
            kb.topics[topic] = {lang: str(names[lang]) for lang in SUPPORTED}


def _agencies(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    check = _Check(path, problems)
    topics = tuple(kb.topics)
    document = yamlfile.load(path, problems)
    inbox = document.get("general_inbox") if isinstance(document, Mapping) else None
    if not isinstance(inbox, Mapping):
        check.fail(document.line if isinstance(document, Mapping) else 0, "no general_inbox",
                   "add general_inbox: with the id, name, email and url of the LIP's referral desk")
    for org in [*([inbox] if isinstance(inbox, Mapping) else []),
                *check.items(document, "organizations", "organization")]:
        org_id, name = check.ident(org, "organization"), check.text(org, "name", "organization")
        email, url = check.text(org, "email", "organization"), check.url(org, "url", "organization")
        language = org.get("language", DEFAULT)
        if language not in SUPPORTED:
            check.fail(org.line_of("language"), f"organization {org_id}: language '{language}' is not supported",
                       f"write the code of the language its staff work in, one of: {' '.join(SUPPORTED)}")
        webhook = check.webhook(org, "webhook_url", f"organization {org_id}")
        telegram_chat = check.telegram_chat(org, f"organization {org_id}")
        shared = next((o.id for o in kb.organizations.values() if telegram_chat and o.telegram_chat == telegram_chat),
                      None)
        if shared:
            check.fail(org.line_of("telegram_chat"), f"organization {org_id}: telegram_chat {telegram_chat} is "
                       f"already {shared}'s", "give each organization a Telegram group of its own")
            telegram_chat = False
        if (None not in (org_id, name, email, url) and language in SUPPORTED and webhook is not False
                and telegram_chat is not False):
            kb.organizations[org_id] = Organization(org_id, name, email, url, language, webhook, telegram_chat)
            if org is inbox:
                kb.general_inbox = org_id
        for service in check.items(org, "services", "service") if org is not inbox else []:
            what = f"service of {org_id}"
            fields = (check.ident(service, what), check.text(service, "name", what),
                      check.text(service, "description", what), check.codes(service, "topics", topics, what),
                      check.codes(service, "languages", SUPPORTED, what),
                      check.codes(service, "interpretation", SUPPORTED, what, required=False),
                      check.text(service, "eligibility_description", what),
                      check.strings(service, "service_areas", what), _schedules(check, service, what))
            if None in fields or None in (org_id, name, email, url):
                continue
            service_id, service_name, description, *rest = fields
            key = f"{org_id}/{service_id}"
            kb.services[key] = Service(key, name, service_name, description, email, url, *rest)


def _schedules(check: _Check, service: Mapping, what: str) -> tuple[Schedule, ...] | None:
    result = []
    for schedule in check.items(service, "schedules", "schedule"):
        days = check.codes(schedule, "byday", DAYS, what)
        times = [_time(schedule.get(k)) for k in ("opens_at", "closes_at")]
        if None in times or times[0] >= times[1]:
            check.fail(schedule.line, f"{what}: opening hours must be opens_at before closes_at, as \"HH:MM\"",
                       'write e.g. opens_at: "09:00", closes_at: "17:00" (in quotes)')
            return None
        if days is None:
            return None
        result.append(Schedule(days, times[0], times[1]))
    return tuple(result)


def _time(value: object) -> datetime.time | None:
    try:
        return datetime.time.fromisoformat(str(value))
    except ValueError:
        return None


def _emergency(path: Path, kb: KnowledgeBase, problems: list[Problem]) -> None:
    check = _Check(path, problems)
    for item in check.items(yamlfile.load(path, problems), "contacts", "contact"):
        fields = (check.ident(item, "contact"), check.text(item, "number", "contact"),
                  check.url(item, "source", "contact"), check.date(item, "last_reviewed", "contact"),
                  check.languages(item, "text", "contact"))
        if None not in fields:
            contact_id, number, source, reviewed, text = fields
            kb.emergency.append(EmergencyContact(contact_id, number, source, reviewed,
                                                 {lang: str(text[lang]) for lang in SUPPORTED}))


def _entries(path: Path, kb: KnowledgeBase, problems: list[Problem], seen: dict[str, tuple[Path, int]],
             today: datetime.date, require_translations: bool) -> None:
    check = _Check(path, problems)
    for item in check.items(yamlfile.load(path, problems), "entries", "entry"):
        entry_id = check.ident(item, "entry")
        what = f"entry {entry_id}"
        if entry_id in seen:
            first, line = seen[entry_id]
            check.fail(item.line_of("id"), f"entry id '{entry_id}' is used twice (first at {first}:{line})",
                       "give each entry its own id")
            continue
        if entry_id:
            seen[entry_id] = (path, item.line_of("id"))
        topic = check.text(item, "topic", what)
        if topic is not None and topic not in kb.topics:
            close = difflib.get_close_matches(topic, list(kb.topics), n=1)
            check.fail(item.line_of("topic"), f"{what}: unknown topic '{topic}'",
                       f"did you mean '{close[0]}'?" if close else f"use one of: {' '.join(kb.topics)} (topics.yml)")
            topic = None
        services = check.codes(item, "services", list(kb.services), what, required=False)
        fields = (entry_id, topic, check.url(item, "source", what), check.date(item, "last_reviewed", what),
                  services, _texts(check, item, what, require_translations))
        if None in fields:
            continue
        entry = Entry(*fields)
        if today - entry.last_reviewed > REVIEW_EVERY:
            check.fail(item.line_of("last_reviewed"), f"{what} was last reviewed on {entry.last_reviewed}",
                       "check it against its source, then update last_reviewed", warning=True)
        kb.entries[entry.id] = entry


def _texts(check: _Check, item: Mapping, what: str, complete: bool) -> dict[str, EntryText] | None:
    languages = check.languages(item, "text", what, complete=complete)
    if languages is None:
        return None
    texts = {}
    for lang in SUPPORTED:
        if lang not in languages:
            continue
        block = languages[lang]
        if not isinstance(block, Mapping):
            check.fail(languages.line_of(lang), f"{what} ({lang}): not a set of title/answer/sms/phrases",
                       "write title:, answer:, sms: and phrases: under the language")
            return None
        values = [check.text(block, key, f"{what} ({lang})") for key in _ENTRY_FIELDS[:3]]
        phrases = block.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            check.fail(block.line_of("phrases"), f"{what} ({lang}): 'phrases' must be a list of search phrases",
                       "write phrases: [msp, health insurance, ...]")
            return None
        if values[2] is not None and len(values[2]) > SMS_LIMIT:
            check.fail(block.line_of("sms"), f"{what} ({lang}): the SMS text has {len(values[2])} characters",
                       f"shorten it to {SMS_LIMIT} or fewer: keep the one fact that matters and a next step")
            return None
        if None in values:
            return None
        texts[lang] = EntryText(*values, tuple(p.strip() for p in phrases))
    return texts
