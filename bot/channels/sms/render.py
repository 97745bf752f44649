"""The dialogue's replies as one SMS: each menu as numbered lines followed by a "reply with a
number" line in the reader's language, typographic punctuation made plain where that keeps GSM-7,
and the whole cut at a line or a word to fit the configured number of segments, with "reply MORE"
for the rest. The crisis lines are never cut: they go whole, however many segments they take."""

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
    text = plain("\n\n".join(parts))
    if any(reply.urgent for reply in replies):
        return text, ""
    return cut(text, max_segments, "\n" + plain(more_prompt(replies[-1].language)))
