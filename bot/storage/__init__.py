"""Storage: SQLAlchemy 2 models and Alembic migrations, on SQLite by default or PostgreSQL."""
