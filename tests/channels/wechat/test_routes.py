"""POST /wechat and GET /wechat against a real server socket, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.config import Settings
from bot.core.context import Context
from bot.core.types import Incoming, Reply, UserRef, utcnow
from bot.ops import metrics
from bot.store.db import Database
from fakes.wechat_messages import TOKEN, signed_query, text_xml, typed_xml
from tests.channels.wechat.stack import WeChatStack, wechat_stack


@pytest.fixture
async def stack(settings: Settings, db: Database) -> AsyncIterator[WeChatStack]:
    async with wechat_stack(settings, db) as s:
        yield s


async def test_server_verification_echoes_echostr(stack: WeChatStack) -> None:
    query = signed_query() | {"echostr": "shr5ch"}
    resp = await stack.client.get("/wechat", params=query)
    assert resp.status == 200 and await resp.text() == "shr5ch"
    query["signature"] = "0" * 40
    resp = await stack.client.get("/wechat", params=query)
    assert resp.status == 403 and "shr5ch" not in await resp.text()


@pytest.mark.parametrize("mode", ["plain", "compat", "safe"])
async def test_start_in_every_mode(stack: WeChatStack, mode: str) -> None:
    stack.mode = mode  # type: ignore[assignment]
    reply = await stack.say("o-mode", "/start")
    assert reply is not None and "Linzhu" in reply
    assert "Reply 1: Ask a question" in reply


async def test_wrong_signature_is_403_and_nothing_is_handled(stack: WeChatStack) -> None:
    query = signed_query(nonce="42")
    query["signature"] = query["signature"][::-1]
    resp = await stack.client.post("/wechat", params=query, data=text_xml("o-x", "/start"))
    assert resp.status == 403
    assert await stack.dispatcher.services.users.get(UserRef("wechat", "o-x")) is None
    other_token = signed_query()
    from bot.channels.wechat.envelope import signature

    other_token["signature"] = signature("not-" + TOKEN, other_token["timestamp"], "1320562132")
    resp = await stack.client.post("/wechat", params=other_token, data=text_xml("o-x", "hi"))
    assert resp.status == 403


async def test_stale_timestamp_is_refused(stack: WeChatStack) -> None:
    query = signed_query(timestamp=int(time.time()) - 3600)
    resp = await stack.client.post("/wechat", params=query, data=text_xml("o-old", "/start"))
    assert resp.status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><Content>unclosed",
        b"\xff\xfe\x00garbage",
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><A>&b;</A></xml>',
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><A>&e;</A></xml>',
        b"<xml><ToUserName>a</ToUserName></xml>",  # no MsgType
    ],
)
async def test_bad_bodies_are_400_and_the_worker_keeps_going(
    stack: WeChatStack, body: bytes
) -> None:
    resp = await stack.client.post("/wechat", params=signed_query(), data=body)
    assert resp.status == 400
    assert await stack.say("o-after", "/help") is not None


async def test_over_64_kb_is_413(stack: WeChatStack) -> None:
    body = text_xml("o-big", "x" * 70_000).encode()
    resp = await stack.client.post("/wechat", params=signed_query(), data=body)
    assert resp.status == 413
    assert await stack.say("o-big", "/help") is not None


@pytest.mark.parametrize(
    "xml",
    [
        typed_xml("o-types", "image", "<PicUrl><![CDATA[http://x/a.jpg]]></PicUrl>"),
        typed_xml("o-types", "location", "<Location_X>31.2</Location_X><Label>x</Label>"),
        typed_xml("o-types", "voice", "<MediaId>m</MediaId><Format>amr</Format>"),
        typed_xml("o-types", "hologram", "<Beam>1</Beam>"),
    ],
)
async def test_other_message_types_get_a_polite_request_for_text(
    stack: WeChatStack, xml: str
) -> None:
    posted = await stack.post_xml(xml)
    assert posted.status == 200
    assert posted.reply is not None and "type your question" in posted.reply


async def test_voice_with_recognition_is_text(stack: WeChatStack) -> None:
    xml = typed_xml(
        "o-voice",
        "voice",
        "<MediaId>m</MediaId><Format>amr</Format><Recognition>/help</Recognition>",
    )
    posted = await stack.post_xml(xml)
    assert posted.reply is not None and "How I can help" in posted.reply


async def test_subscribe_click_and_unsubscribe(stack: WeChatStack) -> None:
    posted = await stack.event("o-sub", "subscribe")
    assert posted.reply is not None and "Linzhu" in posted.reply
    posted = await stack.event("o-sub", "CLICK", "help")
    assert posted.reply is not None and "How I can help" in posted.reply
    posted = await stack.event("o-sub", "CLICK", "lang:menu")
    assert posted.reply is not None and "日本語" in posted.reply
    posted = await stack.event("o-sub", "VIEW", "https://example.com")
    assert posted.status == 200 and posted.body == "success"
    posted = await stack.event("o-sub", "unsubscribe")
    assert posted.body == "success"
    user = await stack.dispatcher.services.users.get(UserRef("wechat", "o-sub"))
    assert user is not None and not user.active and user.inactive_reason == "unsubscribed"
    posted = await stack.event("o-sub", "subscribe", at=int(time.time()) + 1)
    assert posted.reply is not None and "Linzhu" in posted.reply
    user = await stack.dispatcher.services.users.get(UserRef("wechat", "o-sub"))
    assert user is not None and user.active


async def test_several_replies_first_passive_rest_by_customer_service(stack: WeChatStack) -> None:
    async def three(incoming: Incoming, ctx: Context) -> list[Reply]:
        return [Reply("one"), Reply("two"), Reply("three")]

    stack.dispatcher.routes.commands["three"] = three
    assert await stack.say("o-three", "/three") == "one"
    await stack.settle()
    assert stack.fake.texts_to("o-three") == ["two", "three"]


async def test_long_text_is_split_at_2048_bytes(stack: WeChatStack) -> None:
    long = "\n".join(f"第{i}行：" + "长" * 60 for i in range(40))

    async def essay(incoming: Incoming, ctx: Context) -> list[Reply]:
        return [Reply(long)]

    stack.dispatcher.routes.commands["essay"] = essay
    first = await stack.say("o-long", "/essay")
    await stack.settle()
    parts = [first or "", *stack.fake.texts_to("o-long")]
    assert len(parts) > 1
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "\n".join(parts) == long


async def test_slow_handler_answers_success_then_customer_service(
    settings: Settings, db: Database
) -> None:
    release = asyncio.Event()

    async def slow(incoming: Incoming, ctx: Context) -> list[Reply]:
        await release.wait()
        return [Reply("finally"), Reply("and more")]

    metrics.install()
    missed = metrics.DEADLINE_MISSES._value.get()
    sent = metrics.REPLY_SENDS.labels("wechat", "bot", "sent")._value.get()
    async with wechat_stack(settings, db, wechat_reply_budget_seconds=0.3) as stack:
        stack.dispatcher.routes.commands["slow"] = slow
        started = time.monotonic()
        posted_reply = await stack.say("o-slow", "/slow")
        assert posted_reply is None  # "success", within the budget
        assert time.monotonic() - started < 2
        assert stack.fake.custom == []
        assert metrics.DEADLINE_MISSES._value.get() == missed + 1  # counted in /metrics
        release.set()
        await stack.settle()
        assert stack.fake.texts_to("o-slow") == ["finally", "and more"]
        # customer service sent both in one delivery; the passive "success" is not counted
        assert metrics.REPLY_SENDS.labels("wechat", "bot", "sent")._value.get() == sent + 1


async def test_three_retries_of_a_slow_message_get_one_answer(
    settings: Settings, db: Database
) -> None:
    release = asyncio.Event()
    calls = 0

    async def slow(incoming: Incoming, ctx: Context) -> list[Reply]:
        nonlocal calls
        calls += 1
        await release.wait()
        return [Reply("the one answer")]

    async with wechat_stack(settings, db, wechat_reply_budget_seconds=0.3) as stack:
        stack.dispatcher.routes.commands["slow"] = slow
        xml = text_xml("o-retry", "/slow", msg_id=777)
        stack.fake.user_wrote("o-retry")
        answers = [await stack.post_xml(xml) for _ in range(3)]  # original and 2 retries
        assert [a.body for a in answers] == ["success"] * 3
        release.set()
        await stack.settle()
        assert calls == 1
        assert stack.fake.texts_to("o-retry") == ["the one answer"]


def later(stack: WeChatStack, seconds: float) -> None:
    """Retries from now on arrive `seconds` after the original (WeChat waits 5 s)."""
    stack.channel.ledger.clock = lambda: utcnow() + timedelta(seconds=seconds)


async def test_concurrent_duplicates_answer_once(stack: WeChatStack) -> None:
    xml = text_xml("o-burst", "/help", msg_id=888)
    stack.fake.user_wrote("o-burst")
    answers = await asyncio.gather(*(stack.post_xml(xml) for _ in range(3)))
    await stack.settle()
    assert sorted(a.body == "success" for a in answers) == [False, True, True]
    [reply] = [a.reply for a in answers if a.reply]
    assert "How I can help" in reply
    assert stack.fake.texts_to("o-burst") == []


async def test_retry_after_a_lost_passive_reply_resends_it_once(stack: WeChatStack) -> None:
    xml = text_xml("o-lost", "/help", msg_id=999)
    stack.fake.user_wrote("o-lost")
    first = await stack.post_xml(xml)
    assert first.reply and "How I can help" in first.reply
    later(stack, 5.5)
    # WeChat never got that reply (it retries only then): the retries say "success" and the
    # answer is resent once through customer service.
    assert (await stack.post_xml(xml)).body == "success"
    assert (await stack.post_xml(xml)).body == "success"
    await stack.settle()
    assert stack.fake.texts_to("o-lost") == [first.reply]


async def test_a_retry_during_processing_moves_the_answer_to_customer_service(
    stack: WeChatStack,
) -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    async def gated(incoming: Incoming, ctx: Context) -> list[Reply]:
        entered.set()
        await gate.wait()
        return [Reply("answer")]

    stack.dispatcher.routes.commands["gated"] = gated
    xml = text_xml("o-race", "/gated", msg_id=1234)
    stack.fake.user_wrote("o-race")
    original = asyncio.create_task(stack.post_xml(xml))
    await entered.wait()
    later(stack, 5.5)
    assert (await stack.post_xml(xml)).body == "success"  # the retry, while processing
    gate.set()
    # The original still answers its connection, but WeChat had given up on it (that is
    # why it retried), so the answer also goes out, once, through customer service.
    assert (await original).reply == "answer"
    await stack.settle()
    assert stack.fake.texts_to("o-race") == ["answer"]
    assert (await stack.post_xml(xml)).body == "success"  # the third attempt
    await stack.settle()
    assert stack.fake.texts_to("o-race") == ["answer"]
