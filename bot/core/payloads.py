"""Button payloads: one codec for every handler's buttons.

A payload is stable ASCII: a prefix and typed fields joined by ':' (`book:time:42`). Each
handler module declares its payloads as frozen dataclasses:

    @dataclass(frozen=True)
    class PickTime(Payload, prefix="book:time"):
        slot: Id

`PickTime(42).encode()` makes the button; the router decodes a tap once, and a payload
that is malformed, out of range or of an unknown prefix never reaches a handler — the
resident is told the button has expired.

Field types: `Id` (1..2³¹-1, a database id), `Index` (0..99), `Key` (letters, digits, '.',
'-', '_'; at most 64), `Token` (hex, at most 32), `Day` (YYYYMMDD), bool (0/1), and
`Literal[...]` or `OneOf(...)` choices. A field with a default may be left off the end.
"""

from __future__ import annotations

import dataclasses
import re
import types
from dataclasses import dataclass
from datetime import date, datetime
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

MAX_PAYLOAD = 64  # Telegram's callback_data limit, in bytes
_PREFIX = re.compile(r"[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*")


class PayloadError(ValueError):
    """A payload that does not decode; the message says why (for one log line)."""


@dataclass(frozen=True)
class Range:
    low: int
    high: int


@dataclass(frozen=True)
class Pattern:
    regex: str


@dataclass(frozen=True)
class OneOf:
    """A string field that must be one of `values` (a set known at import time)."""

    values: tuple[str, ...]

    def __init__(self, *values: str) -> None:
        object.__setattr__(self, "values", tuple(values))


Id = Annotated[int, Range(1, 2**31 - 1)]
Index = Annotated[int, Range(0, 99)]
Key = Annotated[str, Pattern(r"[A-Za-z0-9_.\-]{1,64}")]
Token = Annotated[str, Pattern(r"[0-9a-f]{1,32}")]
Day = date  # encoded YYYYMMDD


class Payload:
    """Base of every payload class; subclasses are frozen dataclasses with a prefix."""

    prefix: ClassVar[str]
    _codecs: ClassVar[list[tuple[str, _Field]]]
    _required: ClassVar[int]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise ValueError(f"payload prefix {prefix!r} must be lower-case words joined by ':'")
        cls.prefix = prefix

    @classmethod
    def _spec(cls) -> list[tuple[str, _Field]]:
        if "_codecs" not in cls.__dict__:
            hints = get_type_hints(cls, include_extras=True)
            fields = dataclasses.fields(cls)  # type: ignore[arg-type]
            cls._codecs = [(f.name, _Field.of(hints[f.name])) for f in fields]
            cls._required = sum(
                1
                for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
        return cls._codecs

    def encode(self) -> str:
        parts = [self.prefix]
        spec = self._spec()
        values = [getattr(self, name) for name, _codec in spec]
        # Trailing fields still at their default are left off: shorter, and old buttons match.
        defaults = [f.default for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        while values and len(values) > self._required and values[-1] == defaults[len(values) - 1]:
            values.pop()
        parts += [codec.encode(v) for (_name, codec), v in zip(spec, values, strict=False)]
        text = ":".join(parts)
        if len(text.encode()) > MAX_PAYLOAD:
            raise ValueError(f"payload {text!r} is over {MAX_PAYLOAD} bytes")
        return text

    @classmethod
    def decode(cls, text: str) -> Self:
        """The payload `text` (which starts with this class's prefix), or PayloadError."""
        if text != cls.prefix and not text.startswith(cls.prefix + ":"):
            raise PayloadError(f"not a {cls.prefix} payload")
        # "book:start" has no fields; "book:start:" has one, empty (and refused).
        parts = text[len(cls.prefix) + 1 :].split(":") if text != cls.prefix else []
        spec = cls._spec()
        if len(parts) > len(spec):
            raise PayloadError(f"{cls.prefix}: {len(parts)} fields, at most {len(spec)}")
        if len(parts) < cls._required:
            raise PayloadError(f"{cls.prefix}: {len(parts)} fields, needs {cls._required}")
        values = {}
        for (name, codec), part in zip(spec, parts, strict=False):
            try:
                values[name] = codec.decode(part)
            except ValueError as exc:
                raise PayloadError(f"{cls.prefix}: field {name}: {exc}") from None
        return cls(**values)


@dataclass(frozen=True)
class _Field:
    kind: str  # int | str | bool | day
    low: int = 0
    high: int = 0
    regex: re.Pattern[str] | None = None
    choices: tuple[str, ...] = ()

    @classmethod
    def of(cls, hint: Any) -> _Field:
        if get_origin(hint) in (Union, types.UnionType):
            # `X | None = None`: an optional trailing field; None is never encoded.
            options = [a for a in get_args(hint) if a is not type(None)]
            if len(options) != 1:
                raise TypeError(f"payload field {hint!r}: only `X | None` unions are allowed")
            hint = options[0]
        extras: tuple[Any, ...] = ()
        if get_origin(hint) is Annotated:
            hint, *rest = get_args(hint)
            extras = tuple(rest)
        if get_origin(hint) is Literal:
            return cls("str", choices=tuple(str(v) for v in get_args(hint)))
        if hint is bool:
            return cls("bool")
        if hint is date:
            return cls("day")
        for extra in extras:
            if hint is int and isinstance(extra, Range):
                return cls("int", low=extra.low, high=extra.high)
            if hint is str and isinstance(extra, Pattern):
                return cls("str", regex=re.compile(extra.regex))
            if hint is str and isinstance(extra, OneOf):
                return cls("str", choices=extra.values)
        raise TypeError(f"payload field {hint!r}: use Id, Index, Key, Token, Day, bool or OneOf")

    def encode(self, value: Any) -> str:
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "day":
            return f"{value:%Y%m%d}"
        text = str(value)
        self.decode(text)  # a button we make must be one we accept
        return text

    def decode(self, part: str) -> Any:
        if self.kind == "int":
            if not part.isascii() or not part.isdigit() or len(part) > 10:
                raise ValueError(f"{part[:16]!r} is not a number")
            value = int(part)
            if not self.low <= value <= self.high:
                raise ValueError(f"{value} is out of range")
            return value
        if self.kind == "bool":
            if part not in ("0", "1"):
                raise ValueError(f"{part[:16]!r} is not 0 or 1")
            return part == "1"
        if self.kind == "day":
            if not (len(part) == 8 and part.isascii() and part.isdigit()):
                raise ValueError(f"{part[:16]!r} is not YYYYMMDD")
            return datetime.strptime(part, "%Y%m%d").date()
        if self.choices and part not in self.choices:
            raise ValueError(f"{part[:16]!r} is not one of the choices")
        if self.regex is not None and not self.regex.fullmatch(part):
            raise ValueError(f"{part[:16]!r} is not allowed here")
        return part
