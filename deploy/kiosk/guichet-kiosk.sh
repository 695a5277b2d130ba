#!/bin/sh
# Full-screen kiosk browser for a Guichet kiosk or waiting-room display (Debian + Chromium).
# Enrol once: open the link from `guichet device enroll ...` in this same profile, then run this script.
URL="${1:-https://accueil.example.fr/kiosk/demo}"
PROFILE="${GUICHET_KIOSK_PROFILE:-$HOME/.guichet-kiosk}"
exec chromium --kiosk --noerrdialogs --disable-infobars --no-first-run --disable-translate \
  --disable-pinch --overscroll-history-navigation=0 --autoplay-policy=no-user-gesture-required \
  --check-for-update-interval=31536000 --user-data-dir="$PROFILE" "$URL"
