"""Migrations build the schema from nothing and agree with the models; the event log is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from guichet.db import make_engine
from guichet.migrate import alembic_config, upgrade
from guichet.models import Base


def test_upgrade_head_on_empty_database_matches_models(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url, single_use=True)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"
    assert set(Base.metadata.tables) <= tables


def test_upgrade_is_idempotent(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version == ScriptDirectory.from_config(alembic_config(sqlite_url)).get_current_head()
    engine.dispose()


def test_ticket_event_log_refuses_update_and_delete_after_migration(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url, single_use=True)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO sites (slug, name, timezone, address, settings) "
                "VALUES ('s', 'S', 'Europe/Paris', '', '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO services (site_id, code, label_fr, labels, prefix, level, category,"
                " target_wait_min, sla_hours, active, sort) "
                "VALUES (1, 'C', 'C', '{}', 'C', 1, '', 15, 72, true, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tickets (site_id, service_id, business_day, sequence, number, state,"
                " priority, source, tracking_token, arrived_at, issued_at, recall_count) VALUES "
                "(1, 1, '2026-11-23', 1, 'C001', 'waiting', false, 'api', 'tok',"
                " '2026-11-23 10:00:00+00', '2026-11-23 10:00:00+00', 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ticket_events (ticket_id, site_id, at, action, to_state, data) "
                "VALUES (1, 1, '2026-11-23 10:00:00+00', 'issue', 'waiting', '{}')"
            )
        )
    for stmt in ("UPDATE ticket_events SET action = 'forged'", "DELETE FROM ticket_events"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(stmt))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM ticket_events")).scalars().all() == ["issue"]
    engine.dispose()


def test_a_migration_that_recreates_a_referenced_table_keeps_every_row_that_points_to_it(
    database_url: str,
) -> None:
    """0013 recreates `cases` on SQLite (batch mode): its services, its request and its notification
    must all stay; with foreign keys on during the migration, the old table's DROP would have deleted
    the services (ON DELETE CASCADE) or been refused (the request)."""
    upgrade(database_url, "0012")
    engine = make_engine(database_url, single_use=True)
    rows = [
        "INSERT INTO sites (slug, name, timezone, address, settings)"
        " VALUES ('s', 'S', 'Europe/Paris', '', '{}')",
        "INSERT INTO services (site_id, code, label_fr, labels, prefix, level, category, target_wait_min,"
        " sla_hours, active, sort) VALUES (1, 'C', 'C', '{}', 'C', 1, '', 15, 72, true, 0)",
        "INSERT INTO users (username, display_name, password_hash, role, site_id, active, failed_logins,"
        " created_at) VALUES ('a', 'A', 'x', 'agent', 1, true, 0, '2026-12-01 09:00:00+00')",
        "INSERT INTO cases (site_id, status, channel, description, consent, opened_by_id, opened_at, due_at)"
        " VALUES (1, 'open', 'phone', 'Appel', false, 1, '2026-12-01 10:00:00+00', '2026-12-04 10:00:00+00')",
        "INSERT INTO case_services (case_id, service_id) VALUES (1, 1)",
        "INSERT INTO requests (site_id, channel, summary, consent, case_id, recorded_by_id, recorded_at,"
        " business_day) VALUES (1, 'phone', 'Appel', false, 1, 1, '2026-12-01 10:00:00+00', '2026-12-01')",
        "INSERT INTO notifications (case_id, kind, recipient, data, status, attempts, created_at)"
        " VALUES (1, 'case_near', 'x@example.org', '{}', 'pending', 0, '2026-12-03 10:00:00+00')",
    ]
    with engine.begin() as conn:
        for stmt in rows:
            conn.execute(text(stmt))
    engine.dispose()
    upgrade(database_url)
    engine = make_engine(database_url, single_use=True)
    with engine.begin() as conn:
        counts = [
            conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("cases", "case_services", "requests", "notifications")
        ]
        assert counts == [1, 1, 1, 1]
        # A case from the web form has no agent who opened it.
        conn.execute(
            text(
                "INSERT INTO cases (site_id, status, channel, description, consent, opened_at, due_at)"
                " VALUES (1, 'open', 'web', 'Formulaire', false, '2026-12-02 10:00:00+00',"
                " '2026-12-05 10:00:00+00')"
            )
        )
    # Foreign keys are enforced again afterwards.
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(text("INSERT INTO case_services (case_id, service_id) VALUES (999, 1)"))
    engine.dispose()
