"""/.well-known/security.txt: served from SECURITY_CONTACT, 404 without one, and the
settings refuse an address a reporter could not use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import ValidationError

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app

CONTACTS = "mailto:security@example.org, https://example.org/report"


async def _client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_web_app(dispatcher), host="127.0.0.1")) as c:
        yield c


class TestConfigured:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(
            update={
                "security_contact": CONTACTS,
                "security_policy_url": "https://example.org/policy",
                "public_url": "https://linzhu.example.org",
            }
        )

    @pytest.fixture
    async def client(self, dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
        async for c in _client(dispatcher):
            yield c

    async def test_the_file_names_each_contact_and_expires_soon(self, client: TestClient) -> None:
        resp = await client.get("/.well-known/security.txt")
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        fields = [line.split(": ", 1) for line in (await resp.text()).splitlines()]
        assert [v for k, v in fields if k == "Contact"] == [
            "mailto:security@example.org",
            "https://example.org/report",
        ]
        (expires,) = [v for k, v in fields if k == "Expires"]
        when = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        now = datetime.now(UTC)
        # RFC 9116: required, in the future, and less than a year ahead
        assert now < when <= now + timedelta(days=8)
        assert dict(fields)["Canonical"] == "https://linzhu.example.org/.well-known/security.txt"
        assert dict(fields)["Policy"] == "https://example.org/policy"
        assert dict(fields)["Preferred-Languages"] == "en, zh"

    async def test_the_legacy_location_serves_the_same(self, client: TestClient) -> None:
        legacy = await client.get("/security.txt")
        assert legacy.status == 200
        assert "Contact: mailto:security@example.org" in await legacy.text()


async def test_without_a_contact_there_is_no_file(dispatcher: Dispatcher) -> None:
    assert dispatcher.services.settings.security_contact is None
    async for client in _client(dispatcher):
        resp = await client.get("/.well-known/security.txt")
        assert resp.status == 404


@pytest.mark.parametrize(
    "value",
    [
        "security@example.org",  # no scheme: a reader's client would not know what it is
        "mailto:nobody",
        "http://example.org/report",  # RFC 9116: web contacts must be https
        "mailto:security@example.org, ftp://example.org",
    ],
)
def test_unusable_contacts_are_refused(value: str) -> None:
    with pytest.raises(ValidationError, match=r"mailto:someone@example\.org or an https://"):
        Settings(_env_file=None, security_contact=value)  # type: ignore[call-arg]


def test_a_policy_must_be_https() -> None:
    with pytest.raises(ValidationError, match="https://"):
        Settings(_env_file=None, security_policy_url="http://example.org")  # type: ignore[call-arg]
    settings = Settings(_env_file=None, security_contact=" mailto:a@example.org ,")  # type: ignore[call-arg]
    assert settings.security_contacts == ("mailto:a@example.org",)
