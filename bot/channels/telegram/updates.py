"""Telegram updates as channel-neutral `Incoming` messages (and what to ignore)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, ChatMember, Message, Update

from bot.core.types import Incoming, UserRef

CHANNEL = "telegram"


@dataclass(frozen=True)
class Inbound:
    """One update worth answering, with what the sender needs to answer it."""

    update_id: int
    incoming: Incoming
    chat_id: int
    callback_query_id: str | None = None
    # The bot's message whose button was tapped, when it can be edited in place.
    tapped_message_id: int | None = None


@dataclass(frozen=True)
class Blocked:
    """The user blocked the bot (my_chat_member → kicked in their private chat)."""

    update_id: int
    user: UserRef


@dataclass(frozen=True)
class Ignored:
    update_id: int
    why: str


Classified = Inbound | Blocked | Ignored


def user_ref(user_id: int) -> UserRef:
    return UserRef(CHANNEL, str(user_id))


def classify(update: Update) -> Classified:
    """What an update means for Linzhu; anything it does not understand is Ignored."""
    uid = update.update_id
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        tapped = (
            message.message_id
            if isinstance(message, Message) and message.text is not None
            else None
        )
        if query.data is None:  # a game button: nothing of ours
            return Ignored(uid, "callback query without data")
        return Inbound(
            uid,
            Incoming(
                user=user_ref(query.from_user.id),
                payload=query.data,
                chat_id=str(chat_id),
                language_hint=query.from_user.language_code,
                display_name=query.from_user.full_name or None,
            ),
            chat_id,
            callback_query_id=query.id,
            tapped_message_id=tapped,
        )
    if update.message is not None:
        return _message(uid, update.message)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type == Chat.PRIVATE and member.new_chat_member.status == ChatMember.BANNED:
            return Blocked(uid, user_ref(member.from_user.id))
        return Ignored(uid, f"my_chat_member {member.new_chat_member.status}")
    return Ignored(uid, "update type not handled")


def _message(uid: int, message: Message) -> Classified:
    sender = message.from_user
    if sender is None or sender.is_bot:
        return Ignored(uid, "message without a human sender")
    text = message.text if message.text is not None else message.caption
    if message.chat.type != Chat.PRIVATE and not text:
        # Groups: joins, pins and photos are not addressed to Linzhu.
        return Ignored(uid, "group message without text")
    # In a private chat a sticker or a photo gets the "please type" answer from the router.
    return Inbound(
        uid,
        Incoming(
            user=user_ref(sender.id),
            text=text or "",
            chat_id=str(message.chat.id),
            language_hint=sender.language_code,
            display_name=sender.full_name or None,
        ),
        message.chat.id,
    )
