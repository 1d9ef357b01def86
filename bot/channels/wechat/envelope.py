"""What arrives at POST /wechat, checked before anything parses it, and the sealed answer.

Order of checks: size (64 KB), the query signature and timestamp, then XML through
defusedxml with DTDs forbidden — so a billion-laughs or external-entity body is refused
before wechatpy's parser (xmltodict/expat, which would expand entities) ever sees it.
In compatible and safe mode (`encrypt_type=aes`) the `Encrypt` element is checked against
`msg_signature`, decrypted with the EncodingAESKey, and the decrypted XML checked again.
With an EncodingAESKey configured, a plaintext request is refused unless WECHAT_COMPAT_MODE
says the account is in compatible mode; a reply to an encrypted request is always sealed.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

MAX_XML_BYTES = 64 * 1024


class Rejected(Exception):
    """The request is refused with `status`; `reason` is for the log, not the sender."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Opened:
    xml: str  # the message XML, safe to parse
    fields: dict[str, str]  # its top-level elements
    encrypted: bool
    nonce: str


def signature(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts joined (token, timestamp, nonce[, data])."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return str(signer.signature)


def safe_fields(xml: bytes | str) -> dict[str, str]:
    """The top-level elements of a WeChat `<xml>` document; DTDs and entities are refused."""
    if len(xml) > MAX_XML_BYTES:
        raise Rejected(413, "XML over 64 KB")
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise Rejected(400, f"forbidden XML construct: {type(exc).__name__}") from exc
    except Exception as exc:  # ParseError, encoding errors: all just "malformed"
        raise Rejected(400, f"malformed XML: {exc}") from exc
    if root.tag != "xml":
        raise Rejected(400, f"unexpected root element <{root.tag}>")
    return {child.tag: (child.text or "") for child in root}


class Envelope:
    """Verifies and opens requests for one account; seals passive replies."""

    def __init__(
        self,
        token: str,
        *,
        app_id: str | None = None,
        aes_key: str | None = None,
        window_seconds: int = 300,
        compat_mode: bool = False,
    ) -> None:
        self.token = token
        self.window = window_seconds
        self.crypto = WeChatCrypto(token, aes_key, app_id) if aes_key and app_id else None
        # With an AES key, plaintext is accepted only in compatible mode, said explicitly:
        # otherwise stripping `encrypt_type` would downgrade safe mode to unsigned bodies.
        self.plaintext_allowed = self.crypto is None or compat_mode

    def verify(self, query: Mapping[str, str], now: float | None = None) -> None:
        """The `signature`/`timestamp`/`nonce` of every request (GET and POST)."""
        timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
        given = query.get("signature", "")
        if not timestamp.isdigit() or not nonce or not given:
            raise Rejected(403, "missing signature, timestamp or nonce")
        # compare_digest: no timing hint about how much of a forged signature was right.
        if not hmac.compare_digest(signature(self.token, timestamp, nonce), given.lower()):
            raise Rejected(403, "bad signature")
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > self.window:
            raise Rejected(403, f"stale timestamp {timestamp}")

    def open(self, body: bytes, query: Mapping[str, str], now: float | None = None) -> Opened:
        """Verify and (in compatible/safe mode) decrypt; raises Rejected."""
        if len(body) > MAX_XML_BYTES:
            raise Rejected(413, "body over 64 KB")
        self.verify(query, now)
        outer = safe_fields(body)
        nonce = query["nonce"]
        if query.get("encrypt_type", "raw").lower() != "aes":
            if not self.plaintext_allowed:
                raise Rejected(
                    403, "plaintext message in safe mode (WECHAT_COMPAT_MODE=true accepts it)"
                )
            return Opened(body.decode("utf-8", "replace"), outer, False, nonce)
        if self.crypto is None:
            raise Rejected(400, "encrypted message, but WECHAT_ENCODING_AES_KEY is not set")
        encrypt, msg_signature = outer.get("Encrypt"), query.get("msg_signature", "")
        if not encrypt or not msg_signature:
            raise Rejected(403, "encrypted message without Encrypt or msg_signature")
        try:
            xml = self.crypto.decrypt_message(
                {"Encrypt": encrypt}, msg_signature.lower(), query["timestamp"], nonce
            )
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise Rejected(403, f"encrypted part refused: {type(exc).__name__}") from exc
        except Exception as exc:  # bad base64, padding, length: a broken body
            raise Rejected(400, f"cannot decrypt: {exc!r}") from exc
        return Opened(xml, safe_fields(xml), True, nonce)

    def seal(self, xml: str, opened: Opened, now: float | None = None) -> str:
        """The passive reply as WeChat expects it: encrypted when the request was."""
        if not opened.encrypted or self.crypto is None:
            return xml
        timestamp = str(int(time.time() if now is None else now))
        return str(self.crypto.encrypt_message(xml, opened.nonce, timestamp))
