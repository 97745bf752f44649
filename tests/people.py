"""Newcomers talking to the dialogue core in tests: push a message in, read the replies out."""

from __future__ import annotations

from bot.dialogue import Dialogue, Inbound, Outbound

KEY = b"k" * 32  # the secret key of in-process dialogues


class Person:
    """One newcomer writing to the bot on the console channel."""

    def __init__(self, dialogue: Dialogue, sender: str = "+16045550123", brief: bool = False):
        self.dialogue, self.sender, self.brief = dialogue, sender, brief

    def says(self, text: str) -> list[Outbound]:
        return self.dialogue.handle(Inbound("console", self.sender, text, brief=self.brief))

    def presses(self, choice: str) -> list[Outbound]:
        return self.dialogue.handle(Inbound("console", self.sender, choice=choice))

    def with_language(self, language: str) -> Person:
        self.says("hello")
        self.presses(f"lang:{language}")
        return self


def text(replies: list[Outbound]) -> str:
    return "\n".join(r.text for r in replies)


def choices(replies: list[Outbound]) -> list[str]:
    return [c.id for r in replies for c in r.choices]
