"""Secrets come only from the environment: no token, password or consumer secret has a
non-empty default in `Settings`, and each one is read from its own variable."""

from __future__ import annotations

import dataclasses
import re

import pytest

from triage.settings import Settings

SECRET_WORDS = re.compile(r"token|secret|password|passwd|consumer_key|api_key|credential")
SECRETS = {
    "case_system_token": "BLUELAMP_CASE_SYSTEM_TOKEN",
    "x_bearer_token": "BLUELAMP_X_BEARER_TOKEN",
    "x_consumer_key": "BLUELAMP_X_CONSUMER_KEY",
    "x_consumer_secret": "BLUELAMP_X_CONSUMER_SECRET",
    "x_access_token": "BLUELAMP_X_ACCESS_TOKEN",
    "x_access_token_secret": "BLUELAMP_X_ACCESS_TOKEN_SECRET",
    "rasa_token": "BLUELAMP_RASA_TOKEN",
}


def secret_fields() -> list[dataclasses.Field[object]]:
    return [f for f in dataclasses.fields(Settings) if SECRET_WORDS.search(f.name)]


def test_every_secret_is_known_here() -> None:
    """A new secret setting must be added to SECRETS (and so to the checks below)."""
    assert {f.name for f in secret_fields()} == set(SECRETS)


def test_no_secret_has_a_default() -> None:
    for f in secret_fields():
        assert f.default in ("", None), f"{f.name} has a built-in value"


def test_urls_carry_no_credentials_by_default() -> None:
    settings = Settings()
    for url in (
        settings.database_url,
        settings.redis_url or "",
        settings.rasa_url,
        settings.action_server_url,
        settings.case_system_url,
    ):
        assert "@" not in url, url


def test_an_empty_environment_gives_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in SECRETS.values():
        monkeypatch.delenv(variable, raising=False)
    settings = Settings.from_env()
    assert all(getattr(settings, name) == "" for name in SECRETS)


def test_each_secret_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, variable in SECRETS.items():
        monkeypatch.setenv(variable, f"value-of-{name}")
    settings = Settings.from_env()
    for name in SECRETS:
        assert getattr(settings, name) == f"value-of-{name}"
