"""The resident's side on the web chat: asking for a person, the bot stepping aside while
staff answer (the emergency guard still answering first and flagging the conversation),
staff replies reaching the page's inbox in order, closing with a 👍/👎, the off-hours path,
the WeChat window, and /privacy deleting the transcript."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.channels.wechat.adapter import WeChatChannel
from bot.core.dispatcher import Dispatcher
from bot.core.markup import phone
from bot.core.types import UserRef, utcnow
from bot.handlers.handoff.delivery import (
    WECHAT_WINDOW_CLOSED,
    notify_closed,
    send_staff_reply,
)
from bot.store.handoff.tables import CLOSED, FROM_BOT, FROM_RESIDENT, SENT, UNDELIVERABLE
from bot.store.staff.accounts import StaffAccounts
from bot.store.tables import User
from tests.handoff.helpers import always, from_tomorrow
from tests.harness import Conversation, tr

PASSWORD = "long enough secret"


async def _live(dispatcher: Dispatcher, chat: Conversation):  # type: ignore[no-untyped-def]
    user = await dispatcher.services.users.get(chat.user)
    assert user is not None and user.id is not None
    return user, await dispatcher.services.handoff.live_for(user.id)


async def test_a_person_answers_and_the_bot_steps_aside(
    dispatcher: Dispatcher, conversation: Conversation
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    await conversation.tap("lang:set:fr")
    replies = await conversation.say("/human")
    assert tr("fr", "End the conversation with staff") in [b.label for b in replies[0].buttons]
    _user, live = await _live(dispatcher, conversation)
    assert live is not None and live.locale == "fr" and live.channel == "web"

    # A question the FAQ knows goes to staff instead: no answer from the bot.
    assert await conversation.say("Comment renouveler mon visa ?") == []
    assert live.id is not None
    [said] = await svc.handoff.messages(live.id)
    assert (said.direction, said.text) == (FROM_RESIDENT, "Comment renouveler mon visa ?")

    # The emergency guard still answers first, and the conversation is flagged for staff.
    urgent = await conversation.say("mon mari ne respire plus")
    assert phone("120") in urgent[0].text
    flagged = await svc.handoff.get(live.id)
    assert flagged is not None and flagged.alert
    assert [m.direction for m in await svc.handoff.messages(live.id)][-2:] == [
        FROM_RESIDENT,
        FROM_BOT,
    ]

    # Two staff replies reach the page's inbox in order, as typed.
    staff = await StaffAccounts(svc.db).add("desk1", PASSWORD, "desk")
    first = await send_staff_reply(svc, live, staff.id, "Bonjour, je m'appelle Li.")
    second = await send_staff_reply(svc, live, staff.id, "Avez-vous votre passeport ?")
    assert first.delivery == SENT and second.delivery == SENT
    inbox = await svc.inbox.take("tester")
    texts = [r["text"] for row in inbox for r in row.replies]
    assert texts == ["Bonjour, je m'appelle Li.", "Avez-vous votre passeport ?"]

    # Staff close: the resident is told in French, with 👍/👎, and the bot is back.
    assert await svc.handoff.close(live.id)
    assert await notify_closed(svc, live) == SENT
    [closing] = [r for row in await svc.inbox.take("tester") for r in row.replies]
    assert closing["text"].startswith("La conversation avec le personnel du centre est terminée.")
    assert [b["label"] for b in closing["buttons"]] == ["👍", "👎"]
    vote = next(b["payload"] for b in closing["buttons"] if b["label"] == "👍")
    thanks = await conversation.tap(vote)
    assert thanks[0].text == tr("fr", "Thank you for your feedback!")
    rated = await svc.handoff.get(live.id)
    assert rated is not None and rated.status == CLOSED and rated.helpful is True
    answered = await conversation.say("Comment renouveler mon visa ?")
    assert answered and answered[0].text  # the FAQ answers again


async def test_the_resident_can_end_it_and_commands_still_work(
    dispatcher: Dispatcher, conversation: Conversation
) -> None:
    dispatcher.services.staffed = always()
    await conversation.tap("handoff:start")
    again = await conversation.say("/human")
    assert "already connected" in again[0].text
    menu = await conversation.say("/start")
    assert menu  # a command is answered by the bot even while staff are on
    ended = await conversation.tap("handoff:end")
    assert "has ended" in ended[0].text
    _user, live = await _live(dispatcher, conversation)
    assert live is None
    nothing = await conversation.tap("handoff:end")
    assert "not talking with staff" in nothing[0].text


async def test_outside_staffed_hours_a_message_can_be_left(
    dispatcher: Dispatcher, conversation: Conversation
) -> None:
    svc = dispatcher.services
    svc.staffed = from_tomorrow()
    await conversation.tap("lang:set:de")
    replies = await conversation.say("/human")
    text = replies[0].text
    back = svc.staffed.next_opening(utcnow())
    assert back is not None
    from bot.i18n.format import format_relative_datetime

    assert format_relative_datetime(back, "de", utcnow()) in text  # "morgen, 09:00"
    labels = [b.label for b in replies[0].buttons]
    assert labels == [tr("de", "Leave a message"), tr("de", "Book a consultation")]
    _user, live = await _live(dispatcher, conversation)
    assert live is None  # nothing opened until they choose to leave a message
    await conversation.tap_label(tr("de", "Leave a message"))
    _user, live = await _live(dispatcher, conversation)
    assert live is not None and live.waits_until == back
    assert await conversation.say("Ich brauche Hilfe mit dem Mietvertrag.") == []
    assert live.id is not None
    assert [m.text for m in await svc.handoff.messages(live.id)] == [
        "Ich brauche Hilfe mit dem Mietvertrag."
    ]


async def test_asking_in_words_opens_a_conversation(
    dispatcher: Dispatcher, conversation: Conversation
) -> None:
    dispatcher.services.staffed = always()
    await conversation.say("我想和真人工作人员说话")
    _user, live = await _live(dispatcher, conversation)
    assert live is not None and live.locale == "zh_Hans"


async def test_wechat_window_closed_is_undeliverable(dispatcher: Dispatcher) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    # What the WeChat channel declares when it is installed: its 48-hour reply window.
    svc.channels.declare("wechat", WeChatChannel.capabilities)
    chat = Conversation(dispatcher, user=UserRef("wechat", "oWeChatUser1"))
    await chat.say("/human")
    user, live = await _live(dispatcher, chat)
    assert live is not None
    async with svc.db.transaction() as session:
        await session.execute(
            update(User).where(User.id == user.id).values(last_seen=utcnow() - timedelta(hours=49))
        )
    staff = await StaffAccounts(svc.db).add("desk2", PASSWORD, "desk")
    message = await send_staff_reply(svc, live, staff.id, "Hello?")
    assert message.delivery == UNDELIVERABLE and message.delivery_note == WECHAT_WINDOW_CLOSED


async def test_privacy_deletes_the_transcript(
    dispatcher: Dispatcher, conversation: Conversation
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    await conversation.say("/human")
    await conversation.say("my landlord wants my passport today")
    user, live = await _live(dispatcher, conversation)
    assert live is not None and live.id is not None
    shown = await conversation.say("/privacy")
    assert "conversations with staff (transcripts): 1" in shown[0].text
    await conversation.tap("privacy:delete:yes")
    assert user.id is not None
    assert await svc.handoff.for_user(user.id) == []
    assert await svc.handoff.messages(live.id) == []
