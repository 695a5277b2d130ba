"""Browser tests: real Chromium (Debian's) against a real `guichet serve`, with axe-core checks."""
