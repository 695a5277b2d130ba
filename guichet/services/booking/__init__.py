"""Online booking: motifs, free slots, short holds, and the booking itself, never twice on one slot;
then what a citizen does with it through a signed link (see, cancel, move, waitlist), and experts'
private calendar feeds.

| Module | Responsibility |
| --- | --- |
| `motifs.py` | the motifs a site offers, the motif and number-of-people checks |
| `availability.py` | what `core.slots.free_slots` needs, loaded from the database; holidays and closures |
| `slots.py` | slot search, the free slots at one start (under lock), the next free ones |
| `holds.py` | a slot kept while the contact form is filled in; expired holds purged |
| `bookings.py` | booking a slot (citizen or agent), ANTS numbers, limits per contact |
| `appointments.py` | an appointment's JSON shapes, manage view, .ics file, and its e-mail snapshot |
| `changes.py` | cancel and move |
| `links.py` | the signed manage link and the change limit |
| `waitlist.py` | joining the waitlist, offering a freed slot |
| `feeds.py` | experts' private calendar feeds |

Callers use the names below (`booking.book`, `booking.find_slots`, ...); the modules import each
other's public names only.
"""

from .appointments import (
    appointment_ics,
    appointment_json,
    as_written,
    citizen_json,
    get_appointment,
    notification,
    view_appointment,
)
from .bookings import ANTS_RE, BookingRequest, book
from .changes import cancel, move
from .feeds import expert_feed, feed_token, feed_url
from .holds import HOLD_MINUTES, hold_slot, purge_expired_holds
from .links import change_until, manage_url, signature
from .motifs import list_motifs, motif_json
from .slots import MAX_SEARCH_DAYS, find_slots
from .waitlist import MAX_OFFERS, join_waitlist

__all__ = [
    "ANTS_RE",
    "HOLD_MINUTES",
    "MAX_OFFERS",
    "MAX_SEARCH_DAYS",
    "BookingRequest",
    "appointment_ics",
    "appointment_json",
    "as_written",
    "book",
    "cancel",
    "change_until",
    "citizen_json",
    "expert_feed",
    "feed_token",
    "feed_url",
    "find_slots",
    "get_appointment",
    "hold_slot",
    "join_waitlist",
    "list_motifs",
    "manage_url",
    "motif_json",
    "move",
    "notification",
    "purge_expired_holds",
    "signature",
    "view_appointment",
]
