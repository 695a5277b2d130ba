"""DDL as earlier migrations ran it, frozen here so an old migration keeps doing what it did when the
models' current text changes (the models hold the current one)."""

from __future__ import annotations

# The event log's triggers of migrations 0001 to 0010: every UPDATE and every DELETE refused.
# Migration 0011 replaced them with guichet.models.tickets' (DELETE allowed under a retention grant).
STRICT_APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER ticket_events_no_update BEFORE UPDATE ON ticket_events
       BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END""",
    """CREATE TRIGGER ticket_events_no_delete BEFORE DELETE ON ticket_events
       BEGIN SELECT RAISE(ABORT, 'ticket_events is append-only'); END""",
]
STRICT_APPEND_ONLY_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION ticket_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'ticket_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
       FOR EACH ROW EXECUTE FUNCTION ticket_events_append_only()""",
]
