"""Point reads of a SQLite file on the event loop, through `sqlite3` itself.

Every message reads the resident and their state (one statement) and whether staff are
answering them (another), by unique keys: tens of microseconds in SQLite. Through
SQLAlchemy's Core `execute` the same read cost six times that (a connection from the pool,
the execution context, the result object), about a tenth of a busy server's CPU. Here each
statement is compiled once; a read is one `execute` on a connection kept for the loop, and
the row's values go through the same result processors SQLAlchemy would apply (dates in
UTC, JSON, booleans), so callers get what `Connection.execute(...).first()` gave.

The connection is read-only (`query_only`), in autocommit (a single statement is its own
snapshot: no BEGIN), and never waits: its busy timeout is 0, so a read that meets another
process's WAL recovery fails at once and the caller reads the way that may wait.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, TextClause
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

_DIALECT = SQLiteDialect_pysqlite()
_PLAIN = (str, int, float, bytes)


class PointRow(tuple[Any, ...]):
    """A row by position (`row[0]`) and by column name (`row._mapping["id"]`), as
    SQLAlchemy's `Row` offers both."""

    _keys: tuple[str, ...] = ()

    @property
    def _mapping(self) -> dict[str, Any]:
        return dict(zip(self._keys, self, strict=True))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the bound parameters, in the order of the statement's ?s
    keys: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]


def compile_select(statement: Select[Any] | TextClause) -> _Compiled:
    """The SQL, its parameters' order and, for a Core select, its columns' names and result
    processors (a text statement's values come as SQLite gives them, named by the cursor)."""
    compiled = statement.compile(dialect=_DIALECT)
    keys: tuple[str, ...] = ()
    processors: tuple[Callable[[Any], Any] | None, ...] = ()
    if isinstance(statement, Select):
        keys = tuple(statement.selected_columns.keys())
        processors = tuple(
            column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None)
            for column in statement.selected_columns
        )
    return _Compiled(str(compiled), tuple(compiled.positiontup or ()), keys, processors)


class PointReader:
    """`first(statement, params)` on a SQLite file, for statements by unique keys."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.reads = 0  # for the tests: reads made here
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._compiled: dict[int, tuple[Select[Any] | TextClause, _Compiled]] = {}

    def first(self, statement: Select[Any] | TextClause, params: dict[str, Any]) -> PointRow | None:
        """The statement's first row, or None. Raises sqlite3.OperationalError (BUSY when
        another process holds what the read needs: read again the way that may wait)."""
        found = self._compiled.get(id(statement))
        if found is None or found[0] is not statement:
            found = (statement, compile_select(statement))
            self._compiled[id(statement)] = found
        compiled = found[1]
        values = [params[name] for name in compiled.names]
        if not all(value is None or isinstance(value, _PLAIN) for value in values):
            # A date or a JSON value would need the column type's bind processing, which
            # this reader does not do: such a read belongs to a session.
            raise TypeError("point reads take plain keys (str, int, float, bytes) only")
        self.reads += 1
        cursor = self._connection().execute(compiled.sql, values)
        raw = cursor.fetchone()
        if raw is None:
            return None
        processors = compiled.processors or (None,) * len(raw)
        row = PointRow(
            value if process is None else process(value)
            for process, value in zip(processors, raw, strict=True)
        )
        row._keys = compiled.keys or tuple(column[0] for column in cursor.description)
        return row

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():  # (a forked child opens its own)
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout=0")
            self._conn.execute("PRAGMA query_only=ON")
            self._pid = os.getpid()
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def busy(exc: BaseException) -> bool:
    """SQLITE_BUSY (any of its extended codes)."""
    code = getattr(exc, "sqlite_errorcode", 0)
    return isinstance(code, int) and code & 0xFF == 5


__all__: Sequence[str] = ("PointReader", "PointRow", "busy", "compile_select")
