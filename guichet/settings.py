"""One frozen settings object built from GUICHET_* environment variables, validated at start."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


class SettingsError(ValueError):
    """A GUICHET_* variable is missing or malformed."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be a boolean, not {raw!r}")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


DEFAULT_DB = "sqlite:///" + str(Path("instance") / "guichet.db")
SERVERS = ("gevent", "threading")
_CHANNEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


# guichet.entry reads GUICHET_SERVER before anything else is imported (gevent must patch first),
# hence a function of its own, shared with load_settings.
def server_mode(environ: Mapping[str, str]) -> str:
    """How `guichet serve` runs: gevent (default) or the threaded Werkzeug server."""
    mode = environ.get("GUICHET_SERVER", "gevent").strip().lower()
    if mode not in SERVERS:
        raise SettingsError(f"GUICHET_SERVER must be one of {', '.join(SERVERS)}, not {mode!r}")
    return mode


@dataclass(frozen=True)
class Retention:
    """How long each kind of personal data is kept, in days."""

    ticket_notes_days: int = 90  # the agent's free-text note on a ticket
    ticket_agents_days: int = 365  # who served a ticket (and the per-agent figures of that day)
    event_log_days: int = 730  # the ticket event log's rows
    case_contacts_days: int = 730  # a level-2 case's contact, counted from its answer
    case_texts_days: int = 730  # a level-2 case's description, contributions and answer, idem
    appointment_contacts_days: int = 730  # an appointment's contact, counted from its time
    receipts_days: int = 183  # the recipient of a sent e-mail's receipt


