"""Staff edit the knowledge base while the bot runs: a changed folder is loaded again, and a broken
edit is reported (file, line, fix) while the bot keeps answering from the last good version."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBase
from bot.problems import ProblemsError

log = logging.getLogger("settlebot.knowledge")

# Looking costs a stat() per file; more often than this is pointless for human edits.
CHECK_EVERY_SECONDS = 2.0


class KnowledgeReloader:
    def __init__(self, directory: Path, interval: float = CHECK_EVERY_SECONDS):
        self.directory = directory
        self.interval = interval
        self._seen = self._signature()
        self._next_check = time.monotonic() + interval

    def _signature(self) -> tuple[tuple[str, int, int], ...]:
        files = sorted(p for p in self.directory.rglob("*.yml") if p.is_file())
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)

    def changed(self) -> KnowledgeBase | None:
        """The knowledge base as the files now are, if they changed since the last look and load
        without errors; None otherwise."""
        now = time.monotonic()
        if now < self._next_check:
            return None
        self._next_check = now + self.interval
        signature = self._signature()
        if signature == self._seen:
            return None
        self._seen = signature
        try:
            kb, warnings = load_knowledge_base(self.directory, require_translations=False)
        except ProblemsError as error:
            log.error("the knowledge base has errors, so the bot keeps answering from the last good "
                      "version (run 'settlebot kb validate'):\n%s", error)
            return None
        log.info("loaded the edited knowledge base: %d entries, %d warnings", len(kb.entries), len(warnings))
        return kb


class LiveKnowledge:
    """The knowledge base as staff last left it in good shape: call it for the current version."""

    def __init__(self, directory: Path, interval: float = CHECK_EVERY_SECONDS):
        self._reloader = KnowledgeReloader(directory, interval)  # first: an edit from now on is seen
        self._kb, _warnings = load_knowledge_base(directory, require_translations=False)

    def __call__(self) -> KnowledgeBase:
        edited = self._reloader.changed()
        if edited is not None:
            self._kb = edited
        return self._kb
