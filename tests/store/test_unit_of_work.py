"""One transaction per message, on both databases: what a message sends to the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.dispatcher import Dispatcher
from bot.core.payloads import Payload
from bot.core.router import Router
from bot.core.types import Incoming, Reply, UserRef
from bot.handlers import start
from bot.services import Ctx
from bot.store.db import Database
from bot.store.tables import UnansweredQuestion
from tests.harness import Conversation, with_routes


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every statement sent while the block runs (BEGIN and COMMIT included)."""
    seen: list[str] = []

    def on_execute(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        word = sql.split()[0].upper()
        if word != "BEGIN":  # SQLite's BEGIN IMMEDIATE, already counted by the begin event
            seen.append(word)

    def on_begin(conn: Any) -> None:
        seen.append("BEGIN")

    def on_commit(conn: Any) -> None:
        seen.append("COMMIT")

    # SQLite's point reads go through sqlite3 itself (Database.read_row, point_reads.py):
    # one SELECT each, in autocommit (no BEGIN).
    points = db._points
    first = points.first if points is not None else None

    def point_read(statement: Any, params: Any) -> Any:
        seen.append("SELECT")
        assert first is not None
        return first(statement, params)

    engine = db.engine.sync_engine
    hooks = [("before_cursor_execute", on_execute), ("begin", on_begin), ("commit", on_commit)]
    for name, fn in hooks:
        event.listen(engine, name, fn)
    if points is not None:
        points.first = point_read  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)
        if points is not None:
            del points.first  # back to the class's


async def test_a_message_is_one_transaction_and_writes_nothing_unchanged(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    db = dispatcher.services.db
    await conversation.say("/help")  # creates the user
    with statements(db) as seen:
        await conversation.say("/help")
    # Reading the user and their state is one statement; nothing changed (the visit is
    # recorded to the minute), so nothing is written. PostgreSQL: one transaction, which
    # also holds the advisory lock; SQLite: a plain read, the writer's turn never taken.
    assert [s for s in seen if s in ("INSERT", "UPDATE", "DELETE")] == []
    reads = [s for s in seen if s == "SELECT"]
    assert len(reads) == (2 if db.is_postgres else 1)
    # PostgreSQL: one transaction (with the advisory lock); SQLite: one autocommit read.
    assert seen.count("BEGIN") == (1 if db.is_postgres else 0)
    assert seen.count("COMMIT") == (1 if db.is_postgres else 0)


async def test_changes_are_written_once_at_the_end(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("/help")
    db = dispatcher.services.db
    with statements(db) as seen:
        await conversation.tap("lang:set:fr")
    # One write transaction (on SQLite after a plain read of the user and state).
    assert seen.count("COMMIT") == 1
    assert seen.count("BEGIN") == 1  # SQLite: the point read needs none
    assert [s for s in seen if s in ("INSERT", "UPDATE")] == ["UPDATE"]  # the locale
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and user.locale == "fr"


@dataclass(frozen=True)
class WriteThenFail(Payload, prefix="wtf"):
    pass


async def test_a_failing_handler_keeps_nothing_it_wrote(dispatcher: Dispatcher) -> None:
    router = Router("fails")
    router.include(start.router)

    @router.payload(WriteThenFail)
    async def write_then_fail(incoming: Incoming, ctx: Ctx, tap: WriteThenFail) -> list[Reply]:
        await ctx.services.questions.record_unanswered(
            user_id=ctx.user_id, channel="web", text="kept?", locale="en", candidates=[]
        )
        raise RuntimeError("bug after a write")

    d = with_routes(dispatcher, router.freeze())
    outcome = await d.handle(Incoming(UserRef("web", "w"), payload="wtf"))
    assert "something went wrong" in outcome.replies[0].text
    async with dispatcher.services.db.session() as session:
        count = (await session.execute(text("SELECT count(*) FROM unanswered_questions"))).scalar()
    assert count == 0, "the handler's write was rolled back with the message"
    assert UnansweredQuestion.__tablename__ == "unanswered_questions"


async def test_a_dropped_connection_is_replaced_without_a_failed_message(
    dispatcher: Dispatcher,
) -> None:
    """PostgreSQL: no pre-ping; a pooled connection the server closed is retried once."""
    db = dispatcher.services.db
    chat = Conversation(dispatcher, user=UserRef("web", "dropped"))
    await chat.say("/help")
    if not db.is_postgres:
        return
    # Only this pool's idle connections are named and closed: other test runs may share the
    # server, and their connections must not be touched.
    marker = f"linzhu-test-{uuid.uuid4().hex[:12]}"
    conns = [await db.engine.connect() for _ in range(db.engine.pool.checkedin())]  # type: ignore[attr-defined]
    for conn in conns:
        named = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await named.execute(text(f"SET application_name = '{marker}'"))
        await conn.close()
    killer = create_async_engine(db.url)
    try:
        async with killer.connect() as conn:
            closed = await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :marker"
                ),
                {"marker": marker},
            )
            assert closed.fetchall(), "no pooled connection to close"
    finally:
        await killer.dispose()
    replies = await chat.say("/help")
    assert replies and "/start" in replies[0].text
    assert await db.ping()


@dataclass(frozen=True)
class WriteThenSend(Payload, prefix="wts"):
    fail: bool = False


async def test_after_commit_work_runs_once_the_message_committed(dispatcher: Dispatcher) -> None:
    """Context.after_commit: what a handler sends about its changes runs after the message's
    transaction committed (another connection sees the write), with no writer held and the
    user's lock released; a message that failed sends nothing."""
    db = dispatcher.services.db
    seen: list[tuple[int, bool, bool]] = []
    router = Router("sends")
    router.include(start.router)
    user = UserRef("web", "after-commit")

    async def committed_rows() -> int:
        # A connection of its own: it sees committed rows only.
        settings = {"search_path": db.schema} if db.schema else {}
        args = {"server_settings": settings} if db.is_postgres else {}
        engine = create_async_engine(db.url, connect_args=args)
        try:
            async with engine.connect() as conn:
                found = await conn.execute(
                    text("SELECT count(*) FROM unanswered_questions WHERE text = 'sent?'")
                )
                return int(found.scalar_one())
        finally:
            await engine.dispose()

    @router.payload(WriteThenSend)
    async def write_then_send(incoming: Incoming, ctx: Ctx, tap: WriteThenSend) -> list[Reply]:
        await ctx.services.questions.record_unanswered(
            user_id=ctx.user_id, channel="web", text="sent?", locale="en", candidates=[]
        )

        async def send() -> None:
            writer_busy = (not db.is_postgres) and db._lock().locked()
            seen.append((await committed_rows(), writer_busy, str(user) in d.locks))

        ctx.after_commit.append(send)
        if tap.fail:
            raise RuntimeError("bug after the write")
        return [Reply("done")]

    d = with_routes(dispatcher, router.freeze())
    outcome = await d.handle(Incoming(user, payload=WriteThenSend(fail=True).encode()))
    assert "something went wrong" in outcome.replies[0].text
    assert seen == []  # rolled back: nothing sent about it
    outcome = await d.handle(Incoming(user, payload=WriteThenSend().encode()))
    assert [r.text for r in outcome.replies] == ["done"]
    assert seen == [(1, False, False)]
