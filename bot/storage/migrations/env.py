"""Alembic environment: migrations run from bot.storage.database.open_database or `alembic`."""

from alembic import context

from bot.storage.database import create
from bot.storage.models import Base

config = context.config

with create(config.get_main_option("sqlalchemy.url")).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
