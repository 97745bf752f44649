"""The dialogue's replies as one SMS: each menu as numbered lines under a "reply with a number"
line in the reader's language, typographic punctuation made plain where that keeps GSM-7, and the
whole cut at a word to fit the configured number of segments, with "reply MORE" for the rest."""

from __future__ import annotations

from bot.channels.sms.segments import cut, plain
from bot.dialogue import Outbound
from bot.dialogue.replies import more_prompt, number_prompt


def fit(replies: list[Outbound], max_segments: int) -> tuple[str, str]:
    """(the SMS to send, what did not fit in it: sent when the person replies MORE)."""
    if not replies:
        return "", ""
    parts = []
    for reply in replies:
        lines = [*([reply.text] if reply.text else []),
                 *(f"{number}. {choice.label}" for number, choice in enumerate(reply.choices, 1))]
        if len(reply.choices) > 1:  # "1. Skip" needs no "reply with a number from 1 to 1"
            lines.append(number_prompt(reply.language, len(reply.choices)))
        parts.append("\n".join(lines))
    marker = "\n" + plain(more_prompt(replies[-1].language))
    return cut(plain("\n\n".join(parts)), max_segments, marker)
