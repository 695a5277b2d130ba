"""Kiosk: the touchscreen page where walk-in visitors take a ticket (built in the kiosk issue).

Until then, kiosks use the REST API (`POST /api/v1/sites/{site}/tickets` with a kiosk device token).
"""
