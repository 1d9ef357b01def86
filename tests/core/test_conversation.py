"""The router end to end through the conversation harness, on both databases."""

import asyncio
from dataclasses import dataclass

from bot.core.dispatcher import MAX_TEXT, Dispatcher
from bot.core.payloads import Payload
from bot.core.router import Router
from bot.core.state import FlowData
from bot.core.types import Incoming, Reply, UserRef
from bot.handlers import start
from bot.services import Ctx
from bot.store.tables import UnansweredQuestion
from tests.harness import Conversation, with_routes


@dataclass
class Counter(FlowData, flow="counting"):
    n: int = 0


@dataclass(frozen=True)
class Count(Payload, prefix="count"):
    pass


@dataclass(frozen=True)
class Step(Payload, prefix="step"):
    pass


@dataclass(frozen=True)
class Boom(Payload, prefix="boom"):
    pass


async def test_start_shows_menu(conversation: Conversation) -> None:
    replies = await conversation.say("/start")
    assert "Linzhu" in replies[0].text
    payloads = [b.payload for b in replies[0].buttons]
    assert {"school:start", "medical:start", "events:list", "book:start", "lang:menu"} <= set(
        payloads
    )


async def test_language_switch_is_stored(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("/language")
    labels = [b.label for b in conversation.last.replies[0].buttons]  # type: ignore[union-attr]
    assert labels == [
        "English",
        "简体中文",
        "繁體中文",
        "日本語",
        "한국어",
        "Français",
        "Deutsch",
        "Español",
        "Русский",
    ]
    await conversation.tap_label("日本語")
    assert conversation.locale == "ja"
    await conversation.say("/help")
    assert conversation.locale == "ja"
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and (user.locale, user.locale_source) == ("ja", "explicit")


async def test_platform_hint_sets_first_locale(conversation: Conversation) -> None:
    conversation.language_hint = "zh-hant"
    await conversation.say("/start")
    assert conversation.locale == "zh_Hant"


async def test_unknown_command_gets_help(conversation: Conversation) -> None:
    await conversation.say("/frobnicate")
    assert "/frobnicate" in conversation.text() and "/help" in conversation.text()


async def test_unknown_payload_and_empty_text_are_answered(conversation: Conversation) -> None:
    await conversation.tap("no:such:button")
    assert "no longer valid" in conversation.text()
    await conversation.say("   ")
    assert "didn't receive any text" in conversation.text()


async def test_bad_language_payload_is_an_expired_button(conversation: Conversation) -> None:
    await conversation.tap("lang:set:it")
    assert conversation.locale == "en"
    assert "no longer valid" in conversation.text()


async def test_free_text_is_recorded_for_staff(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("zorblax quintuple frimble")
    assert "passed your question on" in conversation.text()
    rows = await dispatcher.services.questions.unanswered()
    assert [r.text for r in rows] == ["zorblax quintuple frimble"]
    assert isinstance(rows[0], UnansweredQuestion)


async def test_numbered_reply_maps_to_payload_on_numbered_channels(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher, user=UserRef("console", "n"))
    await chat.say("/language")
    await chat.say("５")  # full-width five = the fifth language, 한국어
    assert chat.locale == "ko"
    web = Conversation(dispatcher, user=UserRef("web", "n"))
    await web.say("/language")
    await web.say("5")  # the web chat has real buttons: "5" is just text
    assert web.locale == "en"


async def test_per_user_lock_serialises_state_changes(
    settings: object, dispatcher: Dispatcher
) -> None:
    """Ten messages at once from one user: each handler reads, sleeps, writes — none lost."""
    router = Router("counter")

    @router.payload(Count)
    async def count(incoming: Incoming, ctx: Ctx, tap: Count) -> list[Reply]:
        counter = Counter.of(ctx.state) or Counter()
        await asyncio.sleep(0.01)  # give another message the chance to interleave
        counter.n += 1
        ctx.state.enter(counter, "x")
        return [Reply(str(counter.n))]

    counting = with_routes(dispatcher, router.freeze())
    ref = UserRef("web", "racer")
    outcomes = await asyncio.gather(
        *(counting.handle(Incoming(ref, payload="count")) for _ in range(10))
    )
    assert sorted(int(o.replies[0].text) for o in outcomes) == list(range(1, 11))
    assert len(counting.locks) == 0  # locks are dropped when idle


async def test_failing_handler_leaves_state_unchanged(dispatcher: Dispatcher) -> None:
    router = Router("boom")
    router.include(start.router)  # the fallbacks: "something went wrong"

    @router.payload(Step)
    async def step(incoming: Incoming, ctx: Ctx, tap: Step) -> list[Reply]:
        ctx.state.enter(Counter(), "one")
        return [Reply("ok")]

    @router.payload(Boom)
    async def boom(incoming: Incoming, ctx: Ctx, tap: Boom) -> list[Reply]:
        ctx.state.step = "two"
        raise RuntimeError("bug")

    d = with_routes(dispatcher, router.freeze())
    ref = UserRef("web", "b")
    await d.handle(Incoming(ref, payload="step"))
    outcome = await d.handle(Incoming(ref, payload="boom"))
    assert "something went wrong" in outcome.replies[0].text
    async with dispatcher.services.db.session() as s:
        state = await dispatcher.services.states.load(s, outcome.user_id)  # type: ignore[arg-type]
    assert (state.flow, state.step) == ("counting", "one")


async def test_very_long_text_is_cut_not_refused(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    """10,000 characters reach the FAQ cut to MAX_TEXT: answered, not refused or failed."""
    await conversation.say("zorblax " * 1250)
    assert "passed your question on" in conversation.text()
    rows = await dispatcher.services.questions.unanswered()
    assert [len(r.text) for r in rows] == [MAX_TEXT]


async def test_more_users_than_pool_connections_do_not_deadlock(dispatcher: Dispatcher) -> None:
    """Many users at once: on PostgreSQL each holds a lock connection; none may starve."""
    users = dispatcher.services.db.pool_capacity + 10
    outcomes = await asyncio.wait_for(
        asyncio.gather(
            *(
                dispatcher.handle(Incoming(UserRef("web", f"p{i}"), text="/help"))
                for i in range(users)
            )
        ),
        timeout=60,
    )
    assert len(outcomes) == users and all(o.replies for o in outcomes)
