"""Signatures, AES and XML safety of /wechat, on Tencent's official sample vector."""

from __future__ import annotations

import time

import pytest
from wechatpy import parse_message
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.channels.wechat.envelope import Envelope, Rejected, safe_fields, signature
from fakes.wechat_messages import AES_KEY, APP_ID, TOKEN, decrypt_reply, encrypt, text_xml

# Tencent's WXBizMsgCrypt sample (the same vector wechatpy's own tests use).
SAMPLE_TIMESTAMP = "1409735669"
SAMPLE_NONCE = "1320562132"
SAMPLE_MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
SAMPLE_ENCRYPT = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PG"
    "HQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6"
    "tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp"
    "3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhv"
    "Ql+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE="
)
SAMPLE_BODY = (
    "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
).encode()


def envelope() -> Envelope:
    return Envelope(TOKEN, app_id=APP_ID, aes_key=AES_KEY)


def sample_query(**changes: str) -> dict[str, str]:
    query = {
        "timestamp": SAMPLE_TIMESTAMP,
        "nonce": SAMPLE_NONCE,
        "signature": signature(TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE),
        "encrypt_type": "aes",
        "msg_signature": SAMPLE_MSG_SIGNATURE,
    }
    return query | changes


def test_official_sample_vector_decrypts() -> None:
    assert signature(TOKEN, SAMPLE_TIMESTAMP, SAMPLE_NONCE, SAMPLE_ENCRYPT) == SAMPLE_MSG_SIGNATURE
    opened = envelope().open(SAMPLE_BODY, sample_query(), now=int(SAMPLE_TIMESTAMP))
    assert opened.encrypted
    message = parse_message(opened.xml)
    assert message.type == "text"
    assert message.content == "abcdteT"
    assert message.source == "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
    assert message.id == 6054768590064713728


def test_sample_vector_with_a_wrong_msg_signature_is_403() -> None:
    bad = sample_query(msg_signature="0" * 40)
    with pytest.raises(Rejected) as caught:
        envelope().open(SAMPLE_BODY, bad, now=int(SAMPLE_TIMESTAMP))
    assert caught.value.status == 403


def test_sample_vector_with_another_app_id_is_403() -> None:
    other = Envelope(TOKEN, app_id="wx0000000000000000", aes_key=AES_KEY)
    with pytest.raises(Rejected) as caught:
        other.open(SAMPLE_BODY, sample_query(), now=int(SAMPLE_TIMESTAMP))
    assert caught.value.status == 403


def test_our_signature_agrees_with_wechatpy() -> None:
    ts, nonce = "1409735669", "1320562132"
    check_signature(TOKEN, signature(TOKEN, ts, nonce), ts, nonce)
    with pytest.raises(InvalidSignatureException):
        check_signature(TOKEN, signature("other", ts, nonce), ts, nonce)


@pytest.mark.parametrize("compatible", [False, True])
def test_round_trip_safe_and_compatible(compatible: bool) -> None:
    xml = text_xml("o-user", "你好，世界 & <b>")
    body, query = encrypt(xml, compatible=compatible)
    opened = envelope().open(body.encode(), query)
    assert opened.encrypted
    assert parse_message(opened.xml).content == "你好，世界 & <b>"
    reply = envelope().seal("<xml><Content><![CDATA[好]]></Content></xml>", opened)
    assert "好" not in reply  # encrypted
    assert "<![CDATA[好]]>" in decrypt_reply(reply, query)


@pytest.mark.parametrize(
    "plain_account",
    [Envelope(TOKEN), Envelope(TOKEN, app_id=APP_ID, aes_key=AES_KEY, compat_mode=True)],
    ids=["no AES key", "compatible mode"],
)
def test_plaintext_mode(plain_account: Envelope) -> None:
    from fakes.wechat_messages import signed_query

    xml = text_xml("o-user", "hello")
    opened = plain_account.open(xml.encode(), signed_query())
    assert not opened.encrypted
    assert parse_message(opened.xml).content == "hello"
    assert plain_account.seal("<xml/>", opened) == "<xml/>"


def test_stale_timestamp_is_refused() -> None:
    from fakes.wechat_messages import signed_query

    query = signed_query(timestamp=int(time.time()) - 3600)
    with pytest.raises(Rejected) as caught:
        envelope().open(text_xml("o", "hi").encode(), query)
    assert caught.value.status == 403 and "stale" in caught.value.reason


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><Content>&lol3;</Content></xml>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>a</ToUserName><Content>&xxe;</Content></xml>"""
DOCTYPE_ONLY = '<!DOCTYPE xml SYSTEM "http://example.com/x.dtd"><xml><A>1</A></xml>'


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, DOCTYPE_ONLY])
def test_entity_and_doctype_declarations_are_refused(xml: str) -> None:
    with pytest.raises(Rejected) as caught:
        safe_fields(xml)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "xml", ["<xml><A>1</A>", "not xml", "", "<other><A>1</A></other>", "<xml>\x00</xml>"]
)
def test_malformed_xml_is_refused(xml: str) -> None:
    with pytest.raises(Rejected) as caught:
        safe_fields(xml)
    assert caught.value.status == 400


def test_huge_xml_is_refused() -> None:
    with pytest.raises(Rejected) as caught:
        safe_fields("<xml><A>" + "x" * 70_000 + "</A></xml>")
    assert caught.value.status == 413


def test_entity_inside_the_encrypted_part_is_refused() -> None:
    body, query = encrypt(XXE)
    with pytest.raises(Rejected) as caught:
        envelope().open(body.encode(), query)
    assert caught.value.status == 400


def test_garbage_ciphertext_is_400_not_a_crash() -> None:
    from fakes.wechat_messages import signed_query

    query = signed_query()
    garbage = "bm90IHJlYWxseSBjaXBoZXJ0ZXh0"
    query |= {
        "encrypt_type": "aes",
        "msg_signature": signature(TOKEN, query["timestamp"], query["nonce"], garbage),
    }
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    with pytest.raises(Rejected) as caught:
        envelope().open(body, query)
    assert caught.value.status == 400
