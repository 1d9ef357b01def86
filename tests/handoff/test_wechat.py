"""A WeChat resident through signed, encrypted XML and the fake WeChat API: asking for a
person opens a conversation, their messages go to staff without a passive reply, and staff
replies arrive as customer-service messages in order."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.handlers.handoff.delivery import send_staff_reply
from bot.store.db import Database
from bot.store.handoff.tables import SENT
from bot.store.staff.accounts import StaffAccounts
from tests.channels.wechat.stack import WeChatStack, wechat_stack
from tests.handoff.helpers import always

OPENID = "oHandoffResident"


@pytest.fixture
async def stack(settings: Settings, db: Database) -> AsyncIterator[WeChatStack]:
    async with wechat_stack(settings, db, mode="safe") as s:
        yield s


async def test_wechat_resident_and_staff(stack: WeChatStack, db: Database) -> None:
    svc = stack.dispatcher.services
    svc.staffed = always()
    opened = await stack.say(OPENID, "我想和真人工作人员说话")
    assert opened is not None and "工作人员" in opened
    [row] = await svc.handoff.inbox()
    conversation = row.conversation
    assert conversation.channel == "wechat" and conversation.locale == "zh_Hans"

    assert await stack.say(OPENID, "房东今天要我的护照原件") is None  # no passive reply
    await stack.settle()
    assert conversation.id is not None
    assert [m.text for m in await svc.handoff.messages(conversation.id)][
        -1
    ] == "房东今天要我的护照原件"

    staff = await StaffAccounts(db).add("desk7", "long enough secret", "desk")
    for text in ("您好，我是工作人员小李。", "请不要把护照原件交给房东。"):
        message = await send_staff_reply(svc, conversation, staff.id, text)
        assert message.delivery == SENT
    await stack.settle()
    assert stack.fake.texts_to(OPENID)[-2:] == [
        "您好，我是工作人员小李。",
        "请不要把护照原件交给房东。",
    ]
