"""Staff are Telegram or WeChat accounts, and staff listings are given in private chats only.

Finding 4 of the security review: STAFF_USERS accepted `web:<id>` (a spoofable id), and
staff commands answered inside Telegram groups, posting residents' notes to the group.
"""

from __future__ import annotations

import pytest
from telegram import Update

from bot.app import build_dispatcher
from bot.channels.telegram.updates import Inbound, classify
from bot.config import Settings, SettingsError, load_settings
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, UserRef
from bot.store.consultations.bookings import BOOKED, BookingStore
from tests.consultations.helpers import future, make_slots, make_user
from tests.harness import tr

NOTE = "Passport E98765432"


@pytest.mark.parametrize(
    "entry", ["web:s-0123abcd", "console:root", "telegram:abc", "wechat:o<script>", "sms:123"]
)
def test_only_telegram_and_wechat_accounts_can_be_staff(entry: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(staff_users=f"telegram:12345,{entry}", _env_file=None)
    assert "STAFF_USERS" in str(refused.value) and entry in str(refused.value)


def test_telegram_and_wechat_staff_are_accepted() -> None:
    settings = load_settings(staff_users="telegram:12345, wechat:oAbC-d_9", _env_file=None)
    assert settings.staff == {"telegram:12345", "wechat:oAbC-d_9"}


async def test_staff_commands_answer_only_in_a_private_chat(
    settings: Settings, dispatcher: Dispatcher
) -> None:
    db = dispatcher.services.db
    staff_dispatcher = build_dispatcher(
        settings.model_copy(update={"staff_users": "telegram:99"}),
        db=db,
        knowledge=dispatcher.services.knowledge,
    )
    (slot,) = await make_slots(db, [future(30)])
    resident = await make_user(db, "resident")
    booking = await BookingStore(db).book_slot(
        resident, slot.id or 0, topic="school", language="en", note=NOTE
    )
    staff = UserRef("telegram", "99")

    async def say(private: bool, text: str | None = None, payload: str | None = None) -> str:
        incoming = Incoming(staff, text=text, payload=payload, chat_id="-100", private_chat=private)
        outcome = await staff_dispatcher.handle(incoming)
        return "\n".join(r.text for r in outcome.replies)

    please = tr("en", "Staff commands only work in a private chat with me.")
    for command in ("/today", "/week"):
        assert await say(False, text=command) == please  # and nothing else
    mark = f"staff:att:{booking.booking.id}"
    assert await say(False, payload=mark) == please
    view = await BookingStore(db).get(booking.booking.id)
    assert view is not None and view.status == BOOKED  # the tap in the group changed nothing

    assert NOTE in await say(True, text="/week")
    assert "marked as attended" in await say(True, payload=mark)


def test_telegram_says_which_chats_are_private() -> None:
    sender = {"id": 99, "is_bot": False, "first_name": "Staff", "language_code": "en"}
    group = {"id": -100123, "type": "supergroup", "title": "Volunteers"}
    private = {"id": 99, "type": "private", "first_name": "Staff"}

    def message(chat: dict[str, object]) -> Update:
        body = {"message_id": 7, "date": 0, "chat": chat, "from": sender, "text": "/today"}
        return Update.de_json({"update_id": 1, "message": body}, None)

    def tap(chat: dict[str, object]) -> Update:
        body = {"message_id": 8, "date": 0, "chat": chat, "from": sender, "text": "menu"}
        query = {"id": "q1", "from": sender, "chat_instance": "c", "message": body, "data": "x"}
        return Update.de_json({"update_id": 2, "callback_query": query}, None)

    for update, expected in [
        (message(group), False),
        (message(private), True),
        (tap(group), False),
        (tap(private), True),
    ]:
        item = classify(update)
        assert isinstance(item, Inbound) and item.incoming.private_chat is expected
