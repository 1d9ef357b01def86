"""docs/deploy.md stays true: every `linzhu …` command in it parses with the real command
line, every setting it names exists, the README links it and the dashboard."""

from __future__ import annotations

import re

import pytest

from bot.cli.main import build_parser
from bot.config import Settings
from tests.paths import ROOT

GUIDE = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
NOT_SETTINGS = {"PROMETHEUS_MULTIPROC_DIR"}  # prometheus-client's own variable


def commands() -> list[str]:
    """`linzhu …` in the guide's code blocks (shell lines, cron, ExecStart)."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", GUIDE, flags=re.S)
    choices = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    found = []
    for line in "\n".join(blocks).splitlines():
        for match in re.finditer(r"(?:^|[\s/])linzhu ([a-z][\w-]*(?: [^#\n]*)?)", line):
            text = match.group(1).strip()
            if text.split()[0] in choices:
                found.append(text)
    return sorted(set(found))


def test_the_guide_names_the_commands_operators_need() -> None:
    names = {c.split()[0] for c in commands()}
    assert {"serve", "dispatcher", "db", "backup", "restore", "retention", "doctor",
            "telegram", "wechat", "staff"} <= names  # fmt: skip


@pytest.mark.parametrize("command", commands())
def test_each_command_parses(command: str) -> None:
    args = command.replace("$(date +\\%F)", "2026-12-05").split()
    parsed = build_parser().parse_args(args)  # exits (fails the test) on an unknown option
    assert callable(parsed.func)


def test_every_setting_named_exists() -> None:
    named = set(re.findall(r"`([A-Z][A-Z0-9_]{3,})(?:=[^`]*)?`", GUIDE)) - NOT_SETTINGS
    fields = {name.upper() for name in Settings.model_fields}
    assert named, "no settings found"
    assert {n for n in named if not n.endswith("_") and n not in fields} == set()


def test_readme_links_the_guide_and_the_dashboard() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/deploy.md" in readme and "docs/grafana-dashboard.json" in readme
