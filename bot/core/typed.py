"""Checking a JSON-ish value against a type annotation, for payload fields and flow state.

Only the shapes Linzhu stores are supported: str, int, bool, float, date, None, Literal,
unions with None, list[X] and dict[str, X]. Anything else raises TypeError at class
definition time, not at run time.
"""

from __future__ import annotations

import types
from datetime import date
from typing import Any, Literal, Union, get_args, get_origin

SCALARS = (str, int, bool, float)


class Invalid(ValueError):
    """A value does not fit its annotation."""


def check(value: Any, hint: Any) -> Any:
    """`value` converted to `hint` (JSON has no dates: they travel as ISO strings)."""
    origin = get_origin(hint)
    if hint is Any:
        return value
    if hint is type(None):
        if value is not None:
            raise Invalid("expected null")
        return None
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                return check(value, option)
            except Invalid:
                continue
        raise Invalid(f"{value!r} fits none of {hint}")
    if origin is Literal:
        if value not in get_args(hint):
            raise Invalid(f"{value!r} is not one of {get_args(hint)}")
        return value
    if origin is list:
        (item,) = get_args(hint) or (Any,)
        if not isinstance(value, list):
            raise Invalid("expected a list")
        return [check(v, item) for v in value]
    if origin is dict:
        _key, item = get_args(hint) or (str, Any)
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise Invalid("expected an object with string keys")
        return {k: check(v, item) for k, v in value.items()}
    if hint is date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError as exc:
            raise Invalid(f"{value!r} is not a date") from exc
    if hint is bool:
        if not isinstance(value, bool):
            raise Invalid("expected true or false")
        return value
    if hint in SCALARS:
        # bool is an int in Python, but not in a payload or a flow's state.
        if isinstance(value, bool) or not isinstance(value, hint):
            if hint is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            raise Invalid(f"expected {hint.__name__}")
        return value
    raise TypeError(f"unsupported annotation {hint!r}")


def supported(hint: Any) -> None:
    """Raise TypeError for an annotation `check` cannot handle (called at class creation)."""
    origin = get_origin(hint)
    if hint is Any or hint is type(None) or hint is date or hint in SCALARS or origin is Literal:
        return
    if origin in (Union, types.UnionType, list, dict):
        for arg in get_args(hint):
            supported(arg)
        return
    raise TypeError(f"unsupported annotation {hint!r}")


def to_json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value
