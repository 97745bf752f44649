"""The dialogue: every decision about what to say next, for every channel.

`Dialogue.handle(inbound)` takes one message (or pressed choice) from one person and returns the
replies. The person's state lives in the database, so any process can take their next message."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.config import DEFAULT_TIMEZONE, Notifications
from bot.dialogue.handoff import HANDOFF_CHOICES, TYPED_STEPS, HandoffSteps
from bot.dialogue.keywords import MORE, MORE_KEPT, START, STOP, keep_rest, keyword, take_rest
from bot.dialogue.messages import Inbound, Outbound
from bot.dialogue.news import News
from bot.dialogue.replies import (
    ENTRY,
    ERASE,
    HELPFUL,
    KEEP,
    LANGUAGE,
    LANGUAGES,
    MENU,
    NO_PERSON,
    NOT_HELPFUL,
    NOT_REACHED,
    PERSON,
    REACHED,
    TALK,
    TOPIC,
    Replies,
)
from bot.i18n import languages_named, long_date, supported_language
from bot.knowledge.model import Entry, KnowledgeBase
from bot.knowledge.search import EntrySearch
from bot.languages import DEFAULT, SUPPORTED
from bot.nlu.emergency import EMERGENCY
from bot.nlu.engine import OUT_OF_SCOPE, NLUEngine, Parse
from bot.nlu.text import script_counts
from bot.storage.conversations import Conversation, Conversations
from bot.storage.database import concurrent_writers
from bot.storage.pseudonym import contact_id
from bot.storage.secrets import SecretBox

# Commands work in every language (and become Telegram's command menu); an unknown one gets help.
COMMANDS = {"/start": "greet", "/help": "help", "/language": "change_language", "/menu": "menu",
            "/privacy": "privacy", "/mydata": "mydata", "/delete": "delete"}
# "2", " 2.", "٢", "۲": Python's \d and int() read every script's digits.
NUMBER = re.compile(r"\s*(\d{1,3})\s*[.)]?\s*")
# Below this the first guess at a stranger's language is not worth writing in: "hi" is no language.
GUESS_CONFIDENCE = 0.6
# Offer to switch language only for a message long and clear enough that the guess is safe:
# "ok" or an English clinic name inside a Punjabi conversation is no reason to ask.
SWITCH_CONFIDENCE = 0.9
SWITCH_MIN_LETTERS = 15
# A listed crisis phrase gives the emergency intent this confidence; the danger model gives less.
LISTED_PHRASE = 0.999
# Two entries whose scores are this close are both offered, instead of guessing.
CLOSE_SCORES = 2.0
# Intents worth answering once the language is confirmed (a greeting is answered by the menu itself).
QUESTIONS = ("human_handoff",)
# How many answers to remember as rated, so that pressing "Yes" twice is one vote.
RATED_KEPT = 20


# A channel that answers each message with one text (SMS): the replies as that text, and the rest
# that did not fit (sent when the person replies MORE).
Fit = Callable[[list[Outbound]], tuple[str, str]]


@dataclass(frozen=True)
class _Answered:
    replies: list[Outbound]
    text: str  # the one text a `Fit` made of them, when there is one


class _OutOfRange(str):
    """A typed number that is not in the menu on offer."""


@dataclass(frozen=True)
class Knowledge:
    """The knowledge base and its search, swapped as one when staff edit the files."""

    kb: KnowledgeBase
    search: EntrySearch

    @classmethod
    def of(cls, kb: KnowledgeBase) -> Knowledge:
        return cls(kb, EntrySearch(kb))


class Dialogue:
    def __init__(self, nlu: NLUEngine, kb: KnowledgeBase | Callable[[], KnowledgeBase],
                 sessions: sessionmaker[Session], secret_key: bytes, *, timezone: ZoneInfo = DEFAULT_TIMEZONE,
                 follow_up: datetime.timedelta = Notifications.follow_up, retention_days: int = 30):
        """`kb`: the knowledge base, or a source of its current version (LiveKnowledge: staff's
        edits are answered from as soon as they load without errors). `timezone`: the city's, in
        which partner agencies keep their hours. `follow_up`: when to ask a newcomer whether the
        agency reached them."""
        self.nlu = nlu
        self.timezone = timezone
        self.follow_up = follow_up
        self.retention_days = retention_days  # what /privacy tells people (config: retention_days)
        self._source = kb if callable(kb) else lambda: kb
        self.knowledge = Knowledge.of(self._source())
        self.conversations = Conversations(sessions)
        self.writers = concurrent_writers(sessions)  # how many handle() calls are worth running at once
        self.box = SecretBox(secret_key)  # seals referral contact details
        self.news = News(self._source, sessions, self.box)
        self._secret_key = secret_key

    @property
    def kb(self) -> KnowledgeBase:
        return self.knowledge.kb

    def handle(self, inbound: Inbound) -> list[Outbound]:
        return self._take_turn(inbound, None).replies

    def answer(self, inbound: Inbound, fit: Fit) -> str:
        """For a channel that answers each message with one text (SMS): the replies as `fit` makes
        them that text. It is kept with the delivery in the turn's own transaction, so that a
        redelivery gets it again without a second turn; what did not fit waits for MORE."""
        return self._take_turn(inbound, fit).text

    def _take_turn(self, inbound: Inbound, fit: Fit | None) -> _Answered:
        current = self._source()
        if current is not self.knowledge.kb:
            self.knowledge = Knowledge.of(current)
        contact = contact_id(self._secret_key, inbound.channel, inbound.sender)
        # Understood before the transaction: the contact's row (on SQLite, the whole database) is
        # locked only for the turn itself.
        text = inbound.text.strip()
        parse = self.nlu.parse(text) if text else None
        with self.conversations.open(contact, inbound.channel) as conversation:
            if inbound.delivery_id and not conversation.first_delivery(inbound.channel, inbound.delivery_id):
                # Handled already (a platform retrying): no second turn, no second referral.
                return _Answered([], conversation.answer_to(inbound.channel, inbound.delivery_id) if fit else "")
            if inbound.reachable and conversation.address is None:  # so that news can reach them
                conversation.address = self.box.seal({"address": inbound.sender})
            if inbound.recipient:  # our number they wrote to last: news to them is sent from it
                conversation.state["via"] = inbound.recipient
            turn = _Turn(self, self.knowledge, conversation, inbound, parse)
            replies = turn.run()
            parse = None if turn.redacted else turn.parse  # a typed name's "intent" says nothing
            intent = f"keyword:{turn.keyword}" if turn.keyword else parse.intent if parse else None
            conversation.log(inbound=True, text=turn.redacted or inbound.text or inbound.choice or "",
                             language=parse.language if parse else None, intent=intent)
            for reply in replies:
                conversation.log(inbound=False, text=reply.text, language=reply.language)
            # Each menu is numbered from 1 where it is shown: a typed number means the last one.
            menus = [reply.choices for reply in replies if reply.choices]
            if menus or not turn.keep_choices:
                conversation.state["choices"] = [c.id for c in menus[-1]] if menus else []
            if fit is None:
                return _Answered(replies, "")
            answer, rest = fit(replies)
            if rest or menus or not turn.keep_choices:  # else (STOP, an emergency) what waits for MORE waits on
                keep_rest(conversation.state, rest, replies[-1].language if replies else DEFAULT)
            if inbound.delivery_id:
                conversation.keep_answer(inbound.channel, inbound.delivery_id, answer)
            return _Answered(replies, answer)

    def postpone(self, inbound: Inbound, replies: list[Outbound]) -> None:
        """Replies to `inbound` that its channel could not send now (the platform failed): into the
        outbox, which sends them with retries, as it sends news."""
        self.news.postpone(contact_id(self._secret_key, inbound.channel, inbound.sender), inbound.channel, replies)


class _Turn(HandoffSteps):
    """One inbound message: reads and changes the conversation, returns the replies."""

    def __init__(self, dialogue: Dialogue, knowledge: Knowledge, conversation: Conversation, inbound: Inbound,
                 parse: Parse | None):
        self.dialogue = dialogue
        self.kb = knowledge.kb
        self.search = knowledge.search
        self.conversation = conversation
        self.state = conversation.state
        self.inbound = inbound
        self.parse = parse  # the NLU's reading of the text, if there is text
        self.keep_choices = False  # an emergency or a wrong number leaves the menu on offer
        self.redacted: str | None = None  # what the transcript keeps instead of the text, if not the text
        self.emergency_shown = False
        self.keyword: str | None = None  # an SMS keyword the message was (STOP, START, HELP, MORE)
        # What waits on the language menu lives for one turn: the turn that answers it, or not.
        self.pending: str | None = self.state.pop("pending", None)
        self.offered_switch: str | None = self.state.pop("offered_switch", None)

    @property
    def language(self) -> str:
        """The reader's language: confirmed, else the confident first guess, else the language of
        their app (Telegram's), else English."""
        return (self.conversation.language or self.state.get("guess")
                or supported_language(self.inbound.language_hint) or DEFAULT)

    def replies(self, language: str | None = None) -> Replies:
        return Replies(language or self.language, self.kb)

    def run(self) -> list[Outbound]:
        """News about the person's referrals first, unless this message is an emergency."""
        replies = self.respond()
        if self.state.get("stopped") or self.keyword == MORE:  # news waits for START; MORE is the rest alone
            return replies
        news = self.notices()
        return [*replies, *news] if self.emergency_shown else [*news, *replies]

    def respond(self) -> list[Outbound]:
        text = self.inbound.text.strip()
        offered: list[str] = self.state.get("choices") or []
        step = self.state.get("handoff", {}).get("step")
        if self.inbound.brief:  # SMS: keywords first; after STOP, silence, unless it is an emergency
            found = self.brief_keyword(text, step)
            if found:
                return self.on_keyword(*found)
            if self.state.get("stopped") and not (self.parse and self.parse.intent == EMERGENCY):
                self.keep_waiting()
                return []
        if self.parse:
            # Before anything else, commands and menus included. A name or a phone number is judged
            # by the listed crisis phrases alone: the danger model knows no names.
            typing_details = step in ("name", "phone")
            if step in TYPED_STEPS:
                self.redacted = f"[{step}]"
            if self.parse.intent == EMERGENCY and (not typing_details or self.parse.confidence >= LISTED_PHRASE):
                crisis = self.emergency(offered)
                if step == "need":  # "we sleep in our car": the crisis lines, and the referral goes too
                    return [*crisis, *self.on_handoff_text(text)]
                return crisis
        # A button pressed on an older message still counts; a typed number means the latest menu.
        choice = self.inbound.choice or self.typed_choice(text, offered)
        if isinstance(choice, _OutOfRange) and step not in TYPED_STEPS:
            self.keep_waiting()
            return [self.replies().pick_a_number(len(offered))]
        if choice and not isinstance(choice, _OutOfRange):
            if not self.valid(choice):
                return [self.replies().topic_menu()]  # a choice that an edit of the knowledge base removed
            if choice in HANDOFF_CHOICES and step:
                return self.on_handoff_choice(choice)
            self.state.pop("handoff", None)
            return self.on_choice(choice)
        if step in TYPED_STEPS and text and not text.startswith("/"):
            return self.on_handoff_text(text)
        self.state.pop("handoff", None)  # anything else leaves the hand-off: nothing was shared
        if text.startswith("/"):
            intent = COMMANDS.get(text.split()[0].casefold(), "help")
            return self.on_intent(intent, text) if self.conversation.language else self.ask_language(None)
        if self.conversation.language is None:
            return self.ask_language(text if self.is_question() else None)
        if NUMBER.fullmatch(text) or not self.parse:  # a number with no menu on screen is no question
            return [self.replies().topic_menu()]
        if self.other_language(text):
            self.state["pending"] = text
            self.state["offered_switch"] = self.parse.language
            return [self.replies(self.parse.language).switch_language(self.parse.language, self.language)]
        return self.on_intent(self.parse.intent or OUT_OF_SCOPE, text)

    def brief_keyword(self, text: str, step: str | None) -> tuple[str, str] | None:
        """The SMS keyword (STOP, START, HELP, MORE) the message is, with the language of its word.
        While a name or a phone number is typed, only the carriers' English words count ("Huy" is
        a name as well as a Vietnamese stop word). MORE counts only while there is a rest, and not
        after STOP; a number for a menu still in the rest asks for the rest first."""
        found = keyword(text)
        if found and step in TYPED_STEPS and found[1] != "en":
            found = None
        waiting = MORE_KEPT in self.state and not self.state.get("stopped")
        if waiting and self.state[MORE_KEPT]["choices"] and NUMBER.fullmatch(text):
            found = (MORE, self.language)
        return None if found and found[0] == MORE and not waiting else found

    def on_keyword(self, name: str, language: str) -> list[Outbound]:
        """STOP: nothing more to this number, news included, until START. HELP: help, in the
        person's language, else in the keyword's. MORE: the rest of the last reply."""
        self.keyword = name
        self.keep_waiting()
        if name == MORE:
            return [Outbound(*take_rest(self.state))]
        if name == STOP:
            self.state["stopped"] = True
            return []  # the carrier (or Twilio) confirms a stop; nothing may follow it
        replies = self.replies(self.conversation.language or language)
        if name == START:
            self.state.pop("stopped", None)
            return [replies.welcome()]
        return [replies.help()]

    def emergency(self, offered: list[str]) -> list[Outbound]:
        """Crisis lines first. The menus stay on offer, but not a question whose menu the crisis
        reply now hides ("Was this helpful?")."""
        self.keep_waiting()
        self.keep_choices = True
        self.emergency_shown = True
        self.state["choices"] = [c for c in offered
                                 if c.startswith((LANGUAGE, TOPIC, ENTRY)) or c == MENU or c in HANDOFF_CHOICES]
        return [self.replies(self.conversation.language or self.guess()).emergency(self.kb.emergency)]

    def keep_waiting(self) -> None:
        """This turn does not answer the menu on offer: what waits on it goes on waiting."""
        self.keep_choices = True
        if self.pending:
            self.state["pending"] = self.pending
        if self.offered_switch:
            self.state["offered_switch"] = self.offered_switch

    def is_question(self) -> bool:
        """Worth answering once the language is confirmed: a topic or a request for a person, in words."""
        return bool(self.parse and not NUMBER.fullmatch(self.parse.text)
                    and (self.parse.intent in self.kb.topics or self.parse.intent in QUESTIONS))

    def guess(self) -> str | None:
        confident = self.parse and self.parse.language_confidence >= GUESS_CONFIDENCE
        return self.parse.language if confident else None

    def typed_choice(self, text: str, offered: list[str]) -> str | None:
        """The offered choice a typed reply names: its number in the menu, or its label."""
        if not offered or not text:
            return None
        number = NUMBER.fullmatch(text)
        if number:
            index = int(number.group(1)) - 1
            return offered[index] if 0 <= index < len(offered) else _OutOfRange(text)
        typed = text.casefold()
        named = languages_named().get(typed, ())  # "punjabi", "anglais", "pa" as well as "ਪੰਜਾਬੀ"
        for choice in offered:
            if choice.removeprefix(LANGUAGE) in named or typed == self.replies().label(choice).casefold():
                return choice
        return None

    def valid(self, choice: str) -> bool:
        """Whether `choice` still means something: the knowledge base may have changed since it was shown."""
        if choice.startswith(LANGUAGE):
            return choice.removeprefix(LANGUAGE) in SUPPORTED
        if choice.startswith(TOPIC):
            return choice.removeprefix(TOPIC) in self.kb.topics
        if choice.startswith((ENTRY, HELPFUL, NOT_HELPFUL)):
            return choice.rpartition(":")[2] in self.kb.entries
        if choice in HANDOFF_CHOICES:
            return self.handoff_choice_fits(choice)
        return choice.startswith((REACHED, NOT_REACHED)) or choice in (PERSON, NO_PERSON, TALK, MENU, ERASE, KEEP,
                                                                         LANGUAGES)

    def other_language(self, text: str) -> bool:
        detected = self.parse.language
        return (detected is not None and detected != self.language
                and self.parse.language_confidence >= SWITCH_CONFIDENCE
                and sum(script_counts(text).values()) >= SWITCH_MIN_LETTERS
                and detected not in self.state.get("kept_language_over", ()))

    def ask_language(self, question: str | None) -> list[Outbound]:
        """First contact: confirm the language before anything else; a question waits for it."""
        guessed = self.guess() or self.state.get("guess")
        if guessed:
            self.state["guess"] = guessed
        if question or self.pending:  # a word that is no language ("klingon") leaves the question waiting
            self.state["pending"] = question or self.pending
        first = guessed or supported_language(self.inbound.language_hint)
        return [self.replies(first).choose_language(first, greet=True, detected=bool(guessed),
                                                    brief=self.inbound.brief)]

    # Choices -----------------------------------------------------------------------------------

    def on_choice(self, choice: str) -> list[Outbound]:
        if choice.startswith(LANGUAGE):
            return self.set_language(choice.removeprefix(LANGUAGE))
        if choice.startswith(TOPIC):
            topic = choice.removeprefix(TOPIC)
            return [self.replies().entry_menu(topic, self.entries_of(topic))]
        if choice.startswith(ENTRY):
            return [self.answer(self.kb.entries[choice.removeprefix(ENTRY)])]
        if choice.startswith((HELPFUL, NOT_HELPFUL)):
            return [self.rate(choice.rpartition(":")[2], helpful=choice.startswith(HELPFUL))]
        if choice in (PERSON, TALK):
            return self.start_handoff()
        if choice.startswith((REACHED, NOT_REACHED)):
            return self.on_reached(choice)
        if choice == LANGUAGES:  # the whole menu; a question waiting for the language waits on
            self.keep_waiting()
            return [self.replies().choose_language(self.conversation.language, greet=False, brief=self.inbound.brief)]
        if choice == NO_PERSON:
            return [self.replies().no_person()]
        if choice == ERASE:
            reply = self.replies().erased()  # in their language, before the language is erased too
            self.conversation.erase()
            return [reply]
        if choice == KEEP:
            return [self.replies().nothing_erased()]
        return [self.replies().topic_menu()]  # MENU

    def rate(self, entry: str, helpful: bool) -> Outbound:
        """One vote per answer shown, whichever button and however often it is pressed."""
        rated = self.state.setdefault("rated", [])
        if entry not in rated:
            self.conversation.feedback(entry, helpful)
            self.state["rated"] = [*rated, entry][-RATED_KEPT:]
        self.state["entry"] = entry
        return self.replies().glad() if helpful else self.replies().sorry_not_helpful()

    def set_language(self, language: str) -> list[Outbound]:
        if self.offered_switch and language != self.offered_switch:  # kept theirs over the one detected
            self.state["kept_language_over"] = [*self.state.get("kept_language_over", []), self.offered_switch]
        self.conversation.language = language
        self.state.pop("guess", None)
        replies = [self.replies().language_set()]
        if self.pending:
            self.parse = self.dialogue.nlu.parse(self.pending)
            return replies + self.on_intent(self.parse.intent or OUT_OF_SCOPE, self.pending)
        return [*replies, self.replies().topic_menu()]

    # Intents -----------------------------------------------------------------------------------

    def on_intent(self, intent: str, text: str) -> list[Outbound]:
        if intent != OUT_OF_SCOPE:
            self.state["fallbacks"] = 0
        replies = self.replies()
        if intent in self.kb.topics:
            return [self.answer_topic(intent, text)]
        if intent == "greet":
            return [replies.welcome()]
        if intent == "help":
            return [replies.help()]
        if intent == "menu":
            return [replies.topic_menu()]
        if intent == "privacy":
            return [replies.privacy(self.dialogue.retention_days, address_kept=self.conversation.address is not None)]
        if intent == "mydata":
            kept = self.conversation.kept()
            since = long_date(kept["since"].date(), self.language) if kept["since"] else None
            return [replies.my_data(kept, since)]
        if intent == "delete":
            return [replies.confirm_erase()]
        if intent == "thanks":
            return [replies.thanks()]
        if intent == "goodbye":
            return [replies.goodbye()]
        if intent == "change_language":
            return [replies.choose_language(self.language, greet=False, brief=self.inbound.brief)]
        if intent == "human_handoff":
            return self.start_handoff()
        return [self.fallback(text)]

    def fallback(self, text: str) -> Outbound:
        """Not understood: ask for other words once, then offer a person."""
        self.conversation.unanswered(text, self.language, OUT_OF_SCOPE)
        self.state["fallbacks"] = self.state.get("fallbacks", 0) + 1
        if self.state["fallbacks"] >= 2:
            self.state["fallbacks"] = 0
            return self.replies().still_not_understood()
        return self.replies().rephrase()

    def answer_topic(self, topic: str, text: str) -> Outbound:
        self.state["topic"] = topic
        self.state.pop("entry", None)
        written_in = self.parse.language if self.parse else None  # may differ from the reader's language
        matches = self.search.ranked(text, (self.language, written_in), topic, 2)
        if not matches:
            self.conversation.unanswered(text, self.language, topic)
            return self.replies().not_found(topic, self.entries_of(topic))
        if len(matches) > 1 and matches[0].score - matches[1].score <= CLOSE_SCORES:
            return self.replies().which_one([self.kb.entries[m.entry] for m in matches])
        return self.answer(self.kb.entries[matches[0].entry])

    def answer(self, entry: Entry) -> Outbound:
        self.state["entry"] = entry.id
        self.state["topic"] = entry.topic
        self.state["rated"] = [e for e in self.state.get("rated", []) if e != entry.id]  # a new answer, a new vote
        return self.replies().answer(entry, self.inbound.brief)

    def entries_of(self, topic: str) -> list[Entry]:
        return [e for e in self.kb.entries.values() if e.topic == topic]
