"""Rate limits of POST /api/chat: per browser session and per client address.

Budgets are counted in the database (bot/store/ratelimit.py), so several workers behind one
address share them. The defaults (30 messages a minute per session, 300 per address) are far
above what a family types; they stop scripts. Trusted integrations are exempt: they bring
their own limits.

The client address is the connection's peer, or — when the peer is one of
TRUSTED_PROXIES — the last address in X-Forwarded-For that is not a trusted proxy. IPv6
clients are counted per /64, the block one household usually gets.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import timedelta

from aiohttp import web

from bot.config import IPNetwork
from bot.store.ratelimit import RateCounters

WINDOW = timedelta(minutes=1)
MAX_FORWARDED = 1024  # characters of X-Forwarded-For looked at


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(request: web.Request, trusted: Sequence[IPNetwork]) -> str:
    """The address to count a request against (see the module's docstring)."""
    peer = _ip(request.remote or "")
    if peer is None:
        return "unknown"
    address = peer
    if any(peer in net for net in trusted):
        hops = request.headers.get("X-Forwarded-For", "")[:MAX_FORWARDED].split(",")
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:
                break  # a malformed entry: trust nothing left of it
            address = ip
            if not any(ip in net for net in trusted):
                break
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class ChatLimits:
    def __init__(
        self,
        counters: RateCounters,
        *,
        per_session: int,
        per_address: int,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.counters = counters
        self.per_session = per_session
        self.per_address = per_address
        self.trusted_proxies = tuple(trusted_proxies)

    async def address_wait(self, request: web.Request) -> float | None:
        """Seconds to wait when the client's address is over its budget, else None."""
        address = client_address(request, self.trusted_proxies)
        return await self.counters.hit(f"chat:addr:{address}", self.per_address, WINDOW)

    async def session_wait(self, external_id: str) -> float | None:
        return await self.counters.hit(f"chat:session:{external_id}", self.per_session, WINDOW)
