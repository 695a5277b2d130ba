"""Online appointment booking for level-2 experts (built in the booking issue)."""
