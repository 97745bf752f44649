"""Every sentence the bot writes, in the reader's language. The English text here is the source
that `make locales` extracts into locales/messages.pot; translators work in locales/<lang>/.

Sentences are short and plain: many readers are reading their second or third language."""

from __future__ import annotations

from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.dialogue.keywords import more_word
from bot.dialogue.messages import Choice, Outbound
from bot.i18n import Sentences, babel_locale, language_name, long_date, paragraphs
from bot.knowledge.model import DAYS, EmergencyContact, Entry, EntryText, KnowledgeBase, Organization, Service
from bot.languages import DEFAULT, SUPPORTED
from bot.referrals.matching import INTERPRETED, SPOKEN, ServiceMatch

# Choice ids: stable, short (Telegram allows 64 bytes of callback data), never translated.
HELPFUL, NOT_HELPFUL = "helpful:yes:", "helpful:no:"  # + the entry rated
PERSON, NO_PERSON, TALK = "person:yes", "person:no", "person:talk"
CONSENT, NO_CONSENT = "consent:yes", "consent:no"
SKIP = "skip"
BY_CHAT, BY_PHONE = "reach:chat", "reach:phone"
REACHED, NOT_REACHED = "reached:yes:", "reached:no:"  # + the referral's code
ERASE, KEEP = "erase:yes", "erase:no"
MENU = "menu"
LANGUAGES = "languages"  # "another language": the whole language menu, after a short one (SMS)
LANGUAGE, TOPIC, ENTRY = "lang:", "topic:", "entry:"


