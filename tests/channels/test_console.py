import io

from bot.channels.base import install
from bot.channels.console import ConsoleChannel
from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef


async def test_console_shows_numbered_choices_and_reads_numbers(dispatcher: Dispatcher) -> None:
    lines = iter(["/language", "3", "/quit"])
    out = io.StringIO()
    console = ConsoleChannel(dispatcher)
    install(dispatcher, console)
    await console.run(user="alice", read=lambda _prompt: next(lines), out=out)
    text = out.getvalue()
    assert "[6] Language" in text  # the /start menu, numbered
    assert "[3] 繁體中文" in text
    user = await dispatcher.services.users.get(UserRef("console", "alice"))
    assert user is not None and user.locale == "zh_Hant"


def test_version_and_help(capsys: object) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bot", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("linzhu ")
    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True)
    assert "serve" in out.stdout and "chat" in out.stdout and "db" in out.stdout


async def test_console_input_with_undecodable_bytes_is_cleaned(dispatcher: Dispatcher) -> None:
    """A terminal in the C locale hands Python undecodable bytes as lone surrogates."""
    from tests.storage_scan import unclean_values

    lines = iter(["where\udcff is the \x00clinic", "/quit"])
    out = io.StringIO()
    console = ConsoleChannel(dispatcher)
    install(dispatcher, console)
    await console.run(user="bob\udce9\x00", read=lambda _prompt: next(lines), out=out)
    assert await unclean_values(dispatcher.services.db) == []
    assert await dispatcher.services.users.get(UserRef("console", "bob\ufffd")) is not None
