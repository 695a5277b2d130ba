"""Who may do what: the account roles and device kinds, and the sets every door and service checks.

Defined once, here, so that a page, the REST API, a socket namespace and the service behind them can
never disagree on who counts as staff or as a manager.
"""

from __future__ import annotations

AGENT = "agent"
EXPERT = "expert"
MANAGER = "manager"
ADMIN = "admin"
ROLES = (AGENT, EXPERT, MANAGER, ADMIN)

KIOSK = "kiosk"
DISPLAY = "display"
DEVICE_KINDS = (KIOSK, DISPLAY)

# Every signed-in account works at the reception (an admin too, at any site).
STAFF = ROLES
# Site settings, staff assignments, every case of the site, stepping in at any counter.
MANAGERS = (MANAGER, ADMIN)
# The level-2 view: experts, and the managers who oversee their cases.
EXPERT_VIEW = (EXPERT, MANAGER, ADMIN)
# Who may open the kiosk page and take a ticket there (agents preview it, print nothing).
KIOSK_USERS = (KIOSK, *STAFF)
# Who may open a waiting-room screen.
DISPLAY_USERS = (DISPLAY, *STAFF)
