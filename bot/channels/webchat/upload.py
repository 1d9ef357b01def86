"""Reading a file a resident uploads from the web chat (POST /api/chat/file).

The body is multipart/form-data: a part named "file", an optional "caption" (the text box's
content) and, for a trusted integration only, "user". It is read as it arrives and reading
stops at the route's own body limit (HANDOFF_ATTACHMENT_MAX_BYTES plus FORM_ALLOWANCE for
the caption and the form's framing), so nothing larger is ever held in memory: a body that
announces more is refused before any of it is read. The app-wide MAX_BODY_BYTES does not
apply here: it is aiohttp's client_max_size, which only whole-body reads (`read()`,
`post()`, `json()`) enforce, never the multipart reader.

Whether the file is taken (its size against HANDOFF_ATTACHMENT_MAX_BYTES, its type by the
bytes) is for the handoff handler to say, as for a file fetched from Telegram or WeChat:
this only refuses a body past the route's limit or one that is not a well-formed upload.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from bot.core.hygiene import clean_text
from bot.core.types import Fetched, Incoming, MediaRef, UserRef
from bot.i18n import N_
from bot.i18n.format import FileSize

FORM_ALLOWANCE = 64 * 1024  # the caption, the part headers and the boundaries
CHUNK = 64 * 1024
MAX_PARTS = 8
MAX_FILENAME = 255
FILE, CAPTION, USER = "file", "caption", "user"


class BadUpload(Exception):
    """Not a well-formed upload: `status`, a translatable `message` and its `values`."""

    def __init__(self, status: int, message: str, **values: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Upload:
    data: bytes = field(repr=False)
    filename: str | None
    mime_type: str | None
    caption: str | None
    user: str | None = None  # a "user" field: only a trusted integration may name one


def body_limit(max_file_bytes: int) -> int:
    return max_file_bytes + FORM_ALLOWANCE


def too_large(max_file_bytes: int) -> BadUpload:
    # The same words the handoff handler uses for a file over the limit.
    return BadUpload(
        413,
        N_(
            "This file is too big to pass on to staff (the limit is {size}). Please send a "
            "smaller photo, or the document in several pages."
        ),
        size=FileSize(max_file_bytes),  # written in the browser's language by api_error
    )


def too_large_field() -> BadUpload:
    return BadUpload(413, N_("The request is too large."))


def not_a_form() -> BadUpload:
    return BadUpload(400, N_('Send the file as multipart/form-data, in a part named "file".'))


def check_announced(request: web.Request, max_file_bytes: int) -> None:
    """Refuse, before reading anything, a body that is not a form or announces too much."""
    if request.content_type != "multipart/form-data":
        raise not_a_form()
    length = request.content_length
    if length is not None and length > body_limit(max_file_bytes):
        raise too_large(max_file_bytes)


async def read_upload(request: web.Request, max_file_bytes: int) -> Upload:
    """The form's file and fields, read within the route's body limit."""
    check_announced(request, max_file_bytes)
    body = _Body(request, body_limit(max_file_bytes))
    fields: dict[str, bytes] = {}
    data: bytes | None = None
    filename = mime_type = None
    try:
        reader = await request.multipart()
        for _ in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):  # a form nested in the form
                raise not_a_form()
            name = part.name
            if name == FILE:
                if data is not None:
                    raise BadUpload(400, N_("Send one file at a time."))
                data = await body.read(part, body.limit, too_large(max_file_bytes))
                filename = _browser_name(part.filename)
                mime_type = part.headers.get("Content-Type")
            elif name in (CAPTION, USER) and name not in fields:
                fields[name] = await body.read(part, FORM_ALLOWANCE, too_large_field())
            else:
                await body.read(part, FORM_ALLOWANCE, too_large_field())  # read, not kept
        else:
            raise not_a_form()  # more parts than any upload has
    except (ValueError, AssertionError, HttpProcessingError) as exc:  # a broken form
        raise not_a_form() from exc
    if data is None:
        raise not_a_form()
    if not data:
        raise BadUpload(400, N_("The file is empty."))
    return Upload(
        data=data,
        filename=_clean(filename, MAX_FILENAME),
        mime_type=_clean(mime_type, 128),
        caption=_text(fields.get(CAPTION)),
        user=_text(fields.get(USER)),
    )


class _Body:
    """The request's body as it arrives, held to `limit` bytes in all."""

    def __init__(self, request: web.Request, limit: int) -> None:
        self.request = request
        self.limit = limit

    async def read(self, part: BodyPartReader, most: int, over: BadUpload) -> bytes:
        """One part's bytes; `over` (a 413) once the part passes `most` bytes or the body its
        limit. The body is counted as received, so one sent without a length (chunked) is
        held to the limit too."""
        chunks: list[bytes] = []
        size = 0
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > most or self.request.content.total_bytes > self.limit:
                raise over
            chunks.append(chunk)
        return b"".join(chunks)


def upload_incoming(upload: Upload, external_id: str, request: web.Request) -> Incoming:
    """The message the upload is: its caption as the text, the file already fetched (there
    is nothing to download later), as any channel hands a file in."""
    kind = "photo" if (upload.mime_type or "").startswith("image/") else "document"
    media = MediaRef(
        kind,
        f"upload-{secrets.token_hex(8)}",  # no platform handle: a name for the logs
        filename=upload.filename,
        mime_type=upload.mime_type,
        size=len(upload.data),
        fetched=Fetched(upload.data),
    )
    return Incoming(
        user=UserRef("web", external_id),
        chat_id=external_id,
        text=upload.caption,
        language_hint=request.headers.get("Accept-Language"),
        media=media,
    )


def shown_upload(incoming: Incoming) -> str:
    """The resident's bubble for an upload, as the page draws it: 📎 the name, the caption."""
    name = incoming.media.filename if incoming.media else None
    caption = (incoming.text or "").strip()
    return "\n".join(part for part in (f"📎 {name or ''}".strip(), caption) if part)


def _browser_name(name: str | None) -> str | None:
    """A file name as browsers escape it in a form (the HTML standard: `"`, CR and LF as
    %22, %0D and %0A), unescaped; anything else is left as sent."""
    if not name:
        return None
    for escaped, char in (("%22", '"'), ("%0D", "\r"), ("%0A", "\n")):
        name = name.replace(escaped, char)
    return name


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("utf-8", "replace")


def _clean(value: str | None, most: int) -> str | None:
    """A name or type the client announced, on one line, fit to show and log (never
    trusted: the stored name is made from it by the handoff store's safe_filename)."""
    if not value:
        return None
    return " ".join(clean_text(value).split())[:most] or None
