"""YAML with line numbers, and the Problem a validator reports (file and line)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.problem import Problem

PathKey = tuple[str | int, ...]


@dataclass
class LoadedYaml:
    path: Path
    data: Any
    lines: dict[PathKey, int]

    def line(self, *key: str | int) -> int:
        """The line of `key` (a path like ("entries", 3, "name_en")), or its nearest parent."""
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1

    def problem(self, message: str, *key: str | int) -> Problem:
        return Problem(str(self.path), self.line(*key), message)


def load_with_lines(path: Path) -> LoadedYaml | Problem:
    """Parse `path` keeping each value's line; a syntax error becomes a Problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return Problem(str(path), 1, f"cannot read: {exc.strerror or exc}")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return Problem(str(path), line, f"invalid YAML: {getattr(exc, 'problem', exc)}")
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return LoadedYaml(path, data, lines)


def load_valid(path: Path, check: Callable[[LoadedYaml], list[Problem]]) -> LoadedYaml:
    """Parse and validate `path`; ValueError listing every problem if it is invalid."""
    loaded = load_with_lines(path)
    if isinstance(loaded, Problem):
        raise ValueError(str(loaded))
    problems = check(loaded)
    if problems:
        raise ValueError("\n".join(str(p) for p in problems))
    return loaded


def _walk(node: yaml.Node, key: PathKey, lines: dict[PathKey, int]) -> None:
    lines[key] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k_node, v_node in node.value:
            child = (*key, str(k_node.value))
            _walk(v_node, child, lines)
            lines[child] = k_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*key, i), lines)
