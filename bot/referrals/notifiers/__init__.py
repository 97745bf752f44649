"""Notifiers: each delivers one kind of outbox message (email, webhook; Telegram to come)."""
