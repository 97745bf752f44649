"""The console channel (`settlebot chat`): a person at a terminal, or a scripted conversation
piped in line by line. Choices are shown as numbered lines; typing the number picks one.

Both ways the screen reads as a transcript: each message after "> " (typed at the prompt, or
echoed from the pipe), then the bot's replies, a blank line after each."""

from __future__ import annotations

from typing import TextIO

from bot.dialogue import Dialogue, Inbound, Outbound

CHANNEL = "console"
PROMPT = "> "


def render(reply: Outbound) -> str:
    lines = [reply.text, *(f"  {number}. {choice.label}" for number, choice in enumerate(reply.choices, 1))]
    return "\n".join(lines)


def converse(dialogue: Dialogue, contact: str, lines: TextIO, out: TextIO, interactive: bool,
             brief: bool = False) -> None:
    """Hand each line to the dialogue as `contact`, and write the replies."""
    for line in _messages(lines, out, interactive):
        if not interactive:
            out.write(f"{PROMPT}{line}\n")
        for reply in dialogue.handle(Inbound(CHANNEL, contact, line, brief=brief)):
            out.write(render(reply) + "\n\n")
        out.flush()


def _messages(lines: TextIO, out: TextIO, interactive: bool):
    while True:
        if interactive:
            out.write(PROMPT)
            out.flush()
        line = lines.readline()
        if not line:
            if interactive:
                out.write("\n")  # leave the shell's prompt on a line of its own after Ctrl-D
            return
        if line.strip():
            yield line.rstrip("\r\n")
