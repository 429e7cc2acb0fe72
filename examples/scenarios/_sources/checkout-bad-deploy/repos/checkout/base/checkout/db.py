"""Connection pool for the checkout database (Azure Database for PostgreSQL)."""

from __future__ import annotations

import os
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

_pool = ConnectionPool(
    os.environ.get("DATABASE_URL", "postgresql://localhost/checkout"), min_size=1, max_size=10, open=False
)


def fetch_one(sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
    """The first row of `sql` as a dict, or None."""
    if _pool.closed:
        _pool.open()
    with _pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, params)
        return cur.fetchone()
