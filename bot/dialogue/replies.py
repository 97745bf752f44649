"""Every sentence the bot writes, in the reader's language. The English text here is the source
that `make locales` extracts into locales/messages.pot; translators work in locales/<lang>/.

Sentences are short and plain: many readers are reading their second or third language."""

from __future__ import annotations

from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.dialogue.i18n import babel_locale, isolate, language_name, long_date, paragraphs, translations
from bot.dialogue.messages import Choice, Outbound
from bot.knowledge.model import EmergencyContact, Entry, EntryText, KnowledgeBase
from bot.languages import DEFAULT, SUPPORTED
from bot.referrals.matching import DAYS, ServiceMatch

# Choice ids: stable, short (Telegram allows 64 bytes of callback data), never translated.
HELPFUL, NOT_HELPFUL = "helpful:yes:", "helpful:no:"  # + the entry rated
PERSON, NO_PERSON = "person:yes", "person:no"
MENU = "menu"
LANGUAGE, TOPIC, ENTRY = "lang:", "topic:", "entry:"


class Replies:
    """The bot's sentences and menus in one language."""

    def __init__(self, language: str, kb: KnowledgeBase):
        self.language = language
        self.kb = kb
        self._catalog = translations(language)

    def _(self, message: str, **values: object) -> str:
        return self._catalog.gettext(message).format(**self._isolated(values))

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        return self._catalog.ngettext(singular, plural, n).format(n=n, **self._isolated(values))

    def _isolated(self, values: dict[str, object]) -> dict[str, str]:
        return {key: isolate(str(value), self.language) for key, value in values.items()}

    def say(self, *lines: str, choices: tuple[Choice, ...] = ()) -> Outbound:
        text = "\n".join(line for line in lines if line)
        return Outbound(paragraphs(text, self.language), self.language, choices)

    # Menus -------------------------------------------------------------------------------------

    def label(self, choice: str) -> str:
        """The label of a choice id in this language (also used to read a label typed back)."""
        if choice.startswith(LANGUAGE):
            return language_name(choice.removeprefix(LANGUAGE), menu=True)
        if choice.startswith(TOPIC):
            return self.topic_name(choice.removeprefix(TOPIC))
        if choice.startswith(ENTRY):
            entry = self.kb.entries.get(choice.removeprefix(ENTRY))
            return self.entry_text(entry).title if entry else choice
        if choice.startswith(HELPFUL) or choice == PERSON:
            return self._("Yes")
        if choice.startswith(NOT_HELPFUL) or choice == NO_PERSON:
            return self._("No")
        return self._("Main menu")  # MENU

    def choices(self, ids: list[str]) -> tuple[Choice, ...]:
        """Each label is a paragraph of its own on a button or a menu line, so it gets the marks too."""
        return tuple(Choice(i, paragraphs(self.label(i), self.language)) for i in ids)

    def topic_name(self, topic: str) -> str:
        names = self.kb.topics.get(topic, {})
        return names.get(self.language) or names.get(DEFAULT) or topic

    def topics(self) -> str:
        return format_list([self.topic_name(t) for t in self.kb.topics], locale=babel_locale(self.language))

    def entry_text(self, entry: Entry) -> EntryText:
        return entry.text.get(self.language) or entry.text[DEFAULT]

    # Conversation ------------------------------------------------------------------------------

    def choose_language(self, first: str | None, greet: bool) -> Outbound:
        """The language menu, each name in its own script, with `first` (the guess, or the current
        language) on top."""
        order = list(dict.fromkeys([first, *SUPPORTED] if first else SUPPORTED))
        guessed = first if greet else None
        lines = [self._("Hello! I am settlebot, a free information service for newcomers.")] if greet else []
        if guessed:
            lines.append(self._("I think you wrote in {language}.", language=language_name(guessed)))
        lines.append(self._("Which language do you want me to use?"))
        return self.say(*lines, choices=self.choices([LANGUAGE + lang for lang in order]))

    def switch_language(self, detected: str, current: str) -> Outbound:
        return self.say(self._("It looks like you wrote in {language}. Which language do you want me to use?",
                               language=language_name(detected)),
                        choices=self.choices([LANGUAGE + detected, LANGUAGE + current]))

    def language_set(self) -> Outbound:
        return self.say(self._("OK. I will write to you in {language}.", language=language_name(self.language)))

    def topic_menu(self, *before: str) -> Outbound:
        return self.say(*before, self._("I can answer questions about {topics}. Write your question, or choose a "
                                        "topic.", topics=self.topics()),
                        choices=self.choices([TOPIC + t for t in self.kb.topics]))

    def welcome(self) -> Outbound:
        return self.topic_menu(self._("Hello! I am settlebot, a free information service for newcomers."))

    def help(self) -> Outbound:
        return self.topic_menu(
            self._("Write your question in your own words, for example: \u201cHow do I find a family doctor?\u201d"),
            self._("I answer only from information that local staff have checked. If I do not know, I say so."),
            self._("Send /language to change the language, or /menu to see the topics."),
            self._("If you are in danger, call {number}.", number=self.emergency_number()))

    def thanks(self) -> Outbound:
        return self.say(self._("You are welcome. Write again any time."), choices=self.choices([MENU]))

    def goodbye(self) -> Outbound:
        return self.say(self._("Goodbye! Write again any time. If you are in danger, call {number}.",
                               number=self.emergency_number()))

    def emergency_number(self) -> str:
        """The first emergency contact's number (emergency.yml lists 9-1-1 first)."""
        return self.kb.emergency[0].number if self.kb.emergency else "9-1-1"

    def emergency(self, contacts: list[EmergencyContact]) -> Outbound:
        lines = [c.text.get(self.language) or c.text[DEFAULT] for c in contacts]
        return self.say(self._("Your safety comes first. Please get help now:"), *lines,
                        self._("I am still here if you want to keep writing."))

    def entry_menu(self, topic: str, entries: list[Entry], *before: str) -> Outbound:
        return self.say(*before, self.n_("I have {n} answer about {topic}:", "I have {n} answers about {topic}:",
                                         len(entries), topic=self.topic_name(topic)),
                        choices=self.choices([ENTRY + e.id for e in entries]))

    def not_found(self, topic: str, entries: list[Entry]) -> Outbound:
        return self.entry_menu(topic, entries, self._("I am not sure which answer you need. I saved your question "
                                                      "for our staff."))

    def which_one(self, entries: list[Entry]) -> Outbound:
        return self.say(self._("Which one do you mean?"), choices=self.choices([ENTRY + e.id for e in entries]))

    def answer(self, entry: Entry, brief: bool) -> Outbound:
        """The entry's answer, its source and when staff last checked it; `brief` (SMS) sends the
        short answer and the source only."""
        text = self.entry_text(entry)
        notice = "" if self.language in entry.text else self._(
            "This answer is not in {language} yet. Here it is in English.", language=language_name(self.language))
        checked = "" if brief else self._("Last checked: {date}", date=long_date(entry.last_reviewed, self.language))
        return self.say(notice, "" if brief else text.title, text.sms if brief else text.answer.strip(),
                        self._("Source: {url}", url=entry.source), checked, self._("Was this helpful?"),
                        choices=self.choices([HELPFUL + entry.id, NOT_HELPFUL + entry.id]))

    def glad(self) -> Outbound:
        return self.say(self._("Thank you! I am glad it helped."), choices=self.choices([MENU]))

    def sorry_not_helpful(self) -> Outbound:
        return self.offer_person(self._("Thank you for telling me."))

    def rephrase(self) -> Outbound:
        return self.topic_menu(self._("Sorry, I did not understand. Could you say it another way? For example: "
                                      "\u201cI need a family doctor.\u201d"))

    def offer_person(self, *before: str) -> Outbound:
        return self.say(*before, self._("Would you like a person from a partner agency to help you?"),
                        choices=self.choices([PERSON, NO_PERSON]))

    def still_not_understood(self) -> Outbound:
        return self.offer_person(self._("Sorry, I still did not understand."))

    def person(self, match: ServiceMatch | None) -> Outbound:
        if match is None:
            return self.say(self._("No partner agency covers this yet. For local help, call or text 2-1-1."),
                            choices=self.choices([MENU]))
        service = match.service
        return self.say(self._("{agency} can help you: {service}.", agency=service.organization, service=service.name),
                        self._("Open: {hours}", hours=self.hours(match)),
                        self._("Email: {email}", email=service.email), self._("Website: {url}", url=service.url),
                        choices=self.choices([MENU]))

    def hours(self, match: ServiceMatch) -> str:
        """Opening hours in the reader's words: "Mon, Wed, Fri 09:00–16:30"."""
        locale = babel_locale(self.language)
        names = get_day_names("abbreviated", locale=locale)
        return "; ".join(
            f"{format_list([names[DAYS.index(d)] for d in s.days], locale=locale)} "
            f"{format_time(s.opens_at, 'short', locale=locale)}\u2013{format_time(s.closes_at, 'short', locale=locale)}"
            for s in match.service.schedules)

    def no_person(self) -> Outbound:
        return self.say(self._("All right. Write your question any time."), choices=self.choices([MENU]))

    def pick_a_number(self, n: int) -> Outbound:
        return self.say(self._("Please reply with a number from 1 to {n}.", n=n))
