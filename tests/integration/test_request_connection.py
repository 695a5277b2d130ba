"""One pooled connection per web request (guichet.db.Database.open_scope): the token's check, the
transaction and the screens' figures share it; a read opened inside a transaction still gets its own,
so transactions mean what they meant; and the connection goes back to the pool whatever happens."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from guichet.models import Service

from ..conftest import make_settings


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


def checkouts(ctx) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []

    @event.listens_for(ctx.db.engine, "checkout")
    def _count(dbapi_conn, _record, _proxy):  # type: ignore[no-untyped-def]
        seen.append(id(dbapi_conn))

    return seen


def test_issue_and_call_next_each_take_one_connection(client, ctx, world) -> None:
    seen = checkouts(ctx)
    issued = client.post(
        f"/api/v1/sites/{world.slug}/tickets", json={"service": "CAF"}, headers=world.auth("kiosk")
    )
    assert issued.status_code == 201
    assert len(seen) == 1
    called = client.post(f"/api/v1/counters/{world.counters[1]}/call-next", headers=world.auth("agent"))
    assert called.status_code == 200
    assert len(seen) == 2


def test_a_refused_request_gives_its_connection_back(client, ctx, world) -> None:
    pool = ctx.db.engine.pool
    before = pool.checkedout()
    for _ in range(3):
        refused = client.post(
            f"/api/v1/sites/{world.slug}/tickets", json={"service": "NOPE"}, headers=world.auth("kiosk")
        )
        assert refused.status_code == 404
    assert pool.checkedout() == before


def test_a_read_inside_a_transaction_has_its_own_connection(ctx, world) -> None:
    token = ctx.db.open_scope()
    try:
        with ctx.db.session() as s:
            scoped = s.connection().connection.dbapi_connection

        def work(s):  # type: ignore[no-untyped-def]
            assert s.connection().connection.dbapi_connection is scoped  # the scope's own
            s.scalar(select(Service).where(Service.code == "CAF")).label_fr = "Changé"
            s.flush()
            with ctx.db.session() as inner:  # not the transaction's: it sees only what is committed
                assert inner.connection().connection.dbapi_connection is not scoped
                label = inner.scalar(text("SELECT label_fr FROM services WHERE code = 'CAF'"))
                assert label != "Changé"

        ctx.db.write(work)
        with ctx.db.session() as s:
            assert s.scalar(text("SELECT label_fr FROM services WHERE code = 'CAF'")) == "Changé"
    finally:
        ctx.db.close_scope(token)
    assert ctx.db.engine.pool.checkedout() == 0
