"""`KustoLogStore`: the LogStore port on Azure Data Explorer, and on Log Analytics workspaces and Application
Insights components through the ADX proxy, with azure-kusto-data.

Endpoints: a cluster (`https://<name>.<region>.kusto.windows.net`, `database=` a database of it), or the proxy
(`https://ade.loganalytics.io/subscriptions/<id>/resourcegroups/<rg>/providers/microsoft.operationalinsights/
workspaces/<name>` or `https://ade.applicationinsights.io/.../microsoft.insights/components/<name>`, `database=`
that name). The credential is an azure-identity one (a managed identity in production, `DefaultAzureCredential`
when none is given); `with_no_authentication` is for local endpoints such as `duckdb-kql serve`.

Every request carries a client request id `sre-agent;<uuid>` (find it in `.show queries`), `servertimeout`,
`request_readonly`, and for queries `truncationmaxrecords = max_rows + 1`, so the service stops one row past
what was asked for. Rows are read as a stream, so an error the service sends after some rows is seen with them:
more than `max_rows` rows is `truncated=True` (`total_rows` exact when every row came, None when the service
stopped early); the result-set limit hit within `max_rows` (64 MB) and any other partial failure are a
LogQueryError with the service's message. Never a silently short answer.

`tables()` sends `.show database ['<db>'] schema as json`: ADX answers it, and it is one of the three commands
the proxy answers. An endpoint that refuses it with HTTP 400 (duckdb-kql) is asked `.show tables` and then
`['T'] | getschema` per table; a listed table that cannot be queried by name (duckdb-kql lists every DuckDB
schema's tables) is left out with a warning. Row counts and time ranges are None: not cheap on a cluster.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from azure.core.credentials import AccessToken, TokenCredential
from azure.identity import DefaultAzureCredential
from azure.kusto.data import ClientRequestProperties, KustoClient, KustoConnectionStringBuilder
from azure.kusto.data.exceptions import (
    KustoApiError,
    KustoAuthenticationError,
    KustoError,
    KustoMultiApiError,
    KustoNetworkError,
    KustoServiceError,
    KustoThrottlingError,
    OneApiError,
)
from pydantic import JsonValue

from agentcore.connectors.logs import ColumnSchema, LogQueryError, QueryResult, TableSchema
from agentcore.connectors.logs._rendering import json_value, kusto_column
from agentcore.connectors.logs._telemetry_tables import COLUMN_DESCRIPTIONS
from agentcore.errors import ConfigError

logger = logging.getLogger(__name__)

APPLICATION = "sre-agent"
"""Sent as the request's application name and as the prefix of every client request id."""

MAX_REQUEST_TIMEOUT_S = 3600.0
"""Kusto's own ceiling for `servertimeout`."""

_CLIENT_SERVER_DELTA_S = 30.0  # azure-kusto-data waits this much longer than servertimeout for the answer
_RESULT_SET_TOO_LARGE = ("E_QUERY_RESULT_SET_TOO_LARGE", "80DA0003", "2161770499", "-2133196797")
_ERROR_LEVEL = 2  # QueryCompletionInformation.Level: 1 critical, 2 error, 3 warning, 4 info, 6 stats
_READ_ONLY_COMMAND = re.compile(r"\.show\b", re.IGNORECASE)


