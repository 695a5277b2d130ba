"""Database layer: engine set-up per dialect, sessions, and the write transaction services use."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from .concurrency import gevent_patched

log = logging.getLogger(__name__)
T = TypeVar("T")


LOCK_WAIT_S = 30.0  # how long a write waits for a lock held by another process before failing
# SQLite's busy handler sleeps in C: under gevent it would stop every greenlet of the server while
# another process (a CLI command, a second server) holds the write lock. There it only waits briefly,
# and Database.write waits the rest in Python, where sleeping yields.
_GREEN_BUSY_TIMEOUT_MS = 50


class _SQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler with SQLAlchemy's table hints (`select.with_hint(table, "INDEXED BY ix",
    "sqlite")`) written after the table, where SQLite reads `INDEXED BY`; stock SQLAlchemy drops them.
    Used where SQLite without ANALYZE statistics picks an index that reads a whole site."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _sqlite_setup(engine: Engine) -> None:
    engine.dialect.statement_compiler = _SQLiteCompiler
    # pysqlite's own transaction handling starts DEFERRED transactions late; we emit BEGIN
    # ourselves so writers take the lock up front (BEGIN IMMEDIATE) and never deadlock on upgrade.
    busy_ms = _GREEN_BUSY_TIMEOUT_MS if gevent_patched() else int(LOCK_WAIT_S * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, pool_size: int = 10, echo: bool = False, single_use: bool = False) -> Engine:
    """An engine tuned for its dialect: WAL and immediate write locks on SQLite, a pool on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        extra = {"poolclass": NullPool} if single_use else {}
        timeout = _GREEN_BUSY_TIMEOUT_MS / 1000 if gevent_patched() else LOCK_WAIT_S
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": timeout}, **extra
        )
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if single_use:
        return create_engine(parsed, echo=echo, poolclass=NullPool)
    return create_engine(parsed, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def _sqlite_locked(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


def _retryable(exc: DBAPIError) -> bool:
    # SQLite "database is locked" past the busy timeout; PostgreSQL serialization or deadlock.
    code = getattr(exc.orig, "sqlstate", None)
    if code in {"40001", "40P01"}:
        return True
    return _sqlite_locked(exc)


class _Held:
    """The connection a scope lends to its sessions, one at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None
        self.busy = False

    def take(self) -> Connection:
        if self.conn is None:
            self.conn = self.engine.connect()
        return self.conn

    def release(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            conn.close()


_scoped: ContextVar[_Held | None] = ContextVar("guichet_scoped_connection", default=None)


class Database:
    """Owns the engine; hands out read sessions and retried write transactions."""

    def __init__(self, url: str, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, echo=echo)
        self.dialect = self.engine.dialect.name
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self._write = sessionmaker(writer, expire_on_commit=False)
        # SQLite has one writer at a time; waiting on its busy handler means sleeps of up to 100 ms
        # and no fairness (seconds of tail latency under load). Within one process, writers queue
        # on this lock instead; other processes still meet the busy timeout.
        # (Under gevent, threading.Lock is gevent's: a greenlet waiting for it lets the others run.)
        self._writer_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._green = self.dialect == "sqlite" and gevent_patched()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; nothing it does is committed."""
        with self._held() as conn, self._read(**({"bind": conn} if conn else {})) as s:
            try:
                yield s
            finally:
                s.rollback()

    def open_scope(self) -> Token[_Held | None]:
        """From now on in this context (one web request), sessions and transactions reuse one pooled
        connection, checked out at the first use and given back by close_scope: one checkout (and on
        PostgreSQL one pre-ping) per request instead of one per session."""
        return _scoped.set(_Held(self.engine))

    def close_scope(self, token: Token[_Held | None]) -> None:
        held = _scoped.get()
        _scoped.reset(token)
        if held is not None:
            held.release()

    @contextmanager
    def _held(self, writer: bool = False) -> Iterator[Connection | None]:
        """The scope's connection, free for this session; None outside a scope, or while another
        session of the scope still uses it (a read inside a transaction gets its own, as before)."""
        held = _scoped.get()
        if held is None or held.busy:
            yield None
            return
        conn = held.take()
        held.busy = True
        if writer and self.dialect == "sqlite":
            conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            yield conn
        finally:
            held.busy = False
            if writer and self.dialect == "sqlite":
                conn.execution_options(sqlite_begin="DEFERRED")
            if conn.invalidated or conn.in_transaction():  # broken, or left open: not reused
                held.release()

    def write(self, work: Callable[[Session], T], attempts: int = 5) -> T:
        """Run `work` in one write transaction and commit it, retrying on lock contention.

        `work` must be safe to run again: it only touches the session it is given.
        """
        attempt = 0
        lock_deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            attempt += 1
            with (
                self._writer_turn(),
                self._held(writer=True) as conn,
                self._write(**({"bind": conn} if conn else {})) as s,
            ):
                try:
                    result = work(s)
                    s.commit()
                    return result
                except DBAPIError as exc:
                    s.rollback()
                    if not _retryable(exc):
                        raise
                    if _sqlite_locked(exc) and self._green:
                        # SQLite's own wait was cut short (see _GREEN_BUSY_TIMEOUT_MS): wait here.
                        if time.monotonic() > lock_deadline:
                            raise
                        time.sleep(random.uniform(0.005, 0.02))
                        continue
                    if attempt >= attempts:
                        raise
                    log.warning("write conflict, retrying (attempt %d)", attempt)
                    time.sleep(random.uniform(0.005, 0.05) * attempt)
                except BaseException:
                    s.rollback()
                    raise

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        if self._writer_lock is None:
            yield
            return
        with self._writer_lock:
            yield

    def dispose(self) -> None:
        self.engine.dispose()
