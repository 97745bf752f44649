"""Newcomers talking to the dialogue core in tests: push a message in, read the replies out."""

from __future__ import annotations

from bot.dialogue import Dialogue, Inbound, Outbound

KEY = b"k" * 32  # the secret key of in-process dialogues


class Person:
    """One newcomer writing to the bot: on the console channel, or on a channel that pushes news."""

    def __init__(self, dialogue: Dialogue, sender: str = "+16045550123", brief: bool = False,
                 channel: str = "console"):
        self.dialogue, self.sender, self.brief, self.channel = dialogue, sender, brief, channel

    def says(self, text: str) -> list[Outbound]:
        return self.dialogue.handle(Inbound(self.channel, self.sender, text, brief=self.brief,
                                            reachable=self.channel != "console"))

    def presses(self, choice: str) -> list[Outbound]:
        return self.dialogue.handle(Inbound(self.channel, self.sender, choice=choice,
                                            reachable=self.channel != "console"))

    def with_language(self, language: str) -> Person:
        self.says("hello")
        self.presses(f"lang:{language}")
        return self


def text(replies: list[Outbound]) -> str:
    return "\n".join(r.text for r in replies)


def choices(replies: list[Outbound]) -> list[str]:
    return [c.id for r in replies for c in r.choices]
