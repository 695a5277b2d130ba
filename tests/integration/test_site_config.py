"""`guichet config export SITE` and `guichet config import FILE [--apply]`: one site's set-up copied
through a JSON file, applied through the same use cases as the pages, whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from guichet.cli import main
from guichet.db import Database
from guichet.models import AuditEntry, Counter, Service


@pytest.fixture
def demo_db(sqlite_url, monkeypatch):
    monkeypatch.setenv("GUICHET_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("GUICHET_ENV", "development")
    runner = CliRunner()
    for args in (["db", "upgrade"], ["demo"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    return runner, sqlite_url


def _export(runner: CliRunner, slug: str = "demo") -> dict:
    result = runner.invoke(main, ["config", "export", slug])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _write(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "site.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _labels(url: str) -> dict[str, str]:
    db = Database(url)
    with db.session() as s:
        out = {sv.code: sv.label_fr for sv in s.scalars(select(Service))}
    db.dispose()
    return out


def test_the_export_holds_the_sites_services_and_counters_without_ids_or_people(demo_db) -> None:
    runner, _url = demo_db
    data = _export(runner)
    assert data["format"] == "guichet-site/1" and data["site"]["slug"] == "demo"
    codes = {sv["code"] for sv in data["services"]}
    assert {"CAF", "ANTS_ID"} <= codes
    assert all("id" not in c and "status" not in c for c in data["counters"])
    assert any(c["services"] for c in data["counters"])
    text = json.dumps(data)
    for secret in ("password", "token", "agent1", "@"):
        assert secret not in text


def test_the_export_holds_every_part_of_the_set_up(demo_db) -> None:
    runner, _url = demo_db
    data = _export(runner)
    assert data["site"]["name"] and data["site"]["timezone"] == "Europe/Paris"
    assert "cmi" in data["site"]["priority_reasons"]
    for part in ("partners", "categories", "services", "counters", "places", "motifs"):
        assert data[part], part
    assert data["hours"]["weekly"] and all(
        set(r) == {"weekday", "opens", "closes"} for r in data["hours"]["weekly"]
    )
    assert {"code", "service", "duration_min"} <= set(data["motifs"][0])


def test_export_then_import_into_a_fresh_database_gives_the_same_site(demo_db, tmp_path, monkeypatch) -> None:
    runner, _url = demo_db
    original = _export(runner)
    path = _write(tmp_path, original)
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("GUICHET_DATABASE_URL", fresh)
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    dry = runner.invoke(main, ["config", "import", path])
    assert dry.exit_code == 0, dry.output
    assert "+ site demo" in dry.output and "dry run, nothing saved" in dry.output
    assert runner.invoke(main, ["config", "export", "demo"]).exit_code != 0  # the dry run left nothing
    applied = runner.invoke(main, ["config", "import", path, "--apply"])
    assert applied.exit_code == 0, applied.output
    assert _export(runner) == original
    again = runner.invoke(main, ["config", "import", path, "--apply"])
    assert "0 to create, 0 to change" in again.output


def test_a_site_can_be_copied_under_another_slug(demo_db, tmp_path) -> None:
    runner, _url = demo_db
    original = _export(runner)
    result = runner.invoke(
        main, ["config", "import", _write(tmp_path, original), "--site", "copie", "--apply"]
    )
    assert result.exit_code == 0, result.output
    copy = _export(runner, "copie")
    assert copy["site"]["slug"] == "copie"
    for part in ("services", "counters", "motifs", "places", "categories", "hours", "partners"):
        assert copy[part] == original[part], part


def test_importing_the_sites_own_export_changes_nothing(demo_db, tmp_path) -> None:
    runner, _url = demo_db
    result = runner.invoke(main, ["config", "import", _write(tmp_path, _export(runner)), "--apply"])
    assert result.exit_code == 0, result.output
    assert "0 to create, 0 to change" in result.output


def test_a_dry_run_shows_the_changes_and_saves_nothing_then_apply_saves_them_audited(
    demo_db, tmp_path
) -> None:
    runner, url = demo_db
    data = _export(runner)
    caf = next(sv for sv in data["services"] if sv["code"] == "CAF")
    caf["label"] = "Allocations familiales (CAF)"
    data["services"].append({**caf, "code": "NEW1", "prefix": "Z", "label": "Nouveau service"})
    data["counters"].append({"number": 42, "name": "Guichet 42", "services": [{"code": "NEW1", "weight": 2}]})
    path = _write(tmp_path, data)
    before = _labels(url)

    dry = runner.invoke(main, ["config", "import", path])
    assert dry.exit_code == 0, dry.output
    assert "+ services NEW1" in dry.output and "+ counters 42" in dry.output
    assert "~ services CAF" in dry.output and "Allocations familiales (CAF)" in dry.output
    assert "dry run, nothing saved" in dry.output
    assert _labels(url) == before

    applied = runner.invoke(main, ["config", "import", path, "--apply"])
    assert applied.exit_code == 0, applied.output
    labels = _labels(url)
    assert labels["CAF"] == "Allocations familiales (CAF)" and labels["NEW1"] == "Nouveau service"
    db = Database(url)
    with db.session() as s:
        counter = s.scalar(select(Counter).where(Counter.number == 42))
        assert counter is not None and [(x.service.code, x.weight) for x in counter.service_links] == [
            ("NEW1", 2.0)
        ]
        kinds = [(e.kind, e.actor_kind, e.target) for e in s.scalars(select(AuditEntry))]
    db.dispose()
    assert ("service.created", "system", "NEW1") in kinds and ("counter.created", "system", "42") in kinds


def test_one_refused_item_refuses_the_whole_file_and_nothing_is_saved(demo_db, tmp_path) -> None:
    runner, url = demo_db
    data = _export(runner)
    data["services"][0]["label"] = "Changé"
    taken = data["services"][1]["prefix"]
    data["services"].append({**data["services"][1], "code": "CLASH", "prefix": taken})
    before = _labels(url)
    result = runner.invoke(main, ["config", "import", _write(tmp_path, data), "--apply"])
    assert result.exit_code != 0
    assert "prefix_taken" in result.output
    assert _labels(url) == before


@pytest.mark.parametrize(
    "content, code",
    [
        ('{"format": "other"}', "config_format"),
        ('{"format": "guichet-site/1", "services": [{"label": "sans code"}]}', "config_section"),
        (
            '{"format": "guichet-site/1", "site": {"slug": "demo"},'
            ' "services": [{"code": "X", "prefix": "9"}]}',
            "config_item",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_reason(demo_db, tmp_path, content, code) -> None:
    runner, _url = demo_db
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(main, ["config", "import", str(path), "--apply"])
    assert result.exit_code != 0 and code in result.output


def test_a_file_that_is_not_json_is_refused(demo_db, tmp_path) -> None:
    runner, _url = demo_db
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(main, ["config", "import", str(path)])
    assert result.exit_code != 0 and "not a JSON file" in result.output
