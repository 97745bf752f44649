"""Put the bot together from settings: the knowledge base, the NLU engine, the database and the
dialogue. Every long-running command (chat, and the channels to come) starts the same way."""

from __future__ import annotations

from bot.config import Settings
from bot.dialogue import Dialogue
from bot.dialogue.i18n import check_catalogs
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.reload import KnowledgeReloader
from bot.nlu.factory import build_engine
from bot.storage.database import open_database


def build_dialogue(settings: Settings, engine: str | None = None) -> Dialogue:
    """Raises ProblemsError (a broken knowledge base, with file and line) or ConfigError before the
    slow part, so that a mistake is reported at once."""
    reloader = KnowledgeReloader(settings.knowledge_base)  # before loading: an edit from now on is seen
    kb, _warnings = load_knowledge_base(settings.knowledge_base, require_translations=False)
    secret_key = settings.secret_key()
    check_catalogs()
    sessions = open_database(settings.database_url)
    return Dialogue(build_engine(settings.nlu, engine), kb, sessions, secret_key, reloader=reloader,
                    timezone=settings.timezone, follow_up=settings.notifications.follow_up)
