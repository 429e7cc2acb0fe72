"""How a value and a column type from either log store become the port's JSON value and KQL type name.

One place, so that DuckDbLogStore and KustoLogStore render every answer the same way (the contract suite
in tests/connectors/logs pins it): datetimes as ISO 8601 UTC with `Z`, timespans in Kusto's
`[-][d.]hh:mm:ss[.fffffff]`, decimals as numbers, `dynamic` as parsed JSON, and nested values as they are.

The stores differ only in how a `dynamic` value arrives: DuckDB always hands over JSON text (`5`, `"abc"`,
`{"a": 1}`), while Kusto sends parsed values, except that v1 answers (commands) carry objects and arrays
as JSON text. `dynamic_is_text` says which.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import JsonValue

from agentcore.connectors.logs import ColumnSchema

DUCKDB_KQL_TYPES: dict[str, str] = {
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "DATE": "datetime",
    "VARCHAR": "string",
    "BOOLEAN": "bool",
    "DOUBLE": "real",
    "FLOAT": "real",
    "BIGINT": "long",
    "HUGEINT": "long",
    "INTEGER": "int",
    "JSON": "dynamic",
    "INTERVAL": "timespan",
    "UUID": "guid",
    "NULL": "string",
}
"""DuckDB column types as KQL names them (a typeless NULL column is `string`, as Kusto says)."""

KUSTO_KQL_TYPES: dict[str, str] = {
    **dict.fromkeys(("boolean", "sbyte"), "bool"),
    **dict.fromkeys(("double", "single", "float"), "real"),
    **{"date": "datetime", "int32": "int", "int64": "long", "object": "dynamic", "sqldecimal": "decimal"},
    **{"time": "timespan", "uniqueid": "guid"},
}
"""v1 DataType / .NET type names (namespace dropped) and CSL aliases, as KQL names them."""


def duckdb_column(name: str, type_code: object, description: str = "") -> ColumnSchema:
    """A column of a DuckDB answer: `VARCHAR` -> `string`, lists, structs and maps -> `dynamic`."""
    duck_type = str(type_code).strip('"')
    if duck_type.endswith("[]") or duck_type.startswith(("STRUCT", "MAP")):
        kql_type = "dynamic"
    elif duck_type.startswith("DECIMAL"):
        kql_type = "decimal"
    else:
        kql_type = DUCKDB_KQL_TYPES.get(duck_type, duck_type.lower())
    return ColumnSchema(name=name, type=kql_type, description=description)


def kusto_column(name: str, kusto_type: str, description: str = "") -> ColumnSchema:
    """A column of a Kusto answer: `System.Int64`, `Int64`, `long` -> `long`, and so on."""
    spelled = kusto_type.lower().rsplit(".", 1)[-1]
    return ColumnSchema(name=name, type=KUSTO_KQL_TYPES.get(spelled, spelled), description=description)


def json_value(value: Any, kql_type: str, *, dynamic_is_text: bool) -> JsonValue:
    """`value` of a column of `kql_type` as the port returns it (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return _dynamic(value, full=dynamic_is_text) if kql_type == "dynamic" else value
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return timespan_text(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [json_value(v, "", dynamic_is_text=dynamic_is_text) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v, "", dynamic_is_text=dynamic_is_text) for k, v in value.items()}
    return str(value)


def _dynamic(text: str, *, full: bool) -> JsonValue:
    """Parse a `dynamic` value given as text: any JSON when the store always sends text, else only an object
    or an array (a string value such as `"5"` stays a string). Text that does not parse stays as it is."""
    if not full and text.lstrip()[:1] not in ("{", "["):
        return text
    try:
        parsed: JsonValue = json.loads(text)
    except json.JSONDecodeError:
        return text
    return parsed


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`; a naive datetime is taken to be UTC already."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return utc.replace(tzinfo=None).isoformat(timespec="auto") + "Z"


def timespan_text(delta: timedelta) -> str:
    """Kusto's timespan spelling: `[-][d.]hh:mm:ss[.fffffff]`."""
    sign = "-" if delta < timedelta(0) else ""
    delta = abs(delta)
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    days = f"{delta.days}." if delta.days else ""
    fraction = f".{delta.microseconds * 10:07d}" if delta.microseconds else ""
    return f"{sign}{days}{hours:02d}:{minutes:02d}:{seconds:02d}{fraction}"


__all__ = ["duckdb_column", "json_value", "kusto_column", "timespan_text", "utc_text"]
