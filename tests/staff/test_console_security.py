"""The console's security, over HTTP against the real app: every /staff/ page needs a session
(the routes are read from the router, so a new page cannot forget), CSRF tokens, roles, the
session cookie, the lock-out, and logout."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.core.dispatcher import Dispatcher
from bot.store.staff.sessions import session_key
from tests.staff.conftest import PASSWORD, Accounts, csrf_of

PUBLIC = {"/staff/login", "/staff"}  # the login form, and the bare /staff redirect


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


async def login(client: aiohttp.ClientSession, username: str, password: str = PASSWORD) -> str:
    """Log in; returns the CSRF token of the first page after."""
    async with client.get("/staff/login") as r:
        token = csrf_of(await r.text())
    async with client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    ) as r:
        assert r.status == 303, await r.text()
    async with client.get("/staff/today") as r:
        assert r.status == 200
        return csrf_of(await r.text())


def staff_routes(server: TestServer) -> list[tuple[str, str]]:
    """(method, path with sample ids) of every /staff/ route the app serves."""
    found = []
    for route in server.app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if not path.startswith("/staff") or "prefix" in info or path in PUBLIC:
            continue
        if route.method == "HEAD":
            continue
        sample = re.sub(
            r"\{(\w+)(:[^}]*)?\}", lambda m: "1" if m.group(1) != "chart" else "messages", path
        )
        found.append((route.method, sample))
    return found


async def test_every_staff_route_without_a_session_redirects_to_login(
    server: TestServer, client: aiohttp.ClientSession, accounts: Accounts
) -> None:
    routes = staff_routes(server)
    assert len(routes) > 40 and ("POST", "/staff/bookings/1/cancel") in routes
    for method, path in routes:
        async with client.request(method, path, allow_redirects=False) as r:
            assert r.status in (303, 401), f"{method} {path} answered {r.status}"
            if r.status == 303:
                assert r.headers["Location"].startswith("/staff/login"), (method, path)


async def test_post_without_csrf_token_is_refused(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    token = await login(client, "admin")
    form = {"name": "Ms Wang", "languages": "en", "topics": "school"}
    async with client.post("/staff/consultants", data=form, allow_redirects=False) as r:
        assert r.status == 403
    async with client.post(
        "/staff/consultants", data={**form, "csrf_token": "forged"}, allow_redirects=False
    ) as r:
        assert r.status == 403
    assert await dispatcher.services.schedule.consultants() == []  # nothing was written
    async with client.post(
        "/staff/consultants", data={**form, "csrf_token": token}, allow_redirects=False
    ) as r:
        assert r.status == 303
    assert [c.name for c in await dispatcher.services.schedule.consultants()] == ["Ms Wang"]


async def test_login_form_needs_its_token_too(
    client: aiohttp.ClientSession, accounts: Accounts
) -> None:
    async with client.post(
        "/staff/login", data={"username": "admin", "password": PASSWORD}, allow_redirects=False
    ) as r:
        assert r.status == 403


async def test_roles(client: aiohttp.ClientSession, accounts: Accounts) -> None:
    await login(client, "desk")
    for path in ("/staff/accounts", "/staff/audit", "/staff/audit.csv"):
        async with client.get(path, allow_redirects=False) as r:
            assert r.status == 403, path
    async with client.get("/staff/events") as r:
        assert r.status == 200


async def test_session_cookie_new_id_at_login_and_logout_ends_it(
    server: TestServer, client: aiohttp.ClientSession, accounts: Accounts,
    dispatcher: Dispatcher,
) -> None:  # fmt: skip
    await login(client, "admin")
    first = _cookie(client)
    await login(client, "admin")  # logging in again (or after a planted cookie) → a new id
    second = _cookie(client)
    assert first != second
    sessions = dispatcher.services
    from bot.store.staff.sessions import StaffSessions

    store = StaffSessions(sessions.db)
    assert await store.exists(session_key(second))
    async with client.get("/staff/today") as r:
        token = csrf_of(await r.text())
    async with client.post("/staff/logout", data={"csrf_token": token}, allow_redirects=False) as r:
        assert r.status == 303
    assert not await store.exists(session_key(second))
    # The old cookie value no longer opens anything.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as other:
        other.cookie_jar.update_cookies({"linzhu_staff": second}, server.make_url("/staff/"))
        async with other.get("/staff/today", allow_redirects=False) as r:
            assert r.status == 303


def _cookie(client: aiohttp.ClientSession) -> str:
    for cookie in client.cookie_jar:
        if cookie.key == "linzhu_staff":
            return cookie.value
    raise AssertionError("no session cookie")


async def test_cookie_flags_and_headers(server: TestServer, accounts: Accounts) -> None:
    async with aiohttp.ClientSession(str(server.make_url("/"))) as raw:
        async with raw.get("/staff/login") as r:
            token = csrf_of(await r.text())
            login_cookie = r.cookies["linzhu_staff_login"].value
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
            assert r.headers["X-Frame-Options"] == "DENY"
        async with raw.post(
            "/staff/login",
            data={"username": "admin", "password": PASSWORD, "csrf_token": token},
            headers={"X-Forwarded-Proto": "https", "Cookie": f"linzhu_staff_login={login_cookie}"},
            allow_redirects=False,
        ) as r:
            assert r.status == 303
            header = next(h for h in r.headers.getall("Set-Cookie") if "linzhu_staff=" in h)
    lowered = header.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "secure" in lowered
    assert "path=/staff" in lowered


async def test_wrong_password_then_lockout(
    client: aiohttp.ClientSession, accounts: Accounts
) -> None:
    for attempt in range(6):
        async with client.get("/staff/login") as r:
            token = csrf_of(await r.text())
        async with client.post(
            "/staff/login",
            data={"username": "admin", "password": "wrong password", "csrf_token": token},
        ) as r:
            text = await r.text()
            if attempt < 5:
                assert r.status == 401 and "Wrong username, password or code." in text
            else:
                assert r.status == 429 and "Too many failed logins" in text
    # Locked: even the right password is refused for now.
    async with client.get("/staff/login") as r:
        token = csrf_of(await r.text())
    async with client.post(
        "/staff/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}
    ) as r:
        assert r.status == 429


async def test_open_redirect_is_not_possible(
    client: aiohttp.ClientSession, accounts: Accounts
) -> None:
    async with client.get("/staff/login?next=https://evil.example/") as r:
        html = await r.text()
    assert 'name="next" value="/staff/"' in html


async def test_a_consultant_sees_only_their_own_bookings(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    from bot.store.staff.accounts import StaffAccounts
    from tests.consultations.helpers import future, make_slots, make_user

    db = dispatcher.services.db
    (mine,) = await make_slots(db, [future(30)], name="Ms Wang")
    (theirs,) = await make_slots(db, [future(31)], name="Mr Li")
    await StaffAccounts(db).link("consultant", "Ms Wang")
    bookings = dispatcher.services.bookings
    await dispatcher.services.users.create_walkin("Own Resident", None, "en")
    a = await make_user(db, "resident-a")
    b = await make_user(db, "resident-b")
    own = await bookings.book_slot(a, mine.id or 0, topic="school", language="en")
    other = await bookings.book_slot(b, theirs.id or 0, topic="school", language="en")
    await login(client, "consultant")
    async with client.get("/staff/bookings") as r:
        html = await r.text()
    assert f"/staff/bookings/{own.booking.id}" in html
    assert f"/staff/bookings/{other.booking.id}" not in html
    async with client.get(f"/staff/bookings/{other.booking.id}") as r:
        assert r.status == 404
    async with client.get(f"/staff/bookings/{own.booking.id}") as r:
        token = csrf_of(await r.text())
        assert r.status == 200
    async with client.post(
        f"/staff/bookings/{other.booking.id}/cancel",
        data={"csrf_token": token},
        allow_redirects=False,
    ) as r:
        assert r.status == 404
    assert (await bookings.get(other.booking.id)).status == "booked"  # type: ignore[union-attr]
    for path in ("/staff/events", "/staff/residents", "/staff/accounts"):
        async with client.get(path, allow_redirects=False) as r:
            assert r.status == 403, path


async def test_second_factor(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    import pyotp

    from bot.store.staff.accounts import StaffAccounts

    store = StaffAccounts(dispatcher.services.db)
    admin = await store.by_username("admin")
    assert admin is not None
    secret = pyotp.random_base32()
    await store.set_totp(admin.id, secret)

    async def attempt(code: str) -> int:
        async with client.get("/staff/login") as r:
            token = csrf_of(await r.text())
        form = {"username": "admin", "password": PASSWORD, "otp": code, "csrf_token": token}
        async with client.post("/staff/login", data=form, allow_redirects=False) as r:
            return r.status

    assert await attempt("") == 401
    assert await attempt("000000" if pyotp.TOTP(secret).now() != "000000" else "111111") == 401
    assert await attempt(pyotp.TOTP(secret).now()) == 303
