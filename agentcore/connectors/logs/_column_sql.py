"""How DuckDB reads, types and checks one telemetry column: SQL expressions, not Python per row.

A column with a known type (documented, or a well-known name) is read by `read_json` as text (`VARCHAR`,
which turns a number into `500` and an object into its JSON) or as `JSON`, then converted in SQL with
`TRY_CAST`-style expressions that give NULL for a value that does not fit. `converted` is that expression;
`bad` says a value was given but did not convert (or a required value is missing); `checked` is what the
loading query inserts: the converted value, or an `error()` that stops the load at the first bad value,
after which the same `bad` predicates find the row (see `_jsonl_loader`). A column nobody documented is
read and stored as `JSON`; its type is inferred afterwards from the JSON types of its values (`kind`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from agentcore.connectors.logs._telemetry_tables import DuckType

REASONS: dict[str, str] = {
    "TIMESTAMP": "not an ISO 8601 date",
    "BOOLEAN": "expected true or false",
    "DOUBLE": "expected a finite number",
    "BIGINT": "expected a whole number",
    "INTEGER": "expected a whole number (32-bit)",
}
"""Why a value of a column of this type was refused; the message adds the value."""


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class ColumnPlan:
    """One column of a table being loaded: its name, its type in the table, whether that type is known."""

    name: str
    duck_type: DuckType
    known: bool = True
    """False for a column nobody documented: stored as JSON, its type inferred after loading."""
    required: bool = False
    """A missing (or null) value is an error: `TimeGenerated` of the documented tables."""

    @property
    def read_type(self) -> str:
        """The type `read_json` produces for this column."""
        return "JSON" if self.duck_type == "JSON" or not self.known else "VARCHAR"

    @property
    def raw(self) -> str:
        return quote_identifier(self.name)

    @property
    def converted(self) -> str:
        """The value in the column's type, NULL when absent or when it does not fit."""
        raw = self.raw
        if not self.known or self.duck_type == "VARCHAR":
            return raw
        if self.duck_type == "TIMESTAMP":
            # Session time zone is UTC: a naive time is UTC, an offset is converted; `z` spelled lower case too.
            exact = f"TRY_CAST(TRY_CAST({raw} AS TIMESTAMPTZ) AS TIMESTAMP)"
            return f"coalesce({exact}, TRY_CAST(TRY_CAST(upper({raw}) AS TIMESTAMPTZ) AS TIMESTAMP))"
        if self.duck_type == "BOOLEAN":
            return (
                f"CASE lower(trim({raw})) WHEN 'true' THEN true WHEN 'false' THEN false "
                "WHEN '1' THEN true WHEN '0' THEN false END"
            )
        if self.duck_type == "DOUBLE":
            number = f"TRY_CAST({raw} AS DOUBLE)"
            return f"CASE WHEN isfinite({number}) THEN {number} END"
        if self.duck_type in ("BIGINT", "INTEGER"):
            number = f"TRY_CAST({raw} AS DOUBLE)"
            return f"CASE WHEN {number} = trunc({number}) THEN TRY_CAST({raw} AS {self.duck_type}) END"
        return _dynamic(raw)

    @property
    def bad(self) -> str:
        """True for a row whose value for this column is refused."""
        if self.required:
            return f"({self.converted}) IS NULL"
        if not self.known or self.duck_type in ("VARCHAR", "JSON"):
            return "false"
        return f"({self.raw} IS NOT NULL AND ({self.converted}) IS NULL)"

    @property
    def checked(self) -> str:
        """The converted value, or an error raised at the first row where it is refused."""
        stop = f"error({quote_literal(f'bad value in column {self.name}')})"
        if self.required:
            return f"coalesce({self.converted}, {stop}) AS {self.raw}"
        if self.bad == "false":
            return f"{self.converted} AS {self.raw}"
        return f"coalesce({self.converted}, CASE WHEN {self.raw} IS NOT NULL THEN {stop} END) AS {self.raw}"

    def problem(self, raw_value: str | None) -> str:
        """What is wrong with `raw_value` (the text `read_json` gave) in this column, for an error message."""
        if raw_value is None:
            return f"{self.name} is missing"
        shown = raw_value[:60]
        if self.duck_type == "TIMESTAMP":
            return f"column {self.name}: {REASONS['TIMESTAMP']}: {shown!r}"
        return f"column {self.name}: {REASONS.get(self.duck_type, 'bad value')}, got {json.dumps(shown)}"


def _dynamic(raw: str) -> str:
    """`dynamic` often arrives as JSON text (as Log Analytics exports it): a string holding an object or an
    array that parses is stored as that JSON; any other value is stored as it came."""
    text = f"({raw} ->> '$')"
    parsed = f"CASE WHEN ltrim({text})[1] IN ('{{', '[') AND json_valid({text}) THEN CAST({text} AS JSON) END"
    return f"CASE WHEN starts_with({raw}, '\"') THEN coalesce({parsed}, {raw}) ELSE {raw} END"


def kind(raw: str) -> str:
    """A JSON value's kind for type inference: bool, int, float, str or json (NULL for null)."""
    return (
        f"CASE json_type({raw}) WHEN 'BOOLEAN' THEN 'bool' WHEN 'BIGINT' THEN 'int' "
        f"WHEN 'UBIGINT' THEN CASE WHEN TRY_CAST({raw} AS BIGINT) IS NULL THEN 'float' ELSE 'int' END "
        "WHEN 'DOUBLE' THEN 'float' WHEN 'VARCHAR' THEN 'str' WHEN 'NULL' THEN NULL ELSE 'json' END"
    )


def stored_as(raw: str, duck_type: DuckType) -> str:
    """The expression that turns a JSON column of values all of one kind into `duck_type`."""
    if duck_type == "VARCHAR":
        return f"{raw} ->> '$'"
    if duck_type == "JSON":
        return raw
    return f"CAST({raw} AS {duck_type})"


__all__ = ["ColumnPlan", "kind", "quote_identifier", "quote_literal", "stored_as"]
