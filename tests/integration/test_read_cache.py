"""Cached reads (guichet.services.read_cache) are never stale: a token revoked, an account or a device
deactivated, a service closed is refused by the very next request, whether the change was made in this
process or in another one; and the cache is really used (a test that would pass without it proves
nothing about speed, one that counts statements does)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import event, select

from guichet.models import AccessToken, Device, Service
from guichet.services import read_cache

from ..conftest import make_settings


@pytest.fixture
def settings(database_url: str):  # type: ignore[no-untyped-def]
    return make_settings(database_url)


def issue(client, world, who: str = "kiosk", service: str = "CAF"):  # type: ignore[no-untyped-def]
    body = {"service": service}
    return client.post(f"/api/v1/sites/{world.slug}/tickets", json=body, headers=world.auth(who))


def in_other_process(url: str, code: str) -> None:
    """Run `code` in a new Python process on the same database (a second server, a CLI command);
    `db` is its own guichet.db.Database there."""
    script = "from guichet.db import Database\nimport guichet.services.read_cache\n"
    script += f"db = Database({url!r})\n" + textwrap.dedent(code)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def statements(ctx, needle: str):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    @event.listens_for(ctx.db.engine, "before_cursor_execute")
    def _log(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if needle in statement:
            seen.append(statement)

    return seen


def test_a_known_token_and_site_are_read_from_memory(client, ctx, world) -> None:
    assert issue(client, world).status_code == 201  # loads the token and the site
    tokens, sites = statements(ctx, "FROM access_tokens"), statements(ctx, "FROM sites")
    for _ in range(3):
        assert issue(client, world).status_code == 201
    assert tokens == [] and sites == []


def test_revoked_device_token_is_refused_at_once(client, ctx, world) -> None:
    assert issue(client, world).status_code == 201
    with ctx.db.session() as s:
        kiosk = s.scalar(select(Device.id).where(Device.site_id == world.site_id, Device.kind == "kiosk"))
    revoked = client.post(f"/api/v1/devices/{kiosk}/revoke", headers=world.auth("manager"))
    assert revoked.status_code == 200, revoked.get_data(as_text=True)
    assert issue(client, world).status_code == 401


def test_deactivated_account_is_refused_at_once(client, ctx, world) -> None:
    me = client.get("/api/v1/me", headers=world.auth("agent"))
    assert me.status_code == 200
    patched = client.patch(
        f"/api/v1/users/{world.user_ids['agent']}", json={"active": False}, headers=world.auth("manager")
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=world.auth("agent")).status_code == 401


def test_deactivated_service_is_refused_at_once(client, ctx, world) -> None:
    assert issue(client, world).status_code == 201
    patched = client.patch(
        f"/api/v1/sites/{world.slug}/services/CAF", json={"active": False}, headers=world.auth("manager")
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    refused = issue(client, world)
    assert refused.status_code == 409 and refused.json["details"]["reason"] == "inactive"


def test_token_revoked_by_another_process_is_refused_by_the_next_request(
    client, ctx, world, database_url
) -> None:
    assert issue(client, world).status_code == 201
    assert issue(client, world).status_code == 201  # served from memory now
    in_other_process(
        database_url,
        f"""
        from datetime import UTC, datetime
        from sqlalchemy import select
        from guichet.models import Device
        from guichet.services.accounts import revoke_tokens
        def work(s):
            mine = Device.site_id == {world.site_id}
            kiosk = s.scalar(select(Device.id).where(mine, Device.kind == "kiosk"))
            revoke_tokens(s, datetime.now(UTC), device_id=kiosk)
        db.write(work)
        """,
    )
    assert issue(client, world).status_code == 401


def test_service_closed_by_another_process_is_refused_by_the_next_request(
    client, ctx, world, database_url
) -> None:
    assert issue(client, world).status_code == 201
    in_other_process(
        database_url,
        f"""
        from sqlalchemy import select
        from guichet.models import Service
        def work(s):
            mine = Service.site_id == {world.site_id}
            s.scalar(select(Service).where(mine, Service.code == "CAF")).active = False
        db.write(work)
        """,
    )
    assert issue(client, world).status_code == 409


def test_a_change_rolled_back_leaves_nothing_in_memory(client, ctx, world) -> None:
    assert issue(client, world).status_code == 201

    class Abort(Exception):
        pass

    def work(s):  # type: ignore[no-untyped-def]
        sv = s.scalar(select(Service).where(Service.site_id == world.site_id, Service.code == "CAF"))
        sv.active = False
        s.flush()  # bumps the epoch inside this transaction
        assert read_cache.site(s, world.slug).service("CAF").active is False  # read, not kept
        raise Abort

    with pytest.raises(Abort):
        ctx.db.write(work)
    with ctx.db.session() as s:
        assert read_cache.site(s, world.slug).service("CAF").active is True
    assert issue(client, world).status_code == 201


def test_a_login_or_a_printer_check_keeps_the_cache(client, ctx, world) -> None:
    """Columns written for other reasons (a token's last use, a printer's state) do not empty it."""
    assert issue(client, world).status_code == 201
    with ctx.db.session() as s:
        before = read_cache.epoch_of(s)

    def work(s):  # type: ignore[no-untyped-def]
        device = s.scalar(select(Device).where(Device.site_id == world.site_id, Device.kind == "kiosk"))
        device.printer_state = "ok"
        for token in s.scalars(select(AccessToken)):
            token.label = token.label  # no change at all

    ctx.db.write(work)
    with ctx.db.session() as s:
        assert read_cache.epoch_of(s) == before
