"""The `guichet` command: migrations, an idempotent demo, users, and tokens printed alone on stdout."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from guichet.cli import main
from guichet.db import Database
from guichet.models import AccessToken, Counter, Device, Partner, Service, Site, User
from guichet.services import accounts
from guichet.services.context import Context

from ..conftest import make_settings


@pytest.fixture
def cli_env(sqlite_url, monkeypatch):
    monkeypatch.setenv("GUICHET_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GUICHET_ENV", "development")
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    return runner, sqlite_url


def _counts(url: str) -> dict[str, int]:
    db = Database(url)
    with db.session() as s:
        counts = {
            m.__name__: s.scalar(select(func.count()).select_from(m))
            for m in (Site, Partner, Service, Counter, User, Device)
        }
        counts["active_tokens"] = s.scalar(
            select(func.count()).select_from(AccessToken).where(AccessToken.revoked_at.is_(None))
        )
    db.dispose()
    return counts


def test_demo_loads_a_france_services_site_and_is_idempotent(cli_env) -> None:
    runner, url = cli_env
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(url)
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0, second.output
    assert _counts(url) == counts
    assert counts["Counter"] == 6 and counts["Device"] == 2 and counts["active_tokens"] == 4
    assert counts["Service"] >= 12 and counts["Partner"] >= 8
    db = Database(url)
    with db.session() as s:
        roles = set(s.scalars(select(User.role)))
        levels = set(s.scalars(select(Service.level)))
    db.dispose()
    assert roles == {"agent", "expert", "manager", "admin"} and levels == {1, 2}
    for text in ("/api/v1/sites/demo/services", "agent1", "manager", "kiosk"):
        assert text in second.output


def test_token_create_prints_only_a_working_token(cli_env) -> None:
    runner, url = cli_env
    assert runner.invoke(main, ["demo"]).exit_code == 0
    result = runner.invoke(
        main, ["token", "create", "--kind", "kiosk", "--site", "demo", "--device", "Borne 2"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.startswith("gch_")
    ctx = Context(db=Database(url), settings=make_settings(url))
    actor = accounts.resolve_token(ctx, token, ctx.clock())
    ctx.db.dispose()
    assert actor is not None and actor.kind == "device" and actor.role == "kiosk"


def test_token_create_for_unknown_user_fails_with_a_message(cli_env) -> None:
    runner, _url = cli_env
    result = runner.invoke(main, ["token", "create", "--kind", "agent", "--user", "nobody"])
    assert result.exit_code != 0 and "user_not_found" in result.output


def test_user_add_reads_the_password_from_stdin_and_refuses_duplicates(cli_env) -> None:
    runner, url = cli_env
    args = ["user", "add", "claire", "--role", "manager", "--password-stdin"]
    ok = runner.invoke(main, args, input="un mot de passe solide\n")
    assert ok.exit_code == 0, ok.output
    ctx = Context(db=Database(url), settings=make_settings(url))
    actor = accounts.verify_login(ctx, "claire", "un mot de passe solide")
    ctx.db.dispose()
    assert actor is not None and actor.role == "manager"
    again = runner.invoke(main, args, input="un mot de passe solide\n")
    assert again.exit_code != 0 and "username_taken" in again.output


def test_demo_refuses_to_run_in_production(cli_env, monkeypatch) -> None:
    runner, _url = cli_env
    monkeypatch.setenv("GUICHET_ENV", "production")
    monkeypatch.setenv("GUICHET_SECRET_KEY", "s" * 40)
    result = runner.invoke(main, ["demo"])
    assert result.exit_code != 0 and "production" in result.output


def test_device_configure_sets_a_displays_languages_and_filters(cli_env) -> None:
    runner, url = cli_env
    assert runner.invoke(main, ["demo"]).exit_code == 0
    args = ["device", "configure", "--site", "demo", "--name", "Écran salle d'attente"]
    ok = runner.invoke(main, [*args, "--languages", "fr,en", "--counters", "1,2", "--max-calls", "8"])
    assert ok.exit_code == 0, ok.output
    db = Database(url)
    with db.session() as s:
        config = s.scalar(select(Device.config).where(Device.kind == "display"))
    db.dispose()
    assert config == {"languages": ["fr", "en"], "counters": [1, 2], "max_calls": 8}
    bad = runner.invoke(main, [*args, "--counters", "un,deux"])
    assert bad.exit_code != 0 and "numbers" in bad.output


def test_jobs_run_sends_the_booking_e_mails_of_the_outbox_as_eml_files(
    cli_env, tmp_path, monkeypatch
) -> None:
    runner, url = cli_env
    monkeypatch.setenv("GUICHET_SMTP_URL", f"file://{tmp_path}/mail")
    assert runner.invoke(main, ["demo"]).exit_code == 0
    from guichet.app import create_app

    app = create_app()
    client = app.test_client()
    slots = client.get("/api/v1/sites/demo/slots?motif=RDV_CAF").json["slots"]
    assert slots, "the demo offers CAF appointments"
    booked = client.post(
        "/api/v1/appointments",
        json={
            "site": "demo",
            "motif": "RDV_CAF",
            "start": slots[0]["start"],
            "name": "A",
            "email": "a@example.org",
        },
    )
    assert booked.status_code == 201
    result = runner.invoke(main, ["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "sent" in result.output and " 1" in result.output.split("sent", 1)[1].splitlines()[0]
    [eml] = list((tmp_path / "mail").glob("*.eml"))
    assert booked.json["code"] in eml.name
    again = runner.invoke(main, ["jobs", "run"])
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1 and again.exit_code == 0
