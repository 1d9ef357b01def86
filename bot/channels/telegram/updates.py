"""Telegram updates as channel-neutral `Incoming` messages (and what to ignore)."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Chat, ChatMember, Message, Update

from bot.core.types import Incoming, MediaRef, UserRef

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
    """What an update means for Linzhu; anything it does not understand is Ignored.

    python-telegram-bot does not check the JSON's types, so neither may we assume them: an
    update whose ids are not integers or whose texts are not strings is Ignored as malformed.
    """
    uid = update.update_id
    if update.callback_query is not None:
        return _callback(uid, update)
    if update.message is not None:
        return _message(uid, update.message)
    if update.my_chat_member is not None:
        member = update.my_chat_member
        user_id = _int(getattr(member.from_user, "id", None))
        if user_id is None:
            return Ignored(uid, "malformed my_chat_member")
        status = getattr(member.new_chat_member, "status", None)
        if member.chat.type == Chat.PRIVATE and status == ChatMember.BANNED:
            return Blocked(uid, user_ref(user_id))
        return Ignored(uid, f"my_chat_member {status!s:.32}")
    return Ignored(uid, "update type not handled")


def _callback(uid: int, update: Update) -> Classified:
    query = update.callback_query
    assert query is not None
    message = query.message
    user_id = _int(getattr(query.from_user, "id", None))
    chat_id = _int(message.chat.id) if message is not None else user_id
    if (
        user_id is None
        or chat_id is None
        or not isinstance(query.id, str)
        or not _str_or_none(query.data)
    ):
        return Ignored(uid, "malformed callback query")
    if query.data is None:  # a game button: nothing of ours
        return Ignored(uid, "callback query without data")
    tapped = (
        _int(message.message_id)
        if isinstance(message, Message) and isinstance(message.text, str)
        else None
    )
    return Inbound(
        uid,
        Incoming(
            user=user_ref(user_id),
            payload=query.data,
            chat_id=str(chat_id),
            language_hint=_language(query.from_user),
            display_name=_name(query.from_user),
            # A tap with no message is in the user's own chat with the bot.
            private_chat=message is None or message.chat.type == Chat.PRIVATE,
        ),
        chat_id,
        callback_query_id=query.id,
        tapped_message_id=tapped,
    )


def _message(uid: int, message: Message) -> Classified:
    sender = message.from_user
    if sender is None or sender.is_bot is not False:
        return Ignored(uid, "message without a human sender")
    user_id, chat_id = _int(sender.id), _int(message.chat.id)
    if user_id is None or chat_id is None or not _str_or_none(message.text, message.caption):
        return Ignored(uid, "malformed message")
    text = message.text if message.text is not None else message.caption
    private = message.chat.type == Chat.PRIVATE
    if not private and not text:
        # Groups: joins, pins and photos are not addressed to Linzhu.
        return Ignored(uid, "group message without text")
    # In a private chat a sticker or a photo gets the "please type" answer from the router.
    return Inbound(
        uid,
        Incoming(
            user=user_ref(user_id),
            text=text or "",
            chat_id=str(chat_id),
            language_hint=_language(sender),
            display_name=_name(sender),
            private_chat=private,
            quoted=_quoted(message),
            media=_media(message) if private else None,
        ),
        chat_id,
    )


def _media(message: Message) -> MediaRef | None:
    """A photo (its largest size) or a document, as a handle to fetch later."""
    photos = getattr(message, "photo", None) or ()
    if photos:
        sizes = [p for p in photos if isinstance(getattr(p, "file_id", None), str)]
        if not sizes:
            return None
        largest = max(sizes, key=lambda p: (_int(p.width) or 0) * (_int(p.height) or 0))
        return MediaRef("photo", largest.file_id, size=_int(largest.file_size))
    document = getattr(message, "document", None)
    if document is not None and isinstance(getattr(document, "file_id", None), str):
        name = document.file_name if isinstance(document.file_name, str) else None
        mime = document.mime_type if isinstance(document.mime_type, str) else None
        return MediaRef(
            "document",
            document.file_id,
            filename=name,
            mime_type=mime,
            size=_int(document.file_size),
        )
    return None


def _quoted(message: Message) -> str | None:
    """The text of the bot's message this one replies to (a staff reply in the staff group);
    None for a reply to a person's message or no reply."""
    replied = getattr(message, "reply_to_message", None)
    author = getattr(replied, "from_user", None)
    text = getattr(replied, "text", None)
    if getattr(author, "is_bot", None) is not True or not isinstance(text, str):
        return None
    return text[:4096]


def _int(value: object) -> int | None:
    """`value` if it is a Telegram id (an int that JSON sent as a number), else None."""
    return value if type(value) is int else None


def _str_or_none(*values: object) -> bool:
    return all(v is None or isinstance(v, str) for v in values)


def _language(user: object) -> str | None:
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) else None


def _name(user: object) -> str | None:
    """The name Telegram shows (first and last), when both are strings."""
    first, last = getattr(user, "first_name", None), getattr(user, "last_name", None)
    if not isinstance(first, str) or not (last is None or isinstance(last, str)):
        return None
    return " ".join(part for part in (first, last) if part) or None