class KustoLogStore:
    """A read-only LogStore over one Kusto database. Endpoint, then credential, then keyword options.

    `client` replaces the one built from `cluster_url` and `credential` (the caller then owns and closes it).
    """

    def __init__(
        self,
        cluster_url: str,
        credential: TokenCredential | None = None,
        *,
        database: str,
        request_timeout_s: float = 60,
        client: KustoClient | None = None,
    ) -> None:
        _check_timeout(request_timeout_s)
        self._owns_client = client is None
        if client is None:
            if urlparse(cluster_url).scheme != "https":
                raise ConfigError(f"a token is only sent over https; got Kusto endpoint {cluster_url!r}")
            lent = _LentCredential(credential) if credential is not None else DefaultAzureCredential()
            builder = KustoConnectionStringBuilder.with_azure_token_credential(cluster_url, lent)
            client = KustoClient(builder)
        self.cluster_url = cluster_url
        self.database = database
        self.request_timeout_s = float(request_timeout_s)
        self._client = client

    @classmethod
    def with_no_authentication(cls, cluster_url: str, *, database: str, request_timeout_s: float = 60) -> KustoLogStore:
        """For a local endpoint without authentication (http only), such as `duckdb-kql serve` on 127.0.0.1."""
        if urlparse(cluster_url).scheme != "http":
            raise ConfigError(f"an endpoint without authentication is reached over http; got {cluster_url!r}")
        _check_timeout(request_timeout_s)
        client = KustoClient(KustoConnectionStringBuilder.with_no_authentication(cluster_url))
        store = cls(cluster_url, database=database, request_timeout_s=request_timeout_s, client=client)
        store._owns_client = True
        return store

    def close(self) -> None:
        if self._owns_client:
            self._client.close()  # type: ignore[no-untyped-call]

    def tables(self) -> list[TableSchema]:
        try:
            try:
                tables = self._tables_from_schema_json()
            except KustoServiceError as e:
                if _http_status(e) != 400:
                    raise
                logger.debug("%s refused the schema command (%s); listing tables one by one", self.cluster_url, e)
                tables = self._tables_from_getschema()
        except (KustoError, ValueError) as e:
            raise LogQueryError(self._describe(e)) from e
        return sorted(tables, key=lambda t: t.name)

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        text = kql.strip()
        if not text:
            raise LogQueryError("empty KQL query")
        is_command = text.startswith(".")
        if is_command and not _READ_ONLY_COMMAND.match(text):
            raise LogQueryError("the log store is read-only: only queries and `.show` commands are sent")
        limit = max(0, max_rows)
        properties = self._properties(row_limit=None if is_command else limit + 1)
        started = time.monotonic()
        try:
            result = self._command(text, properties, limit) if is_command else self._stream(text, properties, limit)
        except (KustoError, ValueError) as e:
            logger.info("Kusto request %s failed: %s", properties.client_request_id, type(e).__name__)
            raise LogQueryError(self._describe(e)) from e
        logger.debug(
            "Kusto request %s: %d rows%s in %.2f s",
            properties.client_request_id,
            len(result.rows),
            " (truncated)" if result.truncated else "",
            time.monotonic() - started,
        )
        return result

    def _properties(self, *, row_limit: int | None) -> ClientRequestProperties:
        properties = ClientRequestProperties()  # type: ignore[no-untyped-call]
        properties.client_request_id = f"{APPLICATION};{uuid.uuid4()}"
        properties.application = APPLICATION
        properties.set_option(properties.request_timeout_option_name, timedelta(seconds=self.request_timeout_s))
        properties.set_option("request_readonly", True)
        if row_limit is not None:
            properties.set_option("truncationmaxrecords", row_limit)
        return properties

    def _stream(self, text: str, properties: ClientRequestProperties, limit: int) -> QueryResult:
        dataset = self._client.execute_streaming_query(self.database, text, properties=properties)
        rows = _Rows(limit)
        try:
            for table in dataset:
                if table.table_kind == "PrimaryResult":
                    rows.collect(table)
                elif table.table_kind == "QueryCompletionInformation":
                    rows.errors.extend(_completion_errors(table))
        except KustoMultiApiError as e:
            rows.errors.extend(_api_error_texts(e))
        return rows.result()

    def _command(self, text: str, properties: ClientRequestProperties, limit: int) -> QueryResult:
        response = self._client.execute_mgmt(self.database, text, properties)
        if response.errors_count:
            raise LogQueryError(f"`{text[:60]}` failed part-way: {'; '.join(response.get_exceptions())}")
        rows = _Rows(limit)
        if response.primary_results:
            rows.collect(response.primary_results[0])
        return rows.result()

    def _tables_from_schema_json(self) -> list[TableSchema]:
        command = f".show database {_quote(self.database)} schema as json"
        answer = self._command(command, self._properties(row_limit=None), limit=1)
        document = json.loads(str(answer.rows[0][0])) if answer.rows and answer.rows[0] else {}
        databases = _mapping(_mapping(document).get("Databases"))
        entry = next((v for k, v in databases.items() if k.lower() == self.database.lower()), None)
        if entry is None:
            raise LogQueryError(f"the schema from {self.cluster_url} does not describe database {self.database}")
        tables = _mapping(_mapping(entry).get("Tables"))
        return [_table_from_json(name, _mapping(body)) for name, body in tables.items()]

    def _tables_from_getschema(self) -> list[TableSchema]:
        listing = self._command(".show tables", self._properties(row_limit=None), limit=100_000)
        names = [str(row["TableName"]) for row in listing.as_dicts()]
        return [table for table in map(self._table_from_getschema, names) if table is not None]

    def _table_from_getschema(self, name: str) -> TableSchema | None:
        try:
            schema = self._stream(f"{_quote(name)} | getschema", self._properties(row_limit=None), limit=100_000)
        except KustoServiceError as e:
            if _http_status(e) != 400:
                raise
            logger.warning("%s lists table %s but cannot query it by name; left out: %s", self.cluster_url, name, e)
            return None
        columns = (_table_column(str(r["ColumnName"]), str(r["ColumnType"])) for r in schema.as_dicts())
        return TableSchema(name=name, columns=tuple(columns))

    def _describe(self, error: BaseException) -> str:
        """The service's reason, never a header or token: what the agent (and the log) may see."""
        status = _http_status(error)
        if isinstance(error, KustoThrottlingError) or status == 429:
            return "the Kusto service is throttling requests (HTTP 429): wait before retrying, or ask for less"
        if status in (401, 403):
            return f"the identity may not query database {self.database} on {self.cluster_url} (HTTP {status})"
        if isinstance(error, KustoAuthenticationError):
            return f"cannot get a token for {self.cluster_url} ({type(error.exception).__name__})"
        if isinstance(error, KustoNetworkError):
            cause = type(error.__cause__).__name__ if error.__cause__ else "no answer"
            waited = self.request_timeout_s + _CLIENT_SERVER_DELTA_S
            return f"no answer from {self.cluster_url} within {waited:g} s, or it cannot be reached ({cause})"
        if isinstance(error, ValueError):
            detail = f"the answer is not a readable Kusto response ({_one_line(str(error))})"
        else:
            detail = "; ".join(_api_error_texts(error)) if isinstance(error, KustoServiceError) else str(error)
        return f"query failed ({f'HTTP {status}' if status else 'Kusto'}): {_one_line(detail)}"


