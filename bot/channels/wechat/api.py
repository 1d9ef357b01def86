"""WeChat's HTTP API with aiohttp (wechatpy has no async client).

Bodies are JSON with `ensure_ascii=False`: WeChat refuses `\\uXXXX` escapes (errcode
40033) and would otherwise show residents the escapes instead of their language.

The access token is shared by every worker through the store. Each new token WeChat
issues invalidates the previous one, so exactly one worker fetches (it holds a lease)
while the others wait for the stored result. `stable_token` is preferred: it returns
the same token to every caller while it is valid, so even a stray second fetch is harmless.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import Any

import aiohttp

from bot.config import Settings
from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.shared import Leases, SharedValues

log = logging.getLogger(__name__)

# invalid credential, invalid token, token expired: fetch a new token and try once more
TOKEN_ERRORS = frozenset({40001, 40014, 42001})


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """No usable answer from WeChat (network, timeout, 5xx): worth retrying later."""


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class AccessTokens:
    """The account's access token, fetched by one worker at a time and shared by all."""

    WAIT_SECONDS = 15.0
    LEASE = timedelta(seconds=30)

    def __init__(self, api: WeChatApi, db: Database, app_id: str) -> None:
        self.api = api
        self.values = SharedValues(db)
        self.leases = Leases(db)
        self.key = f"wechat:access_token:{app_id}"
        self.rejected_key = f"wechat:access_token_rejected:{app_id}"
        self.lease = f"wechat:token:{app_id}"[:64]
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]
        self._local = asyncio.Lock()  # one coroutine per process goes to the store

    async def get(self) -> str:
        token = await self.values.get(self.key)
        if token:
            return token
        async with self._local:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.WAIT_SECONDS
            while loop.time() < deadline:
                token = await self.values.get(self.key)
                if token:
                    return token
                if await self.leases.acquire(self.lease, self.holder, self.LEASE):
                    try:
                        return await self._refresh()
                    finally:
                        await self.leases.release(self.lease, self.holder)
                await asyncio.sleep(0.1)  # another worker is fetching; its token lands soon
        raise WeChatUnavailable("timed out waiting for the access token")

    async def invalidate(self, token: str) -> None:
        """WeChat refused `token`: forget it, unless another worker already replaced it."""
        if await self.values.delete_if(self.key, token):
            await self.values.put(self.rejected_key, token, utcnow() + timedelta(hours=2))
            log.info("WeChat refused the access token; fetching a new one")

    async def _refresh(self) -> str:
        token = await self.values.get(self.key)  # fetched while we waited for the lease?
        if token:
            return token
        token, expires_in = await self.api.fetch_token(force=False)
        if token == await self.values.get(self.rejected_key):
            # stable_token handed back the very token WeChat just refused.
            token, expires_in = await self.api.fetch_token(force=True)
        margin = min(300, expires_in // 10)
        await self.values.put(self.key, token, utcnow() + timedelta(seconds=expires_in - margin))
        return token


class WeChatApi:
    def __init__(self, settings: Settings, db: Database) -> None:
        if not settings.wechat_app_id or not settings.wechat_app_secret:
            raise ValueError("WECHAT_APP_ID and WECHAT_APP_SECRET are needed for the API")
        self.base = settings.wechat_api_url.rstrip("/")
        self.app_id = settings.wechat_app_id
        self._secret = settings.wechat_app_secret
        self.endpoint = settings.wechat_token_endpoint
        self.tokens = AccessTokens(self, db, self.app_id)
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, path: str, payload: Any = None, *, method: str = "POST") -> Any:
        """Call an authenticated endpoint; a refused token is replaced once, transparently."""
        for attempt in (1, 2):
            token = await self.tokens.get()
            data = await self._request(method, path, payload, {"access_token": token})
            errcode = int(data.get("errcode") or 0)
            if errcode in TOKEN_ERRORS and attempt == 1:
                await self.tokens.invalidate(token)
                continue
            if errcode:
                raise WeChatError(errcode, str(data.get("errmsg", "")))
            return data
        raise AssertionError("unreachable")

    async def fetch_token(self, *, force: bool) -> tuple[str, int]:
        secret = self._secret.get_secret_value()
        if self.endpoint == "stable_token":
            body = {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": secret,
                "force_refresh": force,
            }
            data = await self._request("POST", "/cgi-bin/stable_token", body, {})
        else:
            query = {"grant_type": "client_credential", "appid": self.app_id, "secret": secret}
            data = await self._request("GET", "/cgi-bin/token", None, query)
        if data.get("errcode") or not data.get("access_token"):
            raise WeChatError(int(data.get("errcode") or -1), str(data.get("errmsg", "")))
        log.info("fetched a new WeChat access token (%s)", self.endpoint)
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    async def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (only within 48 hours of the user's message)."""
        await self.call(
            "/cgi-bin/message/custom/send",
            {"touser": openid, "msgtype": "text", "text": {"content": text}},
        )

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> None:
        payload: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {name: {"value": value} for name, value in data.items()},
        }
        if url:
            payload["url"] = url
        await self.call("/cgi-bin/message/template/send", payload)

    async def get_media(self, media_id: str, max_bytes: int) -> bytes | None:
        """A file a user sent (/cgi-bin/media/get); None when it is over `max_bytes`."""
        for attempt in (1, 2):
            token = await self.tokens.get()
            query = {"access_token": token, "media_id": media_id}
            try:
                async with self.session.get(self.base + "/cgi-bin/media/get", params=query) as resp:
                    if resp.status >= 500:
                        raise WeChatUnavailable(f"media/get: HTTP {resp.status}")
                    kind = resp.headers.get("Content-Type", "")
                    if "json" in kind or "text/plain" in kind:
                        data = await resp.json(content_type=None)
                        errcode = int(data.get("errcode") or 0)
                        if errcode in TOKEN_ERRORS and attempt == 1:
                            await self.tokens.invalidate(token)
                            continue
                        raise WeChatError(errcode, str(data.get("errmsg", "")))
                    if (resp.content_length or 0) > max_bytes:
                        return None
                    body = bytearray()
                    async for chunk in resp.content.iter_chunked(64 * 1024):
                        body.extend(chunk)
                        if len(body) > max_bytes:
                            return None
                    return bytes(body)
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                raise WeChatUnavailable(f"media/get: {exc!r}") from exc
        raise AssertionError("unreachable")

    async def _request(
        self, method: str, path: str, payload: Any, query: dict[str, str]
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        body = dumps(payload) if payload is not None else None
        try:
            async with self.session.request(
                method, self.base + path, params=query, data=body, headers=headers
            ) as resp:
                if resp.status >= 500:
                    raise WeChatUnavailable(f"{path}: HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WeChatUnavailable(f"{path}: {exc!r}") from exc
        if not isinstance(data, dict):
            raise WeChatUnavailable(f"{path}: unexpected answer {data!r:.200}")
        return data
