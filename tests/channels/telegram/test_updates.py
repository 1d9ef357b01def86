"""Which updates become an `Incoming`, and with what."""

from __future__ import annotations

import time
from typing import Any

from telegram import Bot, Update

from bot.channels.telegram.updates import Blocked, Ignored, Inbound, classify
from bot.core.types import UserRef
from fakes.telegram import BOT_USER, TOKEN, FakeTelegram, Sent

BOT = Bot(TOKEN)


def parse(data: dict[str, Any]) -> Update:
    update = Update.de_json(data, BOT)
    assert update is not None
    return update


def test_text_command_and_language_hint() -> None:
    fake = FakeTelegram()
    item = classify(parse(fake.message_update(42, "/start@LinzhuTestBot", language_code="ja")))
    assert isinstance(item, Inbound)
    assert item.incoming.user == UserRef("telegram", "42")
    assert item.incoming.command == "start" and item.incoming.language_hint == "ja"
    assert item.chat_id == 42 and item.callback_query_id is None


def test_callback_query_is_a_payload_with_the_tapped_message() -> None:
    fake = FakeTelegram()
    sent = Sent(43, 9, "menu", "menu", {"inline_keyboard": []})
    item = classify(parse(fake.callback_update(43, sent, "lang:set:ko", language_code="ko")))
    assert isinstance(item, Inbound)
    assert item.incoming.payload == "lang:set:ko" and item.incoming.text is None
    assert item.tapped_message_id == 9 and item.callback_query_id is not None
    document = Sent(43, 10, None, None, None, document=("a.ics", b"x"))
    item = classify(parse(fake.callback_update(43, document, "x:y")))
    assert isinstance(item, Inbound) and item.tapped_message_id is None  # not editable text


def test_sticker_in_private_chat_is_empty_text_group_noise_is_ignored() -> None:
    base = {
        "message_id": 1,
        "date": int(time.time()),
        "from": {"id": 44, "is_bot": False, "first_name": "A"},
    }
    sticker = {**base, "chat": {"id": 44, "type": "private"}}
    item = classify(parse({"update_id": 1, "message": sticker}))
    assert isinstance(item, Inbound) and item.incoming.text == ""
    join = {**base, "chat": {"id": -5, "type": "group"}, "new_chat_members": [BOT_USER]}
    assert isinstance(classify(parse({"update_id": 2, "message": join})), Ignored)
    group_question = {**base, "chat": {"id": -5, "type": "group"}, "text": "/help"}
    item = classify(parse({"update_id": 3, "message": group_question}))
    assert isinstance(item, Inbound) and item.chat_id == -5
    assert item.incoming.user == UserRef("telegram", "44")
    edited = {"update_id": 4, "edited_message": {**sticker, "text": "x"}}
    assert isinstance(classify(parse(edited)), Ignored)


def test_blocking_the_bot() -> None:
    member = {
        "chat": {"id": 45, "type": "private"},
        "from": {"id": 45, "is_bot": False, "first_name": "B"},
        "date": int(time.time()),
        "old_chat_member": {"status": "member", "user": BOT_USER},
        "new_chat_member": {"status": "kicked", "user": BOT_USER, "until_date": 0},
    }
    item = classify(parse({"update_id": 5, "my_chat_member": member}))
    assert isinstance(item, Blocked) and item.user == UserRef("telegram", "45")
    member["new_chat_member"] = {"status": "member", "user": BOT_USER}
    assert isinstance(classify(parse({"update_id": 6, "my_chat_member": member})), Ignored)
