"""Safe mode cannot be downgraded, a signed query string cannot be replayed, ids are checked.

Finding 3 of the security review: with the AES key configured a plaintext body was still
accepted (and answered in plaintext), and a captured signed query string could be reused
with any body and any openid for 300 s. A non-numeric MsgId was a 500.
"""

from __future__ import annotations

from sqlalchemy import text

from bot.config import Settings
from bot.store.db import Database
from fakes.wechat_messages import encrypt, signed_query, text_xml
from tests.channels.wechat.stack import wechat_stack


async def users(db: Database) -> list[str]:
    async with db.session() as s:
        rows = await s.execute(text("SELECT external_id FROM users ORDER BY id"))
        return list(rows.scalars())


async def test_safe_mode_refuses_plaintext_and_answers_encrypted(
    settings: Settings, db: Database
) -> None:
    async with wechat_stack(settings, db, "safe", wechat_compat_mode=False) as stack:
        xml = text_xml("o-safe", "/start")
        for extra in ({}, {"encrypt_type": "raw"}):
            query = signed_query() | extra
            resp = await stack.client.post("/wechat", params=query, data=xml.encode())
            assert resp.status == 403 and await resp.text() == "refused"
        assert await users(db) == []  # nothing of the plaintext message was handled
        posted = await stack.post_xml(text_xml("o-safe", "/start"))
        assert posted.status == 200 and posted.reply is not None and "Linzhu" in posted.reply
        assert "<Encrypt>" in posted.body and "Linzhu" not in posted.body  # sealed


async def test_compatible_mode_is_an_explicit_choice(settings: Settings, db: Database) -> None:
    async with wechat_stack(settings, db, "compat", wechat_compat_mode=True) as stack:
        plain = await stack.post_xml(text_xml("o-compat", "/start"), mode="plain")
        assert plain.status == 200 and plain.reply is not None  # answered in plaintext
        sealed = await stack.post_xml(text_xml("o-compat", "/help"), mode="compat")
        assert sealed.reply is not None and "<Encrypt>" in sealed.body


async def test_a_replayed_query_string_is_refused_on_every_worker(
    settings: Settings, db: Database
) -> None:
    async with (
        wechat_stack(settings, db, "plain") as worker_a,
        wechat_stack(settings, db, "plain") as worker_b,
    ):
        query = signed_query()
        original = text_xml("o-victim", "/start")
        first = await worker_a.client.post("/wechat", params=query, data=original.encode())
        assert first.status == 200 and "Linzhu" in await first.text()
        forged = text_xml("o-attacker", "/mybookings")
        for worker in (worker_a, worker_b):
            resp = await worker.client.post("/wechat", params=query, data=forged.encode())
            assert resp.status == 403
        # WeChat's own retry repeats the request unchanged: not a replay, answered once.
        again = await worker_b.client.post("/wechat", params=query, data=original.encode())
        assert again.status == 200 and await again.text() == "success"
        assert await users(db) == ["o-victim"]


async def test_encrypted_replay_with_another_body_is_refused(
    settings: Settings, db: Database
) -> None:
    async with wechat_stack(settings, db, "safe", wechat_compat_mode=False) as stack:
        body, query = encrypt(text_xml("o-victim", "/start"))
        assert (await stack.client.post("/wechat", params=query, data=body.encode())).status == 200
        other, _other_query = encrypt(text_xml("o-attacker", "/start"))
        resp = await stack.client.post("/wechat", params=query, data=other.encode())
        assert resp.status == 403


async def test_message_ids_must_be_numbers(settings: Settings, db: Database) -> None:
    async with wechat_stack(settings, db, "plain") as stack:
        good = text_xml("o-ids", "hello", msg_id=42)
        cases = {
            "non-numeric MsgId": good.replace("<MsgId>42</MsgId>", "<MsgId>abc</MsgId>"),
            "missing MsgId": good.replace("<MsgId>42</MsgId>", ""),
            "huge MsgId": good.replace("<MsgId>42</MsgId>", f"<MsgId>{'9' * 40}</MsgId>"),
            "non-numeric CreateTime": good.replace("<CreateTime>", "<CreateTime>x"),
            "openid with markup": good.replace("o-ids", "o<b>&amp;"),
        }
        for name, xml in cases.items():
            resp = await stack.client.post("/wechat", params=signed_query(), data=xml.encode())
            assert resp.status == 400, name
        assert await users(db) == []
