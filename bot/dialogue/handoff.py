"""The hand-off to a person, inside the dialogue: the partner service chosen, consent asked in
the newcomer's language (a no is recorded too), then only what the agency needs (a name if they
give one, how to reach them, one line about the need), and the referral written with its
notifications in the same transaction. The news that comes back is written in dialogue/news.py."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from bot.dialogue.messages import Inbound, Outbound
from bot.dialogue.news import notice_replies
from bot.dialogue.replies import BY_CHAT, BY_PHONE, CONSENT, NO_CONSENT, REACHED, SKIP, Replies
from bot.knowledge.model import KnowledgeBase
from bot.languages import DEFAULT
from bot.nlu.engine import Parse
from bot.referrals import records
from bot.referrals.matching import match_services
from bot.storage.conversations import Conversation

if TYPE_CHECKING:
    from bot.dialogue.core import Dialogue

# Each hand-off button and the step it answers.
STEP_OF_CHOICE = {CONSENT: "consent", NO_CONSENT: "consent", SKIP: "name", BY_CHAT: "reach", BY_PHONE: "reach"}
HANDOFF_CHOICES = tuple(STEP_OF_CHOICE)
# Steps where what the person types is the answer (a name, a number, their need), not a question.
TYPED_STEPS = ("name", "phone", "need")
MAX_NAME, MAX_NEED = 80, 500
# A request for a person is about a topic when the topic is at least this likely among the intents.
TOPIC_HINT = 0.1


def phone_number(text: str) -> str | None:
    """A phone number as +<country><number>; a ten-digit number is North American. None if it is not one."""
    raw = re.sub(r"[\s\-().]", "", text)
    plus, digits = raw.startswith("+"), raw.lstrip("+")
    if not digits.isdecimal():  # decimal digits of any script ("٦٠٤"), not "³"
        return None
    digits = "".join(str(unicodedata.decimal(d)) for d in digits)
    if plus and 8 <= len(digits) <= 15:
        return "+" + digits
    if len(digits) == 10:
        return "+1" + digits
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits
    return None


class HandoffSteps:
    """The hand-off part of a turn (mixed into the dialogue's turn)."""

    dialogue: Dialogue
    inbound: Inbound
    parse: Parse | None
    kb: KnowledgeBase
    state: dict
    conversation: Conversation
    language: str
    redacted: str | None

    def replies(self, language: str | None = None) -> Replies: ...

    def start_handoff(self) -> list[Outbound]:
        named = self.topic_named(self.parse) if self.parse and self.parse.text else None
        if named and named != self.state.get("topic"):  # "... about housing" after a jobs answer
            self.state["topic"] = named
            self.state.pop("entry", None)
        topic = self.state.get("topic")
        declined = self.state.get("declined_by", {}).get(topic or "", [])
        matches = [m for m in match_services(self.kb, topic, self.language, self.dialogue.timezone,
                                             entry=self.state.get("entry"))
                   if m.service.organization_id not in declined]
        match = matches[0] if matches else None
        organization = self.kb.organizations.get(match.service.organization_id if match else self.kb.general_inbox)
        if organization is None:
            return [self.replies().no_agency()]
        reply = self.replies().ask_consent(organization, match)
        self.state["handoff"] = {"step": "consent", "organization": organization.id,
                                 "service": match.service.id if match else None, "consent": reply.text}
        return [reply]

    def topic_named(self, parse: Parse) -> str | None:
        """The topic a request for a person names ("... about housing", "... про житло"), or the
        topic the NLU finds likely enough beside the request itself."""
        words = parse.text.casefold()
        for topic, names in self.kb.topics.items():
            if any(names[lang].casefold() in words for lang in {self.language, parse.language or DEFAULT, DEFAULT}
                   if lang in names):
                return topic
        return next((i for i, p in parse.ranking if i in self.kb.topics and p >= TOPIC_HINT), None)

    def handoff_choice_fits(self, choice: str) -> bool:
        """A hand-off button counts only at its own step: an old "Skip" or "Here in this chat"
        pressed at the consent question must not skip the consent."""
        return STEP_OF_CHOICE[choice] == self.state.get("handoff", {}).get("step")

    def on_handoff_choice(self, choice: str) -> list[Outbound]:
        handoff = self.state["handoff"]
        if choice == NO_CONSENT:
            records.record_consent(self.conversation.connection, self.conversation.contact_id, handoff["service"],
                                   False, handoff["consent"])
            self.state.pop("handoff")
            return [self.replies().consent_refused()]
        if choice == CONSENT:
            handoff["step"] = "name"
            return [self.replies().ask_name()]
        if choice == SKIP:
            return self.on_handoff_text("")
        if choice == BY_PHONE:
            handoff["step"] = "phone"
            return [self.replies().ask_phone()]
        handoff["step"] = "need"  # BY_CHAT
        return [self.replies().ask_need()]

    def on_handoff_text(self, text: str) -> list[Outbound]:
        """A name, a phone number or the need, typed. The transcript keeps only the step's name,
        and the draft keeps what was typed sealed, as the referral will."""
        handoff = self.state["handoff"]
        self.redacted = f"[{handoff['step']}]"
        draft = self.dialogue.box.open(handoff["draft"]) if "draft" in handoff else {}
        if handoff["step"] == "name":
            draft["name"] = text.strip()[:MAX_NAME] or None
            handoff["step"] = "reach"
            reply = self.replies().ask_reach()
        elif handoff["step"] == "phone":
            number = phone_number(text)
            if number is None:
                return [self.replies().ask_phone(again=True)]
            draft["phone"] = number
            handoff["step"] = "need"
            reply = self.replies().ask_need()
        else:
            return [self.refer(draft, text.strip()[:MAX_NEED])]
        handoff["draft"] = self.dialogue.box.seal(draft)
        return [reply]

    def refer(self, draft: dict, need: str) -> Outbound:
        handoff = self.state.pop("handoff")
        organization = self.kb.organizations.get(handoff["organization"])
        if organization is None:  # staff removed it from agencies.yml meanwhile: nothing was sent
            return self.replies().no_agency()
        code = records.create_referral(self.conversation.connection, self.dialogue.box, records.Request(
            contact_id=self.conversation.contact_id, channel=self.inbound.channel, language=self.language,
            topic=self.state.get("topic"), organization=organization,
            service=self.kb.services.get(handoff["service"] or ""), name=draft.get("name"),
            phone=draft.get("phone"), need=need, consent_text=handoff["consent"]), self.dialogue.follow_up)
        return self.replies().referred(organization, code)

    def on_reached(self, choice: str) -> list[Outbound]:
        code = choice.rpartition(":")[2]
        records.note_reached(self.conversation.connection, code, self.conversation.contact_id,
                             reached=choice.startswith(REACHED))
        return [self.replies().noted()]

    def notices(self) -> list[Outbound]:
        """News about the person's referrals that no channel has pushed yet."""
        return [reply for notice in records.take_notices(self.conversation.connection, self.conversation.contact_id)
                for reply in notice_replies(self.replies(), self.state, notice)]
