"""Background jobs, every minute in `guichet serve` (or `guichet jobs run` from cron): reminders, the
level-2 deadline warnings, the e-mail outbox, expired holds, missed appointments, the statistics'
daily rollup, retention of personal data."""

from __future__ import annotations

import logging
import time

from mailer import MailError

from .appointment_outcomes import close_missed
from .booking import purge_expired_holds
from .case_alerts import warn_deadlines
from .context import Context
from .notifications.outbox import send_pending
from .notifications.reminders import queue_reminders
from .retention import purge_personal_data
from .rollup import roll_months, roll_up

log = logging.getLogger(__name__)
JOBS_EVERY_S = 60


def run_jobs(ctx: Context) -> dict[str, int]:
    """One pass of the background work: reminders, the outbox, expired holds, retention. A mail server
    that is down stops the outbox only: holds and retention still run (a contact must not outlive its
    retention because mail is down), then the mail error is raised for the loop or cron to report."""
    reminders = queue_reminders(ctx)
    warned = warn_deadlines(ctx)  # before the outbox: the warnings leave in this run
    mail_error: MailError | None = None
    try:
        sent = send_pending(ctx)
    except MailError as exc:
        mail_error, sent = exc, {"sent": 0, "failed": 0, "dropped": 0}
    holds = purge_expired_holds(ctx)
    missed = close_missed(ctx)
    rolled = roll_up(ctx)  # before the purge: a day's agents are erased only once it is rolled up
    months = roll_months(ctx)
    purged = purge_personal_data(ctx)
    if mail_error is not None:
        raise mail_error
    return {
        "reminders_queued": reminders,
        **warned,
        **sent,
        "holds_purged": holds,
        "appointments_missed": missed,
        "days_rolled_up": rolled,
        "months_rolled_up": months,
        **purged,
    }


def jobs_loop(ctx: Context) -> None:
    """`guichet serve`'s background task: run_jobs every minute, forever; an error is logged, never fatal."""
    while True:
        try:
            done = run_jobs(ctx)
            if any(done.values()):
                log.info("jobs: %s", ", ".join(f"{k}={v}" for k, v in done.items() if v))
        except MailError as exc:
            # Expected while the mail server is down: one line a minute, not a traceback.
            log.error("background jobs: e-mails not sent (%s); retrying in %s s", exc, JOBS_EVERY_S)
        except Exception:
            log.exception("background jobs failed; retrying in %s s", JOBS_EVERY_S)
        time.sleep(JOBS_EVERY_S)
