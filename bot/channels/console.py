"""The console channel (`settlebot chat`): a person at a terminal, or a scripted conversation
piped in line by line. Choices are shown as numbered lines; typing the number picks one."""

from __future__ import annotations

from typing import TextIO

from bot.dialogue import Dialogue, Inbound, Outbound

CHANNEL = "console"


def render(reply: Outbound) -> str:
    lines = [reply.text, *(f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1))]
    return "\n".join(lines)


def converse(dialogue: Dialogue, contact: str, lines: TextIO, out: TextIO, prompt: str = "",
             brief: bool = False) -> None:
    """Hand each line to the dialogue as `contact`, and write the replies, a blank line after each."""
    out.write(prompt)
    out.flush()
    for line in iter(lines.readline, ""):
        text = line.rstrip("\r\n")
        if text.strip():
            for reply in dialogue.handle(Inbound(CHANNEL, contact, text, brief=brief)):
                out.write(render(reply) + "\n\n")
        out.write(prompt)
        out.flush()
