"""Shared fixtures: settings, app and clients per database, factories for sites and actors.

PostgreSQL and Redis tests run when GUICHET_TEST_POSTGRESQL_URL / GUICHET_TEST_REDIS_URL are set
(`.ci/run` sets them). Without them they are skipped, and the run says so loudly at the end.
With GUICHET_TEST_REQUIRE_SERVICES=1 a missing server is a failure, not a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher

from guichet.app import create_app
from guichet.db import Database
from guichet.models import Base
from guichet.services import accounts
from guichet.services.context import Context
from guichet.settings import Settings

from .factories import World, build_world

PG_URL = os.environ.get("GUICHET_TEST_POSTGRESQL_URL", "")
REDIS_URL = os.environ.get("GUICHET_TEST_REDIS_URL", "")
REQUIRE = os.environ.get("GUICHET_TEST_REQUIRE_SERVICES") == "1"
_skipped_services: set[str] = set()


def _reachable_pg() -> str | None:
    if not PG_URL:
        return "GUICHET_TEST_POSTGRESQL_URL is not set"
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # report why, whatever the driver says
        return f"cannot connect to {PG_URL}: {exc}"


def _reachable_redis() -> str | None:
    if not REDIS_URL:
        return "GUICHET_TEST_REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return None
    except Exception as exc:
        return f"cannot connect to {REDIS_URL}: {exc}"


def need(service: str) -> None:
    """Skip (or fail, when services are required) a test whose server is unavailable."""
    why = _reachable_pg() if service == "postgresql" else _reachable_redis()
    if why is None:
        return
    if REQUIRE:
        pytest.fail(f"{service} required but unavailable: {why}")
    _skipped_services.add(f"{service}: {why}")
    pytest.skip(f"{service} unavailable: {why}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if _skipped_services:
        tr = terminalreporter
        tr.section("SERVICES NOT TESTED", sep="!", red=True, bold=True)
        for line in sorted(_skipped_services):
            tr.write_line(f"SKIPPED every {line}", red=True, bold=True)
        tr.write_line("Run `make test` with them set (see .ci/run) to test against real servers.", bold=True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Production cost is deliberately slow; tests only need a real Argon2 hash.
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    need("postgresql")
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A SQLite file database, then a PostgreSQL schema: tests using it run on both."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'guichet.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'guichet.db'}"


def make_settings(url: str, **overrides: object) -> Settings:
    return Settings(
        env="test", secret_key="test-secret-" + "x" * 32, database_url=url, public_url="http://guichet.test"
    ).with_overrides(**overrides)


@pytest.fixture
def settings(sqlite_url: str) -> Settings:
    return make_settings(sqlite_url)


@pytest.fixture
def app(settings: Settings):
    app = create_app(settings)
    ctx: Context = app.extensions["guichet"]
    Base.metadata.create_all(ctx.db.engine)
    yield app
    ctx.db.dispose()


@pytest.fixture
def ctx(app) -> Context:
    return app.extensions["guichet"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(ctx: Context) -> World:
    """A site `test` with services, counters, agents of each role and devices, with their tokens."""
    return build_world(ctx)


@pytest.fixture
def published(ctx: Context) -> list:
    """Events the hub received, in order (only what was committed reaches it)."""
    events: list = []
    ctx.publish = events.extend
    return events


def standalone_context(url: str, **overrides: object) -> Context:
    """A context with its own engine and schema, for tests that do not need Flask."""
    db = Database(url, pool_size=20)
    Base.metadata.create_all(db.engine)
    return Context(db=db, settings=make_settings(url, **overrides))
