"""News about a person's referrals: an agency's answer, and the follow-up question. A channel that
can push sends it as soon as the outbox worker has it (`News.for_push`); on the others the
dialogue shows it at the person's next message. Either way it is written here, in their language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.messages import Outbound
from bot.dialogue.replies import Replies
from bot.knowledge.model import KnowledgeBase
from bot.languages import DEFAULT
from bot.storage.conversations import Conversations
from bot.storage.secrets import SecretBox


def notice_reply(replies: Replies, state: dict, notice: dict) -> Outbound | None:
    """The reply that tells the person `notice`, noting in their `state` what it changes (an
    agency that declined is not offered again for that topic). None for an agency since removed."""
    organization = replies.kb.organizations.get(notice.get("organization") or "")
    if organization is None:
        return None
    event, code = notice["event"], notice["code"]
    if event == "referral.accepted":
        return replies.accepted(organization, code, by_phone=notice.get("reach") == "phone")
    if event == "referral.declined":
        declined = state.setdefault("declined_by", {})
        topic = state.get("topic") or ""
        declined[topic] = sorted({*declined.get(topic, []), organization.id})
        return replies.declined(organization, code)
    if event == "referral.follow_up":
        return replies.ask_reached(organization, code)
    return None


@dataclass(frozen=True)
class Push:
    address: str  # the channel's id for the person, unsealed: a chat id, a phone number
    reply: Outbound


class News:
    def __init__(self, kb: Callable[[], KnowledgeBase], sessions: sessionmaker[Session], box: SecretBox):
        self._kb = kb
        self._conversations = Conversations(sessions)
        self._box = box

    def for_push(self, contact_id: str, notice: dict) -> Push | None:
        """The notice written for the person and kept in their conversation (its buttons become
        the menu a typed number answers); None when there is no one to tell: they erased their
        data, or their channel keeps no address."""
        with self._conversations.existing(contact_id) as conversation:
            if conversation is None or conversation.address is None:
                return None
            reply = notice_reply(Replies(conversation.language or DEFAULT, self._kb()), conversation.state, notice)
            if reply is None:
                return None
            conversation.log(inbound=False, text=reply.text, language=reply.language)
            if reply.choices:
                conversation.state["choices"] = [c.id for c in reply.choices]
            return Push(self._box.open(conversation.address)["address"], reply)
