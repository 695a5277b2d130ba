"""Alembic environment: Guichet's metadata, batch mode on SQLite, URL from the caller or settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from guichet.db import make_engine
from guichet.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from guichet.settings import load_settings

    return load_settings().database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _migrate(conn: Connection) -> None:
    """Run the migrations on `conn`. On SQLite, with foreign keys off and checked before they are on
    again (SQLite's procedure for a schema change that recreates a table: with them on, the batch
    mode's DROP of the old table would delete or refuse the rows that reference it)."""
    raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
    if raw is not None and not conn.in_transaction():
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it does nothing
    else:
        raw = None
    try:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if raw is not None:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration left rows whose foreign key is broken: {broken[:5]}")
    finally:
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=ON")


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(_url(), single_use=True)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
