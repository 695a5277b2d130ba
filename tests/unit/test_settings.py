"""Settings come from GUICHET_* variables only, with safe defaults and strict validation."""

from __future__ import annotations

import pytest

from guichet.settings import SettingsError, load_settings


def test_defaults_give_an_embedded_setup_with_sqlite_and_a_virtual_printer() -> None:
    s = load_settings({})
    assert s.database_url.startswith("sqlite:///") and s.printer_url == "virtual://"
    assert s.redis_url is None and not s.production and len(s.secret_key) >= 32
    assert s.server == "gevent" and s.redis_channel == "guichet"


@pytest.mark.parametrize("secret", ["", "short"])
def test_production_refuses_to_start_without_a_long_secret_key(secret: str) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"GUICHET_ENV": "production", "GUICHET_SECRET_KEY": secret})


@pytest.mark.parametrize(
    "name,value",
    [
        ("GUICHET_PRIORITY_CAP", "three"),
        ("GUICHET_PRIORITY_CAP", "-1"),
        ("GUICHET_ENV", "staging"),
        ("GUICHET_LOG_LEVEL", "LOUD"),
        ("GUICHET_SQL_ECHO", "maybe"),
        ("GUICHET_DEFAULT_SERVICE_TIME_S", "0"),
        ("GUICHET_SERVER", "uwsgi"),
        ("GUICHET_REDIS_CHANNEL", ""),
        ("GUICHET_REDIS_CHANNEL", "two words"),
    ],
)
def test_malformed_values_are_refused_at_start(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value})


def test_variables_override_defaults() -> None:
    s = load_settings(
        {
            "GUICHET_REDIS_URL": "redis://127.0.0.1:6379/0",
            "GUICHET_PRIORITY_CAP": "5",
            "GUICHET_PUBLIC_URL": "https://accueil.example.fr/",
            "GUICHET_SERVER": "Threading",
            "GUICHET_REDIS_CHANNEL": "guichet-mairie-2",
        }
    )
    assert s.redis_url == "redis://127.0.0.1:6379/0" and s.priority_cap == 5
    assert s.public_url == "https://accueil.example.fr"
    assert s.server == "threading" and s.redis_channel == "guichet-mairie-2"
