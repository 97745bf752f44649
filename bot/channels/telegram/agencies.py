"""Referrals in an agency's Telegram group (`telegram_chat` in agencies.yml): the referral as the
email gives it, with buttons to acknowledge, accept or decline it. Only the group's members can
press them (a public group's messages can be seen by anyone); the status then flows back to the
newcomer as it does from the agency API."""

from __future__ import annotations

import asyncio
import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_time
from telegram import Bot, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.render import courtesy, keyboard
from bot.i18n import babel_locale
from bot.knowledge.model import KnowledgeBase, Organization
from bot.referrals import records
from bot.referrals.notifiers.email import AgencyEmail
from bot.referrals.records import ReferralView, StepNotAllowed, UnknownReferral
from bot.referrals.status import ACCEPTED, ACKNOWLEDGED, ACTIONS, DECLINED, NEXT
from bot.runtime import Runtime

BUTTON = "agency:"  # + action + ":" + code, e.g. "agency:accept:SB-7K3P9Q"
GROUP_ACTIONS = ("acknowledge", "accept", "decline")
MEMBERS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER)
# For the LIP coordinator setting a group up: staff-facing, in English like the rest of the set-up.
GROUP_START = "Which agency's referrals this group receives"
NOT_LINKED = ("This group's chat id is {chat}. To receive an agency's referrals here, write "
              "telegram_chat: {chat} under that organization in agencies.yml.")


class GroupText(AgencyEmail):
    """The group's sentences, in the agency's language of work."""

    def buttons(self, referral_code: str, status: str) -> InlineKeyboardMarkup | None:
        labels = {"acknowledge": self._("Acknowledge"), "accept": self._("Accept"), "decline": self._("Decline")}
        return keyboard([(labels[action], f"{BUTTON}{action}:{referral_code}") for action in GROUP_ACTIONS
                         if ACTIONS[action] in NEXT[status]])

    def done(self, status: str, who: str, when: str) -> str:
        return {ACKNOWLEDGED: self._("Acknowledged by {name} at {time}.", name=who, time=when),
                ACCEPTED: self._("Accepted by {name} at {time}. The bot has told them.", name=who, time=when),
                DECLINED: self._("Declined by {name} at {time}. The bot has told them.", name=who, time=when)}[status]

    def members_only(self) -> str:
        return self._("Only members of this group can act on its referrals.")

    def moved_on(self) -> str:
        return self._("This referral has moved on: someone else already answered it.")

    def linked(self) -> str:
        return self._("This group receives the referrals for {agency}.", agency=self.organization.name)


def referral_message(organization: Organization, kb: KnowledgeBase, referral: ReferralView,
                     timezone: ZoneInfo) -> tuple[str, InlineKeyboardMarkup | None]:
    """The email's text without its link: in the group, the buttons act, and only for members."""
    text = GroupText(organization, kb)
    subject, body = text.referral(referral, None, timezone)
    return f"{subject}\n\n{body}", text.buttons(referral.code, referral.status)


def organization_of(kb: KnowledgeBase, chat_id: int) -> Organization | None:
    return next((o for o in kb.organizations.values() if o.telegram_chat == chat_id), None)


async def is_member(bot: Bot, chat_id: int, user_id: int) -> bool:
    try:
        member = await bot.get_chat_member(chat_id, user_id)
    except TelegramError:
        return False
    return member.status in MEMBERS or (member.status == ChatMemberStatus.RESTRICTED and bool(member.is_member))


def group_handlers(runtime: Runtime):
    """The handlers of agency groups: a button pressed, and /start (which says what the group is for)."""

    def act(code: str, organization: str, action: str, who: str) -> str:
        with runtime.sessions.begin() as session:
            return records.change_status(session.connection(), code, organization, ACTIONS[action],
                                         f"agency:{organization}", f"in the Telegram group, by {who}")

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        kb = runtime.knowledge()
        organization = organization_of(kb, chat.id) if chat else None
        action, _, code = query.data.removeprefix(BUTTON).partition(":")
        if organization is None or action not in GROUP_ACTIONS or not code:
            await courtesy(query.answer())
            return
        text = GroupText(organization, kb)
        if not await is_member(context.bot, chat.id, query.from_user.id):
            await courtesy(query.answer(text.members_only(), show_alert=True))
            return
        who = query.from_user.full_name
        try:
            status = await asyncio.to_thread(act, code, organization.id, action, who)
        except (UnknownReferral, StepNotAllowed):
            await courtesy(query.answer(text.moved_on(), show_alert=True))
            return
        # Done and kept: from here on, a failure must not make Telegram send the press again.
        when = format_time(datetime.datetime.now(runtime.settings.timezone), "short",
                           locale=babel_locale(organization.language))
        line = text.done(status, who, when)
        await courtesy(query.answer(line))
        if isinstance(query.message, Message):  # not one too old for Telegram to hand back
            await courtesy(query.edit_message_text(f"{query.message.text}\n\n{line}", disable_web_page_preview=True,
                                                   reply_markup=text.buttons(code, status)))

    async def on_start(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        kb = runtime.knowledge()
        organization = organization_of(kb, chat.id)
        await chat.send_message(GroupText(organization, kb).linked() if organization
                                else NOT_LINKED.format(chat=chat.id))

    return on_button, on_start