class _LentCredential:
    """The caller's credential as the Kusto client sees it: the client closes its credential on close(), and
    this one belongs to the caller (who may share it). Its repr names nothing."""

    def __init__(self, credential: TokenCredential) -> None:
        self._credential = credential

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return self._credential.get_token(*scopes, **kwargs)

    def close(self) -> None:
        """Leave the caller's credential open."""


def _check_timeout(request_timeout_s: float) -> None:
    if not 0 < request_timeout_s <= MAX_REQUEST_TIMEOUT_S:
        raise ConfigError(f"request_timeout_s must be in (0, {MAX_REQUEST_TIMEOUT_S:g}], got {request_timeout_s}")


@dataclass
class _Rows:
    """The first result table, cut at `limit` rows but counted to its end, and any errors reported with it."""

    limit: int
    columns: tuple[ColumnSchema, ...] | None = None
    kept: list[tuple[JsonValue, ...]] = field(default_factory=list)
    seen: int = 0
    errors: list[str] = field(default_factory=list)

    def collect(self, table: Any) -> None:
        if self.columns is not None:
            raise LogQueryError("the query returned more than one result table; send one tabular statement")
        self.columns = tuple(kusto_column(c.column_name, c.column_type) for c in table.columns)
        kinds = [c.type for c in self.columns]
        for row in table:  # may raise KustoMultiApiError after some rows: those stay counted
            self.seen += 1
            if self.seen <= self.limit:
                values = zip(row, kinds, strict=True)
                self.kept.append(tuple(json_value(v, kind, dynamic_is_text=False) for v, kind in values))

    def result(self) -> QueryResult:
        if self.errors:
            self._fail_unless_cut_at_the_row_limit()
        truncated = self.seen > self.limit
        total = None if self.errors else self.seen  # a service that stopped at max_rows + 1 does not say
        return QueryResult.rendered(self.columns or (), tuple(self.kept), truncated=truncated, total_rows=total)

    def _fail_unless_cut_at_the_row_limit(self) -> None:
        reason = "; ".join(dict.fromkeys(self.errors))
        too_large = [_is_result_set_too_large(e) for e in self.errors]
        if self.seen > self.limit and all(too_large):
            return  # truncationmaxrecords = max_rows + 1 did its job: more rows exist than were asked for
        if any(too_large):
            raise LogQueryError(
                f"the service cut the result after {self.seen} rows, within max_rows (its 64 MB limit): "
                f"project fewer columns, summarize, or take fewer rows ({reason})"
            )
        raise LogQueryError(f"the query failed part-way, so its rows are withheld: {reason}")


