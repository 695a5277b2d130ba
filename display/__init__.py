"""Waiting-room display: calls pushed over Socket.IO namespace /display (built in the display issue).

The realtime hub (guichet.realtime) already publishes `ticket_called` and `queue_changed` to the
site's room after each commit.
"""
