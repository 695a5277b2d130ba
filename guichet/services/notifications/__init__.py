"""Booking e-mails: confirmation, reminder (48 h before, never after), change, cancellation, waitlist
offer. Written to the `notifications` outbox in the booking's transaction (`booking.notification`);
sent afterwards by `outbox.send_pending` through a `mailer` transport chosen by GUICHET_SMTP_URL (a
background loop in `guichet serve`, or `guichet jobs run` from cron: `services/jobs.py`).

| Module | Responsibility |
| --- | --- |
| `messages.py` | the text of each message, French dates, the .ics attached |
| `outbox.py` | claiming, sending and marking what the outbox holds |
| `reminders.py` | queueing the reminders due |
"""
