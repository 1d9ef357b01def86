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


async def test_window_closed_template_notice_then_resend(settings: Settings, db: Database) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from bot.core.types import utcnow
    from bot.handlers.handoff.delivery import (
        WECHAT_WINDOW_CLOSED,
        resend,
        send_template_notice,
    )
    from bot.store.handoff.tables import UNDELIVERABLE
    from bot.store.tables import User

    fields = {"thing1": "{first_line}", "time2": "{date}"}
    async with wechat_stack(
        settings, db, wechat_template_id="TPL-REMINDER", wechat_template_fields=fields
    ) as stack:
        svc = stack.dispatcher.services
        svc.staffed = always()
        await stack.say(OPENID, "/human")
        [row] = await svc.handoff.inbox()
        conversation = row.conversation
        async with svc.db.transaction() as session:
            await session.execute(
                update(User)
                .where(User.external_id == OPENID)  # type: ignore[arg-type]
                .values(last_seen=utcnow() - timedelta(hours=50))
            )
        staff = await StaffAccounts(db).add("desk8", "long enough secret", "desk")
        late = await send_staff_reply(svc, conversation, staff.id, "您的材料已经准备好了。")
        assert (late.delivery, late.delivery_note) == (UNDELIVERABLE, WECHAT_WINDOW_CLOSED)
        assert await send_template_notice(svc, conversation) == SENT
        [notice] = stack.fake.template
        assert notice["touser"] == OPENID and notice["data"]["thing1"]["value"].startswith(
            "The centre's staff"
        )
        # The resident writes again: the window reopens and the kept reply goes out.
        assert await stack.say(OPENID, "好的，谢谢") is None
        await stack.settle()
        await resend(svc, conversation)
        assert stack.fake.texts_to(OPENID)[-1] == "您的材料已经准备好了。"