def _completion_errors(table: Any) -> list[str]:
    """Errors the service reported in QueryCompletionInformation rather than in the data."""
    errors = []
    for row in table:
        values = row.to_dict()
        level = values.get("Level")
        if isinstance(level, int) and level <= _ERROR_LEVEL:
            payload = str(values.get("Payload") or "")
            text = _mapping(json.loads(payload)).get("Text") if payload[:1] == "{" else payload
            errors.append(f"{values.get('StatusCodeName', '')}: {text}".strip(": "))
    return errors


def _api_error_texts(error: KustoServiceError) -> list[str]:
    if isinstance(error, KustoMultiApiError):
        found: list[OneApiError] = error.get_api_errors()
    elif isinstance(error, KustoApiError):
        found = [error.get_api_error()]
    else:
        return [str(error.message_text)]
    texts = [f"{e.code}: {e.description or e.message}" if e.code else str(e.description or e.message) for e in found]
    return texts or [str(error.message_text) or type(error).__name__]


def _is_result_set_too_large(text: str) -> bool:
    return any(code.lower() in text.lower() for code in _RESULT_SET_TOO_LARGE)


def _http_status(error: BaseException) -> int | None:
    """The HTTP status behind an SDK error, found on it or on the requests error it was raised from."""
    current: BaseException | None = error
    for _ in range(5):
        if current is None:
            return None
        for response in (getattr(current, "http_response", None), getattr(current, "response", None)):
            status = getattr(response, "status_code", None)
            if isinstance(status, int):
                return status
        current = current.__cause__ or current.__context__
    return None


def _table_from_json(name: str, body: dict[str, Any]) -> TableSchema:
    columns = []
    for raw in body.get("OrderedColumns") or []:
        column = _mapping(raw)
        kind = column.get("CslType") or column.get("Type") or "dynamic"
        columns.append(_table_column(str(column.get("Name", "")), str(kind), str(column.get("DocString") or "")))
    return TableSchema(name=str(body.get("Name") or name), columns=tuple(columns))


def _table_column(name: str, kusto_type: str, doc: str = "") -> ColumnSchema:
    """A column of `tables()`: the service's doc string, else what the telemetry tables document."""
    return kusto_column(name, kusto_type, doc or COLUMN_DESCRIPTIONS.get(name, ""))


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _quote(name: str) -> str:
    """A Kusto entity name as `['name']`, safe for any characters."""
    return "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def _one_line(text: str, limit: int = 1000) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined = " ".join(lines[:3]) or "no details"
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


__all__ = ["APPLICATION", "MAX_REQUEST_TIMEOUT_S", "KustoLogStore"]
