"""Reporting for managers: the statistics dashboard (/manage/stats) with its charts and tables, the
CSV export of every table and the France Services export. The figures come from
guichet.services.dashboard and .stats_export; this package only parses the period and formats."""

from .views import bp

__all__ = ["bp"]