RETENTION_VARIABLES = {
    "ticket_notes_days": "GUICHET_RETENTION_TICKET_NOTES_DAYS",
    "ticket_agents_days": "GUICHET_RETENTION_TICKET_AGENTS_DAYS",
    "event_log_days": "GUICHET_RETENTION_EVENT_LOG_DAYS",
    "case_contacts_days": "GUICHET_RETENTION_CASE_CONTACTS_DAYS",
    "case_texts_days": "GUICHET_RETENTION_CASE_TEXTS_DAYS",
    "appointment_contacts_days": "GUICHET_RETENTION_APPOINTMENT_CONTACTS_DAYS",
    "receipts_days": "GUICHET_RETENTION_RECEIPTS_DAYS",
}


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    secret_key: str = field(default="", repr=False)
    # True when no GUICHET_SECRET_KEY was given and this process drew its own (sessions and the
    # first run's setup code then belong to this process alone).
    secret_key_drawn: bool = False
    database_url: str = DEFAULT_DB
    redis_url: str | None = None
    # Redis pub/sub ignores the database number: deployments sharing a Redis need a channel each.
    redis_channel: str = "guichet"
    server: str = "gevent"  # `guichet serve`: gevent, or "threading" (Werkzeug's threaded server)
    public_url: str = "http://127.0.0.1:5000"
    printer_url: str = "virtual://"
    log_level: str = "INFO"
    # Wait estimate used before a service has any finished ticket.
    default_service_time_s: int = 600
    # Routing defaults, overridable per site in its settings.
    priority_cap: int = 3
    appointment_early_s: int = 300
    min_recalls_before_no_show: int = 1
    # Appointment check-in: accepted from this early; later than this, the citizen becomes a walk-in.
    checkin_early_min: int = 60
    checkin_late_min: int = 15
    # Seconds the kiosk shows the ticket before going back home.
    kiosk_idle_s: int = 20
    db_pool_size: int = 10
    sql_echo: bool = False
    # Booking e-mails: smtp://user:pass@host:port, smtps://..., smtp+starttls://..., or file://DIR
    # (each message written as an .eml file: the embedded default, nothing leaves the machine).
    smtp_url: str = "file://instance/mail"
    mail_from: str = "Guichet <rendez-vous@localhost>"
    # Citizens may cancel or move online until this many hours before; reminders go this long before.
    booking_change_limit_h: int = 24
    reminder_h: int = 48
    # A level-2 case's experts and the site's managers are warned this many hours before its deadline.
    case_warning_h: int = 24
    # Services Publics+ answer delays, in days, by channel: e-mail (and the web form) within a week,
    # post within two weeks. The dashboard gives the share of requests answered within them.
    answer_email_days: int = 7
    answer_post_days: int = 14
    # Overrides of the public endpoints' rate limits, e.g. "booking=10/60,slots=60/60"
    # (requests per window in seconds, per client address); see guichet/ratelimit.py.
    rate_limits: str = ""
    # Reverse proxies in front (nginx: 1): their X-Forwarded-For/-Proto are trusted, so rate limits
    # count per citizen rather than per proxy. 0 (direct): such headers are ignored (they could be forged).
    proxy_hops: int = 0
    # Retention of personal data, in days (guichet.services.retention; RGPD: no longer than needed).
    # Figures survive every purge: a day's tickets are rolled up before their agents are erased.
    retention: Retention = field(default_factory=Retention)

    @property
    def production(self) -> bool:
        return self.env == "production"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read GUICHET_* variables; production refuses to start without a real secret key."""
    env = os.environ if environ is None else environ
    get = env.get
    kind = get("GUICHET_ENV", "development").strip().lower()
    if kind not in {"development", "production", "test"}:
        raise SettingsError("GUICHET_ENV must be development, production or test")
    secret = get("GUICHET_SECRET_KEY", "")
    if kind == "production" and len(secret) < 32:
        raise SettingsError("GUICHET_SECRET_KEY of at least 32 characters is required in production")
    drawn = not secret
    if drawn:
        # Fine for one embedded process; sessions end when it restarts.
        secret = secrets.token_urlsafe(32)
    channel = get("GUICHET_REDIS_CHANNEL", "guichet").strip()
    if not _CHANNEL.fullmatch(channel):
        raise SettingsError(
            "GUICHET_REDIS_CHANNEL must be 1 to 64 letters, digits or _.:- (first a letter or digit)"
        )
    level = get("GUICHET_LOG_LEVEL", "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError("GUICHET_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
    return Settings(
        env=kind,
        secret_key=secret,
        secret_key_drawn=drawn,
        database_url=get("GUICHET_DATABASE_URL", DEFAULT_DB),
        redis_url=get("GUICHET_REDIS_URL") or None,
        redis_channel=channel,
        server=server_mode(env),
        public_url=get("GUICHET_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        printer_url=get("GUICHET_PRINTER_URL", "virtual://"),
        log_level=level,
        default_service_time_s=_int(
            "GUICHET_DEFAULT_SERVICE_TIME_S", get("GUICHET_DEFAULT_SERVICE_TIME_S", "600"), 1
        ),
        priority_cap=_int("GUICHET_PRIORITY_CAP", get("GUICHET_PRIORITY_CAP", "3")),
        appointment_early_s=_int("GUICHET_APPOINTMENT_EARLY_S", get("GUICHET_APPOINTMENT_EARLY_S", "300")),
        min_recalls_before_no_show=_int(
            "GUICHET_MIN_RECALLS_BEFORE_NO_SHOW", get("GUICHET_MIN_RECALLS_BEFORE_NO_SHOW", "1")
        ),
        checkin_early_min=_int("GUICHET_CHECKIN_EARLY_MIN", get("GUICHET_CHECKIN_EARLY_MIN", "60")),
        checkin_late_min=_int("GUICHET_CHECKIN_LATE_MIN", get("GUICHET_CHECKIN_LATE_MIN", "15")),
        kiosk_idle_s=_int("GUICHET_KIOSK_IDLE_S", get("GUICHET_KIOSK_IDLE_S", "20"), 3),
        db_pool_size=_int("GUICHET_DB_POOL_SIZE", get("GUICHET_DB_POOL_SIZE", "10"), 1),
        sql_echo=_bool("GUICHET_SQL_ECHO", get("GUICHET_SQL_ECHO", "0")),
        smtp_url=get("GUICHET_SMTP_URL", "file://instance/mail"),
        mail_from=get("GUICHET_MAIL_FROM", "Guichet <rendez-vous@localhost>"),
        booking_change_limit_h=_int(
            "GUICHET_BOOKING_CHANGE_LIMIT_H", get("GUICHET_BOOKING_CHANGE_LIMIT_H", "24")
        ),
        reminder_h=_int("GUICHET_REMINDER_H", get("GUICHET_REMINDER_H", "48"), 1),
        case_warning_h=_int("GUICHET_CASE_WARNING_H", get("GUICHET_CASE_WARNING_H", "24"), 1),
        answer_email_days=_int("GUICHET_ANSWER_EMAIL_DAYS", get("GUICHET_ANSWER_EMAIL_DAYS", "7"), 1),
        answer_post_days=_int("GUICHET_ANSWER_POST_DAYS", get("GUICHET_ANSWER_POST_DAYS", "14"), 1),
        rate_limits=get("GUICHET_RATE_LIMITS", ""),
        proxy_hops=_int("GUICHET_PROXY_HOPS", get("GUICHET_PROXY_HOPS", "0")),
        retention=_retention(get),
    )


def _retention(get: Callable[..., str]) -> Retention:
    """The GUICHET_RETENTION_*_DAYS variables; at least 2 days (a day is rolled up when two days old)."""
    defaults = Retention()
    return Retention(
        **{
            key: _int(name, get(name, str(getattr(defaults, key))), 2)
            for key, name in RETENTION_VARIABLES.items()
        }
    )
