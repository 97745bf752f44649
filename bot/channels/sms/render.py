"""The dialogue's replies as one SMS: each menu as numbered lines under a "reply with a number"
line in the reader's language, typographic punctuation made plain where that keeps GSM-7, and the
whole cut at a word to fit the configured number of segments."""

from __future__ import annotations

from bot.channels.sms.segments import cut, plain
from bot.dialogue import Outbound
from bot.dialogue.replies import number_prompt


def render(replies: list[Outbound], max_segments: int) -> str:
    parts = []
    for reply in replies:
        lines = [*([reply.text] if reply.text else []),
                 *(f"{number}. {choice.label}" for number, choice in enumerate(reply.choices, 1))]
        if reply.choices:
            lines.append(number_prompt(reply.language, len(reply.choices)))
        parts.append("\n".join(lines))
    text, _rest = cut(plain("\n\n".join(parts)), max_segments)
    return text
