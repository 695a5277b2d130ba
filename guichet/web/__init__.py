"""The shared web toolkit every door uses: who is calling (auth, CSRF), the error policy, JSON bodies,
rate limits, the base layouts and front-end toolkit, and the application's own pages (home, sign-in,
device enrolment). Feature packages build on it; it knows none of them."""
