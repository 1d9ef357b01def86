"""WeChat settings: validation, and the channel only when WECHAT_TOKEN is set."""

from __future__ import annotations

import pytest

from bot.channels.wechat import wechat_component
from bot.channels.wechat.adapter import WeChatChannel
from bot.config import PROJECT_ROOT, Settings, SettingsError, load_settings
from bot.core.dispatcher import Dispatcher
from bot.runtime import build_components, channel_factories


def test_template_fields_come_as_json_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WECHAT_TEMPLATE_ID", "TPL")
    monkeypatch.setenv("WECHAT_TEMPLATE_FIELDS", '{"thing1": "{first_line}", "time2": "{date}"}')
    monkeypatch.setenv("WECHAT_APP_SECRET", "s3cret")
    settings = load_settings(_env_file=None)
    assert settings.wechat_template_fields == {"thing1": "{first_line}", "time2": "{date}"}
    assert "s3cret" not in repr(settings)  # a SecretStr


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"WECHAT_ENCODING_AES_KEY": "short"}, "WECHAT_ENCODING_AES_KEY"),
        (
            {"WECHAT_ENCODING_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
            "needs WECHAT_APP_ID",
        ),
        ({"WECHAT_TEMPLATE_ID": "TPL"}, "needs WECHAT_TEMPLATE_FIELDS"),
        ({"WECHAT_TEMPLATE_FIELDS": '{"a": "{nope}"}'}, "placeholders"),
        ({"WECHAT_REPLY_BUDGET_SECONDS": "6"}, "WECHAT_REPLY_BUDGET_SECONDS"),
    ],
)
def test_bad_wechat_settings_are_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], fragment: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert fragment in str(caught.value)


def test_every_wechat_setting_is_documented() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        if name.startswith("wechat_"):
            assert name.upper() + "=" in example, name


async def test_the_channel_runs_only_with_a_token(dispatcher: Dispatcher) -> None:
    assert wechat_component(dispatcher) is None
    assert wechat_component in channel_factories()
    dispatcher.services.settings = dispatcher.services.settings.model_copy(
        update={"wechat_token": "t"}
    )
    (channel,) = [c for c in build_components(dispatcher) if c.name == "wechat"]
    assert isinstance(channel, WeChatChannel) and channel.api is None  # passive replies only
    assert dispatcher.channels.sender("wechat") is channel.sender
    assert dispatcher.channels.capabilities("wechat").numbered
