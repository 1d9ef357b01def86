"""Build what WeChat POSTs: message XML, signed query strings, AES envelopes."""

from __future__ import annotations

import itertools
import secrets
import time

from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto

from bot.channels.wechat.envelope import signature

TOKEN = "spamtest"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx2c2769f8efd9abc2"
ACCOUNT = "gh_10f6c3c3ac5a"
_ids = itertools.count(6054768590064713728)


def text_xml(openid: str, content: str, msg_id: int | None = None, at: int | None = None) -> str:
    msg_id = next(_ids) if msg_id is None else msg_id
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{at or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
        f"<MsgId>{msg_id}</MsgId></xml>"
    )


def event_xml(openid: str, event: str, key: str | None = None, at: int | None = None) -> str:
    key_xml = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{at or int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{key_xml}</xml>"
    )


def typed_xml(openid: str, msg_type: str, extra: str = "") -> str:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime>"
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>{extra}<MsgId>{next(_ids)}</MsgId></xml>"
    )


def signed_query(
    timestamp: int | None = None, nonce: str | None = None, token: str = TOKEN
) -> dict[str, str]:
    """A fresh query string as WeChat signs each request (a new random nonce every time)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(secrets.randbelow(10**10)) if nonce is None else nonce
    return {"timestamp": ts, "nonce": nonce, "signature": signature(token, ts, nonce)}


def encrypt(
    xml: str, *, compatible: bool = False, timestamp: int | None = None
) -> tuple[str, dict[str, str]]:
    """The body and query WeChat sends in safe mode (or compatible mode: plaintext too)."""
    query = signed_query(timestamp)
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    sealed = crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
    encrypt_value = sealed.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
    query |= {
        "encrypt_type": "aes",
        "msg_signature": signature(TOKEN, query["timestamp"], query["nonce"], encrypt_value),
    }
    if compatible:
        body = xml.replace("</xml>", f"<Encrypt><![CDATA[{encrypt_value}]]></Encrypt></xml>")
    else:
        body = (
            f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt_value}]]></Encrypt></xml>"
        )
    return body, query


def decrypt_reply(body: str, query: dict[str, str]) -> str:
    """Open an encrypted passive reply, checking its signature as WeChat would."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    root = fromstring(body)
    fields = {child.tag: child.text or "" for child in root}
    return str(
        crypto.decrypt_message(body, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
    )
