"""`KqlTranslations`: KQL-to-SQL translations kept on disk, one per query shape, so a short run skips the parser.

Translating triage's nine queries takes a cold process about 0.3 s (importing duckdb-kql's ANTLR parser, then
filling its prediction caches), a fifth of an evidence-only investigation. Most of that is paid again by every
run for the same few query shapes. Here each translation is stored as a template (`_kql_templates`): the
query's literals swapped for placeholders of the same shape, translated once, and filled with the next query's
literals when its shape comes again. A hit never imports duckdb-kql.

A template is stored only after it has proved itself: on a miss the query is translated directly (that is the
answer), its template is translated too (cheap: the parser is warm by then), and the template is kept only when
filling it with the query's own literals gives the direct translation byte for byte. Translations with bound
parameters (the query's clock, declared parameters) are never kept. Entries live under
`<directory>/duckdb-kql-<version>/`, named by a hash of the template text and the tables' columns, so another
duckdb-kql version or schema never reads them. Writes are atomic; a cache that cannot be read or written is
skipped (it is only an optimization), never an error.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from agentcore.connectors.logs._kql_templates import KqlTemplate, fill_template, kql_template

logger = logging.getLogger(__name__)

FORMAT = 1
"""Bumped when the entry format or the template rules change: older entries are then never read."""

Schema = Mapping[str, Sequence[str]]
"""Table name -> column names: part of each entry's key (a translation depends on the columns)."""

Translate = Callable[[str], tuple[str, Mapping[str, Any]]]
"""Translates one KQL query: (SQL, bound parameters). Raises on a query it cannot translate."""


@cache
def translator_version() -> str:
    """duckdb-kql's version, from its installed metadata (reading it does not import the parser)."""
    from importlib.metadata import version

    return version("duckdb-kql")


class KqlTranslations:
    """Translations of one duckdb-kql version under `directory`; safe to share between threads and processes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / f"duckdb-kql-{translator_version()}"

    def holds_any(self) -> bool:
        """Whether any translation is stored (for this version): if so, warming the parser up is likely wasted."""
        try:
            with os.scandir(self.directory) as entries:
                return any(entry.name.endswith(".json") for entry in entries)
        except OSError:
            return False

    def lookup(self, kql: str, schema: Schema) -> str | None:
        """The SQL of `kql` from a stored template of its shape, or None."""
        template = kql_template(kql)
        try:
            stored = json.loads(self._entry(template, schema).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        sql = stored.get("sql") if isinstance(stored, dict) else None
        return fill_template(sql, template) if isinstance(sql, str) else None

    def translate(self, kql: str, schema: Schema, translate: Translate) -> tuple[str, dict[str, Any]]:
        """`kql`'s SQL and parameters: from a stored template, or from `translate` (then stored when it proves)."""
        found = self.lookup(kql, schema)
        if found is not None:
            return found, {}
        sql, parameters = translate(kql)
        if not parameters:
            self._learn(kql_template(kql), schema, sql, translate)
        return sql, dict(parameters)

    def _learn(self, template: KqlTemplate, schema: Schema, sql: str, translate: Translate) -> None:
        if template.placeholders:
            try:
                template_sql, parameters = translate(template.text)
            except Exception:  # the template is only a candidate: the query itself translated
                logger.debug("the template of a query did not translate; not cached", exc_info=True)
                return
            if parameters or fill_template(template_sql, template) != sql:
                logger.debug("the template of a query did not reproduce its translation; not cached")
                return
        else:
            template_sql = sql
        self._write(self._entry(template, schema), json.dumps({"sql": template_sql}))

    def _entry(self, template: KqlTemplate, schema: Schema) -> Path:
        tables = {name: list(columns) for name, columns in sorted(schema.items())}
        key = json.dumps([FORMAT, template.text, tables], ensure_ascii=False, separators=(",", ":"))
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}.json"

    def _write(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".partial")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            Path(temporary).replace(path)
        except OSError as e:
            logger.debug("could not store a KQL translation in %s: %s", path.parent, e)


__all__ = ["FORMAT", "KqlTranslations", "translator_version"]
