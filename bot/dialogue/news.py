"""News about a person's referrals: an agency's answer, and the follow-up question. A channel that
can push sends it as soon as the outbox worker has it (`News.deliver`); on the others the
dialogue shows it at the person's next message. Either way it is written here, in their language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.keywords import keep_rest
from bot.dialogue.messages import Choice, Outbound
from bot.dialogue.replies import Replies
from bot.knowledge.model import KnowledgeBase
from bot.languages import DEFAULT
from bot.referrals import records
from bot.referrals.outbox import DeliveryError, Unreachable
from bot.storage.conversations import Conversations
from bot.storage.secrets import SecretBox

log = logging.getLogger("settlebot.outbox")
UNSENT = "replies.unsent"  # the event of replies a channel could not send at once


def unsent(replies: list[Outbound]) -> dict:
    """Replies a channel could not send, as an outbox payload: the worker sends them later."""
    return {"event": UNSENT, "replies": [{"text": r.text, "language": r.language,
                                          "choices": [[c.id, c.label] for c in r.choices]} for r in replies]}


def notice_replies(replies: Replies, state: dict, notice: dict) -> list[Outbound]:
    """What tells the person `notice`, noting in their `state` what it changes (an agency that
    declined is not offered again for that topic). Nothing for an agency since removed."""
    if notice["event"] == UNSENT:
        return [Outbound(r["text"], r["language"], tuple(Choice(i, label) for i, label in r["choices"]))
                for r in notice["replies"]]
    organization = replies.kb.organizations.get(notice.get("organization") or "")
    if organization is None:
        return []
    event, code = notice["event"], notice["code"]
    if event == "referral.accepted":
        return [replies.accepted(organization, code, by_phone=notice.get("reach") == "phone")]
    if event == "referral.declined":
        declined = state.setdefault("declined_by", {})
        topic = state.get("topic") or ""
        declined[topic] = sorted({*declined.get(topic, []), organization.id})
        return [replies.declined(organization, code)]
    if event == "referral.follow_up":
        return [replies.ask_reached(organization, code)]
    return []


@dataclass(frozen=True)
class Push:
    address: str  # the channel's id for the person, unsealed: a chat id, a phone number
    replies: list[Outbound]
    logged: bool  # in the transcript already (replies the channel could not send at first)
    via: str | None = None  # the number they wrote to (SMS): the push is sent from it


class News:
    def __init__(self, kb: Callable[[], KnowledgeBase], sessions: sessionmaker[Session], box: SecretBox):
        self._kb = kb
        self._conversations = Conversations(sessions)
        self._box = box

    def deliver(self, contact_id: str, notice: dict, channel: str, send: Callable[[Push], str]) -> None:
        """Push `notice` to the person with the channel's `send`, which returns what did not fit
        (an SMS's rest, for MORE), then note it. Raises DeliveryError while they cannot be reached
        (after STOP, a blocked bot): the outbox tries again, and their next message shows it. A
        channel's Unreachable forgets their address first. Once sent, a failure to note it is
        logged, not raised: raising would send it a second time."""
        push = self._prepare(contact_id, notice, channel)
        if push is None:
            log.info("no one to tell of %s: the contact erased their data", notice.get("event"))
            return
        try:
            rest = send(push)
        except Unreachable:
            self.unreachable(contact_id)
            raise
        try:
            self._note(contact_id, push, rest)
        except Exception:
            log.exception("news went out on %s, but noting it failed", channel)

    def _prepare(self, contact_id: str, notice: dict, channel: str) -> Push | None:
        """The notice written for the person; None when there is no one to tell (they erased
        their data, or the agency is gone)."""
        with self._conversations.existing(contact_id) as conversation:
            if conversation is None:
                return None
            if conversation.address is None or conversation.state.get("stopped"):  # after STOP, until START
                raise DeliveryError(f"the newcomer cannot be written to on {channel} now; it waits for their next "
                                    "message")
            replies = Replies(conversation.language or DEFAULT, self._kb())
            told = notice_replies(replies, conversation.state, notice)
            if not told:
                return None
            return Push(self._box.open(conversation.address)["address"], told, notice["event"] == UNSENT,
                        conversation.state.get("via"))

    def _note(self, contact_id: str, push: Push, rest: str) -> None:
        """Once pushed (not on each failed attempt): its menu is the one a typed number answers
        now, and it goes into the transcript (unsent replies are in it already). `rest`: what did
        not fit in the SMS, for MORE."""
        with self._conversations.existing(contact_id) as conversation:
            if conversation is None:
                return
            menus = [reply.choices for reply in push.replies if reply.choices]
            if menus:
                conversation.state["choices"] = [c.id for c in menus[-1]]
            if not conversation.state.get("stopped"):  # STOP came meanwhile: nothing more after it
                keep_rest(conversation.state, rest, push.replies[-1].language)
            if not push.logged:
                for reply in push.replies:
                    conversation.log(inbound=False, text=reply.text, language=reply.language)

    def unreachable(self, contact_id: str) -> None:
        """The person blocked the bot, their chat is gone, or their number refuses SMS: forget how
        to reach them."""
        with self._conversations.existing(contact_id) as conversation:
            if conversation is not None:
                conversation.address = None

    def postpone(self, contact_id: str, channel: str, replies: list[Outbound]) -> None:
        """Replies the channel could not send now: into the outbox, for the worker to send."""
        with self._conversations.existing(contact_id) as conversation:
            if conversation is not None:
                records.enqueue(conversation.connection, f"push:{channel}", contact_id, unsent(replies), None)
