"""Use cases: each function opens one transaction, applies core rules, and publishes after commit."""
