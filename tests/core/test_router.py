from dataclasses import dataclass

import pytest

from bot.core.numbers import parse_choice
from bot.core.payloads import Id, Key, Payload, PayloadError
from bot.core.router import RouteConflict, Router
from bot.core.types import Incoming, Reply, UserRef


@dataclass(frozen=True)
class Book(Payload, prefix="book"):
    topic: Key | None = None


@dataclass(frozen=True)
class BookSlot(Payload, prefix="book:slot"):
    slot: Id


async def _h(incoming: Incoming, ctx: object) -> list[Reply]:
    return []


async def _g(incoming: Incoming, ctx: object) -> list[Reply]:
    return []


async def _p(incoming: Incoming, ctx: object, tap: object) -> list[Reply]:
    return []


async def _q(incoming: Incoming, ctx: object, tap: object) -> list[Reply]:
    return []


def test_longest_payload_prefix_wins_and_is_decoded_once() -> None:
    router = Router("t")
    router.payload(Book)(_p)
    router.payload(BookSlot)(_q)
    table = router.freeze()
    route, value = table.for_payload("book:slot:42")
    assert route.handler is _q and value == BookSlot(42)
    route, value = table.for_payload("book:school")
    assert route.handler is _p and value == Book("school")
    with pytest.raises(PayloadError):
        table.for_payload("booking")
    with pytest.raises(PayloadError):
        table.for_payload("book:topic:school")  # one field too many for Book


def test_duplicate_payload_prefix_is_refused() -> None:
    a, b, root = Router("a"), Router("b"), Router("root")
    a.payload(Book)(_p)
    b.payload(Book)(_q)
    root.include(a, b)
    with pytest.raises(RouteConflict, match="payload book"):
        root.freeze()


def test_flow_step_then_any_step_then_text() -> None:
    router = Router("t")
    router.step("school", "birth")(_h)
    router.step("school")(_g)

    async def fallback(incoming: Incoming, ctx: object) -> list[Reply]:
        return []

    router.text(fallback)
    table = router.freeze()
    assert table.for_text("school", "birth") is _h
    assert table.for_text("school", "year") is _g
    assert table.for_text(None, None) is fallback


def test_duplicate_command_across_modules_is_refused() -> None:
    a, b, root = Router("a"), Router("b"), Router("root")
    a.command("start")(_h)
    b.command("start")(_g)
    root.include(a, b)
    with pytest.raises(RouteConflict, match="/start"):
        root.freeze()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        (" 2 ", 2),
        ("１", 1),
        ("一", 1),
        ("三", 3),
        ("①", 1),
        ("3.", 3),
        ("#4", 4),
        ("十二", 12),
        ("0", None),
        ("yes", None),
        ("12345", None),
        ("", None),
        (None, None),
    ],
)
def test_numbered_choice(text: str | None, expected: int | None) -> None:
    assert parse_choice(text) == expected


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/start", "start", ""),
        ("/Book@LinzhuBot school", "book", "school"),
        ("hello", None, ""),
        ("/", None, ""),
    ],
)
def test_command_parsing(text: str, command: str | None, args: str) -> None:
    incoming = Incoming(UserRef("web", "u"), text=text)
    assert incoming.command == command
    assert incoming.command_args == args


def test_private_routes_are_marked_by_router_or_by_registration() -> None:
    mine = Router("mine", private=True)
    mine.command("mybookings")(_h)
    mine.payload(BookSlot)(_q)
    mine.step("book")(_h)
    public = Router("public")
    public.command("events")(_h)
    public.payload(Book, private=True)(_p)
    public.step("signup", "answer", private=True)(_h)
    public.step("school", "birth")(_h)
    root = Router("root")
    root.include(mine, public)
    table = root.freeze()
    assert table.private_command("mybookings") and not table.private_command("events")
    assert not table.private_command("nosuch")
    route, _value = table.for_payload("book:slot:3")
    assert table.private_payload(route)
    route, _value = table.for_payload("book:school")
    assert table.private_payload(route)
    # A step falls back to its flow's any-step registration, as routing does.
    assert table.private_step("book", "note") and table.private_step("book", None)
    assert table.private_step("signup", "answer")
    assert not table.private_step("school", "birth") and not table.private_step(None, None)
