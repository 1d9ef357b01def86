"""Who is calling the web chat API: a browser session, or a trusted integration.

A browser is identified by its `linzhu_session` cookie alone (bot/store/websessions.py);
the page never names a user. A trusted integration (a kiosk, a partner site, tests, a load
benchmark) sends `Authorization: Bearer <WEBCHAT_API_TOKEN>` and names the user in the
request. A `user` named without that token is refused: it would let anyone who knows or
guesses an id act as that resident.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from pydantic import SecretStr

from bot.core.hygiene import is_clean
from bot.i18n import N_
from bot.store.websessions import Issued, WebSessionStore

COOKIE = "linzhu_session"
MAX_USER_ID = 128


class Refused(Exception):
    """The caller cannot be identified; `status` and a translatable `message` say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Caller:
    external_id: str  # the web chat user: UserRef("web", external_id)
    trusted: bool = False  # came with the API token (exempt from the rate limits)
    issued: Issued | None = None  # a session created for this request: set its cookie


class Identities:
    def __init__(
        self,
        sessions: WebSessionStore,
        api_token: SecretStr | None,
        *,
        secure_cookie: bool,
        idle: timedelta,
    ) -> None:
        self.sessions = sessions
        self.api_token = api_token.get_secret_value().encode() if api_token else None
        self.secure_cookie = secure_cookie
        self.max_age = int(idle.total_seconds())

    def trusted(self, request: web.Request) -> bool:
        """True for a request with the right API token; Refused for a wrong one.

        Only the Bearer scheme is looked at: a reverse proxy's Basic authentication in front
        of the whole site reaches us too, and is none of the web chat's business.
        """
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        if self.api_token is None or not hmac.compare_digest(
            given.strip().encode("utf-8", "replace"), self.api_token
        ):
            raise Refused(401, N_("The API token is missing or wrong."))
        return True

    @staticmethod
    def refuse_cross_site(request: web.Request) -> None:
        """Browsers say where a request comes from (Fetch Metadata). Another site may not
        drive a resident's session, even where SameSite=Lax still sends the cookie (a link
        to /api/inbox would otherwise hand that site's visitor's notices to nobody)."""
        if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
            raise Refused(403, N_("Requests from other sites are not accepted."))

    @staticmethod
    def named_user(value: object) -> str:
        """The user a trusted integration names: a clean string of 1–128 characters."""
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_USER_ID:
            raise Refused(
                400, N_('Field "user" must be a non-empty string (at most 128 characters).')
            )
        if not is_clean(value):
            raise Refused(400, N_('Field "user" contains characters that are not allowed.'))
        return value.strip()

    @staticmethod
    def refuse_named_user() -> Refused:
        return Refused(
            401,
            N_(
                'A "user" can only be named with the API token; the web chat knows its '
                "visitors by their session cookie."
            ),
        )

    async def session_user(self, request: web.Request) -> str | None:
        """The user of the request's session cookie, if it is a live session."""
        return await self.sessions.resolve(request.cookies.get(COOKIE))

    async def browser(self, request: web.Request) -> Caller:
        """The browser's session, or a new one when it has none (or an ended one)."""
        user = await self.session_user(request)
        if user is not None:
            return Caller(user)
        issued = await self.sessions.issue()
        return Caller(issued.external_id, issued=issued)

    async def existing_session(self, request: web.Request) -> Caller | None:
        """The caller of a request that names nobody before its body is read (an upload): the
        browser's live session, never a new one, or None for a trusted integration, which
        names its user in the body. Refused for anyone else."""
        if self.trusted(request):
            return None
        self.refuse_cross_site(request)
        if "user" in request.query:
            raise self.refuse_named_user()
        user = await self.session_user(request)
        if user is None:
            raise Refused(401, N_("No chat session: reload the page to start one."))
        return Caller(user)

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            max_age=self.max_age,
            path="/",
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookie,
        )

    def remember(self, request: web.Request, response: web.StreamResponse, caller: Caller) -> None:
        """Set the cookie of a new session, or renew the browser's (its idle clock restarted)."""
        if caller.issued is not None:
            self.set_cookie(response, caller.issued.token)
        elif not caller.trusted and (token := request.cookies.get(COOKIE)):
            self.set_cookie(response, token)
