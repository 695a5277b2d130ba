"""Ticket layout and ESC/POS output through python-escpos (built in the kiosk and printing issue)."""