class Replies(Sentences):
    """The bot's sentences and menus in one language."""

    def __init__(self, language: str, kb: KnowledgeBase):
        super().__init__(language)
        self.kb = kb

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
        if choice.startswith((HELPFUL, REACHED)) or choice == PERSON:
            return self._("Yes")
        if choice.startswith((NOT_HELPFUL, NOT_REACHED)) or choice in (NO_PERSON, NO_CONSENT, KEEP):
            return self._("No")
        return {TALK: self._("Talk to a person"), LANGUAGES: self._("Another language"),
                CONSENT: self._("Yes, share it"), SKIP: self._("Skip"),
                BY_CHAT: self._("Here in this chat"), BY_PHONE: self._("By phone"),
                ERASE: self._("Yes, erase everything"),
                MENU: self._("Main menu")}[choice]

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

    def choose_language(self, first: str | None, *, greet: bool, detected: bool = False,
                        brief: bool = False) -> Outbound:
        """The language menu, each name in its own script, with `first` (the guess, or the current
        language) on top. `detected`: `first` is the language the person's message was written in.
        `brief` (SMS, where a greeting and twelve names in their scripts do not fit three
        messages): at first contact only the question, with `first` (or English) and "another
        language"; the whole list without the question."""
        if brief and greet:  # they wrote to this number: the question, without the greeting
            return self.say(self._("Which language do you want me to use?"),
                            choices=self.choices([LANGUAGE + (first or DEFAULT), LANGUAGES]))
        order = list(dict.fromkeys([first, *SUPPORTED] if first else SUPPORTED))
        lines = [self._("Hello! I am settlebot, a free information service for newcomers.")] if greet else []
        if first and detected:
            lines.append(self._("I think you wrote in {language}.", language=language_name(first)))
        if not brief:
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
        said = self.say(self._("Your safety comes first. Please get help now:"), *lines,
                        self._("I am still here if you want to keep writing."))
        return Outbound(said.text, said.language, urgent=True)

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
                        choices=self.choices([HELPFUL + entry.id, NOT_HELPFUL + entry.id, TALK]))

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

    def no_agency(self) -> Outbound:
        return self.say(self._("No partner agency covers this yet. For local help, call or text 2-1-1."),
                        choices=self.choices([MENU]))

    def ask_consent(self, organization: Organization, match: ServiceMatch | None) -> Outbound:
        """What will be shared, with whom and why, before anything is: the person's yes or no."""
        if match:
            who = [self._("{agency} can help you: {service}.", agency=organization.name, service=match.service.name),
                   {SPOKEN: self._("They speak {language}.", language=language_name(self.language)),
                    INTERPRETED: self._("They can get an interpreter for {language}.",
                                        language=language_name(self.language))}.get(match.language_fit, ""),
                   self._("Open: {hours}", hours=self.hours(match.service))]
        else:
            who = [self._("No partner agency covers this yet. I can send your request to the {agency}; they will "
                          "find someone to help.", agency=organization.name)]
        return self.say(*who,
                        self._("To do this, I will share with them only: a name if you give one, how to reach you, "
                               "and one line about what you need."),
                        self._("Do you agree?"), choices=self.choices([CONSENT, NO_CONSENT]))

    def consent_refused(self) -> Outbound:
        return self.say(self._("All right. Nothing was shared."), choices=self.choices([MENU]))

    def ask_name(self) -> Outbound:
        return self.say(self._("What name should they use? A first name or a nickname is enough."),
                        choices=self.choices([SKIP]))

    def ask_reach(self) -> Outbound:
        return self.say(self._("How should they contact you?"), choices=self.choices([BY_CHAT, BY_PHONE]))

    def ask_phone(self, again: bool = False) -> Outbound:
        return self.say(self._("That does not look like a phone number.") if again else "",
                        self._("Please send your phone number, for example: 604 555 0123."))

    def ask_need(self) -> Outbound:
        return self.say(self._("In one line, what do you need help with?"))

    def referred(self, organization: Organization, code: str) -> Outbound:
        return self.say(self._("Done. I sent your request to {agency}.", agency=organization.name),
                        self._("Your reference code is {code}.", code=code),
                        self._("I will tell you here when they answer."), choices=self.choices([MENU]))

    def accepted(self, organization: Organization, code: str, by_phone: bool) -> Outbound:
        news = (self._("Good news: {agency} accepted your request {code}. They will contact you.",
                       agency=organization.name, code=code) if by_phone else
                self._("Good news: {agency} accepted your request {code}. Please contact them and give them this "
                       "code.", agency=organization.name, code=code))
        return self.say(news,
                        self._("Email: {email}", email=organization.email),
                        self._("Website: {url}", url=organization.url))

    def declined(self, organization: Organization, code: str) -> Outbound:
        return self.offer_person(self._("{agency} cannot take your request {code}.", agency=organization.name,
                                        code=code))

    def ask_reached(self, organization: Organization, code: str) -> Outbound:
        return self.say(self._("Did {agency} contact you about your request {code}?", agency=organization.name,
                               code=code), choices=self.choices([REACHED + code, NOT_REACHED + code]))

    def noted(self) -> Outbound:
        return self.say(self._("Thank you. I noted your answer for the staff."), choices=self.choices([MENU]))

    def hours(self, service: Service) -> str:
        """Opening hours in the reader's words: "Mon, Wed, and Fri 9:00 AM–4:30 PM"."""
        locale = babel_locale(self.language)
        names = get_day_names("abbreviated", locale=locale)
        return "; ".join(
            f"{format_list([names[DAYS.index(d)] for d in s.days], locale=locale)} "
            f"{format_time(s.opens_at, 'short', locale=locale)}\u2013{format_time(s.closes_at, 'short', locale=locale)}"
            for s in service.schedules)

    def no_person(self) -> Outbound:
        return self.say(self._("All right. Write your question any time."), choices=self.choices([MENU]))

    # Privacy ---------------------------------------------------------------------------------------

    def privacy(self, days: int, address_kept: bool) -> Outbound:
        """`address_kept`: the channel pushes news, so how to reach the person is kept (sealed)."""
        return self.say(
            self.n_("What I keep about you: your language, where we are in this conversation, and your messages "
                    "for {n} day. After that, only the topics stay, for reports.",
                    "What I keep about you: your language, where we are in this conversation, and your messages "
                    "for {n} days. After that, only the topics stay, for reports.", days),
            self._("To tell you when an agency answers, I keep how to reach you here, encrypted.")
            if address_kept else "",
            self._("If you ask for a person and agree, what you agreed to share goes to that agency. I erase it "
                   "here some time after your request is closed."),
            self._("Send /mydata to see what I keep, or /delete to erase it."))

    def my_data(self, kept: dict, since: str | None) -> Outbound:
        codes = ", ".join(f"{code} ({status})" for code, status in kept["referrals"])
        return self.say(self._("Your language: {language}", language=language_name(self.language)),
                        self._("Messages I keep: {count}", count=kept["messages"]),
                        self._("The oldest is from {date}.", date=since) if since else "",
                        self._("Your requests: {codes}", codes=codes) if codes else self._("You have no requests."),
                        self._("Send /delete to erase all of it."))

    def confirm_erase(self) -> Outbound:
        return self.say(self._("This erases everything I keep about you: your messages, your language and your "
                               "requests. An agency that already has your request keeps its own copy."),
                        self._("Erase everything?"), choices=self.choices([ERASE, KEEP]))

    def erased(self) -> Outbound:
        return self.say(self._("Done. I erased everything I kept about you. If you write again, we start fresh."))

    def nothing_erased(self) -> Outbound:
        return self.say(self._("All right. Nothing was erased."), choices=self.choices([MENU]))

    def pick_a_number(self, n: int) -> Outbound:
        return self.say(number_prompt(self.language, n))


def command_descriptions(language: str) -> dict[str, str]:
    """What each command does, for a channel's command menu (Telegram's "/" menu)."""
    sentences = Sentences(language)
    _ = sentences._
    return {"/start": _("Start again"), "/help": _("How to use this bot"), "/language": _("Change the language"),
            "/menu": _("Main menu"), "/privacy": _("What I keep about you, and for how long"),
            "/mydata": _("See what I keep about you"), "/delete": _("Erase what I keep about you")}


def more_prompt(language: str) -> str:
    """Under a reply cut to fit a few SMS: how to get the rest."""
    return paragraphs(Sentences(language)._("Reply {word} for the rest.", word=more_word(language)), language)


def number_prompt(language: str, n: int) -> str:
    """Asking for a menu's number: after a wrong one, and under a menu sent as text (SMS)."""
    return paragraphs(Sentences(language)._("Please reply with a number from 1 to {n}.", n=n), language)
