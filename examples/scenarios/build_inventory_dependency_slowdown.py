"""Build the `inventory-dependency-slowdown` example scenario, byte for byte the same on every run.

    python examples/scenarios/build_inventory_dependency_slowdown.py [OUTPUT_DIR]

The story: three services of the Northwind shop. `inventory-api` (Go) answers stock lookups from a Redis
cache in front of PostgreSQL and holds reservations; `catalog-api` (Node.js) calls it for product and
listing pages; `fulfillment-worker` (Python) commits reservations when orders are paid. 31 commits by
eight people over four weeks.

Inventory release 4.7.0 reaches production at 08:20Z on 2026-03-24. It carries #76, a one-line change
to `config/production.yaml`: `max_idle_conns: 0`, meant to stop the occasional "connection reset by
peer" on connections Azure dropped while idle. With no idle connections kept, every query dials a new
TLS connection to Azure Database for PostgreSQL (our dependency timing includes getting the
connection), so PostgreSQL dependency durations jump from a few milliseconds to 40-200 ms and
inventory-api's p95 climbs with the morning traffic until the latency alert fires. There are no new
exceptions (the resets even stop). Red herrings: the same release carries a rewrite of the batch stock
query (#77) and a docs commit after the culprit; catalog-api 2.12.0 went out at 07:50Z and doubled the
batch lookups (the latency stayed flat until 08:20Z); recurring noise: connection resets before the
deploy, a known catalog TypeError, carrier rate limits in fulfillment.

Determinism: fixed authors, emails and dates, a clean git environment with one pack thread, a fixed
random seed, and sorted, fixed-format JSON (see _scenario_kit.py).
"""

from __future__ import annotations

import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True
from _scenario_kit import (  # noqa: E402
    Azure,
    Commit,
    LogAlert,
    Rollout,
    Telemetry,
    after,
    arrivals,
    deployment,
    dump_json,
    dump_jsonl,
    edit,
    frame,
    iso,
    line_of,
    percentile,
    ramp,
    spells,
    telemetry_files,
    tree_at,
    utc,
    within,
    write_scenario,
)

NAME = "inventory-dependency-slowdown"
SEED = 20260324
TELEMETRY_START = utc("2026-03-24T06:30:00Z")
TELEMETRY_LIMIT = utc("2026-03-24T10:30:00Z")
CATALOG_DEPLOY = utc("2026-03-24T07:50:00Z")
INVENTORY_DEPLOY = utc("2026-03-24T08:20:00Z")
ALERT_EVALUATED = utc("2026-03-24T09:30:00Z")
INCIDENT = ALERT_EVALUATED + timedelta(minutes=5)
AZURE = Azure("5e7a1c94-3d2b-4f80-b6e1-0c9d8a7f2b35", "rg-northwind-prod", "westeurope")

DANIEL = ("Daniel Kim", "daniel.kim@northwind.example")
FATIMA = ("Fatima Zahra", "fatima.zahra@northwind.example")
RAJ = ("Raj Patel", "raj.patel@northwind.example")
ELENA = ("Elena Rossi", "elena.rossi@northwind.example")
SAM = ("Sam Oduya", "sam.oduya@northwind.example")
LINH = ("Linh Nguyen", "linh.nguyen@northwind.example")
PIOTR = ("Piotr Nowak", "piotr.nowak@northwind.example")
GRACE = ("Grace Mensah", "grace.mensah@northwind.example")

# ---------------------------------------------------------------------------------------------------
# inventory (Go)
# ---------------------------------------------------------------------------------------------------

GO_MOD_V1 = """module github.com/northwind/inventory

go 1.23

require (
	github.com/jackc/pgx/v5 v5.5.4
	github.com/microsoft/ApplicationInsights-Go v0.4.4
	github.com/redis/go-redis/v9 v9.5.1
	gopkg.in/yaml.v3 v3.0.1
)
"""
GO_MOD_V2 = edit(GO_MOD_V1, ("github.com/jackc/pgx/v5 v5.5.4", "github.com/jackc/pgx/v5 v5.5.5"))

INVENTORY_DOCKERFILE = """FROM golang:1.23 AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/inventory-api ./cmd/inventory-api

FROM gcr.io/distroless/static
COPY --from=build /out/inventory-api /inventory-api
COPY config /config
ENTRYPOINT ["/inventory-api"]
"""

INVENTORY_README = """# inventory

Stock levels and reservations for the Northwind shop.

- `GET /v1/stock/{sku}`: what is available (catalog product pages).
- `POST /v1/stock:batchGet`: the same for up to 48 SKUs (catalog listings).
- `POST /v1/reservations`: hold stock for a checkout; `POST /v1/reservations/{id}:commit` when the
  order is paid (fulfillment-worker).

Reads go to Redis first (`redis-inventory-prod`) and fall back to PostgreSQL
(`psql-inventory-prod`, database `inventory`). Container App `ca-inventory-api`, Application Insights
role `inventory-api`.

    go test ./...
"""

CONFIG_V1 = """http:
  addr: ":8080"
database:
  host: psql-inventory-prod.postgres.database.azure.com
  name: inventory
  user: inventory-api  # Entra ID managed identity
  max_open_conns: 32
  max_idle_conns: 16
  conn_max_lifetime: 30m
  conn_max_idle_time: 10m
redis:
  addr: redis-inventory-prod.redis.cache.windows.net:6380
"""
CONFIG_V2 = edit(
    CONFIG_V1,
    (
        "  addr: redis-inventory-prod.redis.cache.windows.net:6380\n",
        "  addr: redis-inventory-prod.redis.cache.windows.net:6380\n  stock_ttl: 30s\n",
    ),
)

BASE_YAML_V1 = """# Settings every environment shares; config/<environment>.yaml overrides them key by key.
http:
  addr: ":8080"
database:
  name: inventory
  user: inventory-api  # Entra ID managed identity
  max_open_conns: 32
  max_idle_conns: 16
  conn_max_lifetime: 30m
  conn_max_idle_time: 10m
redis:
  stock_ttl: 30s
reservations:
  hold: 15m
"""
BASE_YAML_V2 = edit(BASE_YAML_V1, ('  addr: ":8080"\n', '  addr: ":8080"\n  request_timeout: 3s\n'))
PRODUCTION_YAML_V1 = """database:
  host: psql-inventory-prod.postgres.database.azure.com
redis:
  addr: redis-inventory-prod.redis.cache.windows.net:6380
"""
PRODUCTION_YAML_V2 = edit(
    PRODUCTION_YAML_V1,
    (
        "  host: psql-inventory-prod.postgres.database.azure.com\n",
        "  host: psql-inventory-prod.postgres.database.azure.com\n"
        "  # Azure drops connections that sit idle for about 4 minutes; the next query on one of them fails\n"
        '  # with "connection reset by peer". Keep no idle connections in production.\n'
        "  max_idle_conns: 0\n",
    ),
)
STAGING_YAML = """database:
  host: psql-inventory-staging.postgres.database.azure.com
  max_open_conns: 8
redis:
  addr: redis-inventory-staging.redis.cache.windows.net:6380
"""

CONFIG_GO_V1 = """// Package config reads config/config.yaml.
package config

import (
	"os"
	"time"

	"gopkg.in/yaml.v3"
)

type Config struct {
	HTTP     HTTP     `yaml:"http"`
	Database Database `yaml:"database"`
	Redis    Redis    `yaml:"redis"`
}

type HTTP struct {
	Addr string `yaml:"addr"`
}

// Database holds the PostgreSQL connection and the database/sql pool settings.
type Database struct {
	Host            string        `yaml:"host"`
	Name            string        `yaml:"name"`
	User            string        `yaml:"user"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `yaml:"conn_max_idle_time"`
}

type Redis struct {
	Addr     string        `yaml:"addr"`
	StockTTL time.Duration `yaml:"stock_ttl"`
}

func Load(path string) (Config, error) {
	var cfg Config
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, err
	}
	return cfg, yaml.Unmarshal(raw, &cfg)
}
"""
CONFIG_GO_V2 = """// Package config reads config/base.yaml, then config/<environment>.yaml over it.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

type Config struct {
	Environment  string       `yaml:"-"`
	HTTP         HTTP         `yaml:"http"`
	Database     Database     `yaml:"database"`
	Redis        Redis        `yaml:"redis"`
	Reservations Reservations `yaml:"reservations"`
}

type HTTP struct {
	Addr string `yaml:"addr"`
}

// Database holds the PostgreSQL connection and the database/sql pool settings.
type Database struct {
	Host            string        `yaml:"host"`
	Name            string        `yaml:"name"`
	User            string        `yaml:"user"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `yaml:"conn_max_idle_time"`
}

type Redis struct {
	Addr     string        `yaml:"addr"`
	StockTTL time.Duration `yaml:"stock_ttl"`
}

type Reservations struct {
	Hold time.Duration `yaml:"hold"`
}

// Load reads dir/base.yaml and then dir/<environment>.yaml; keys in the second win.
func Load(dir, environment string) (Config, error) {
	cfg := Config{Environment: environment}
	for _, name := range []string{"base.yaml", environment + ".yaml"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return cfg, fmt.Errorf("config: %w", err)
		}
		if err := yaml.Unmarshal(raw, &cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", name, err)
		}
	}
	return cfg, nil
}
"""
CONFIG_GO_V3 = edit(
    CONFIG_GO_V2,
    (
        'type HTTP struct {\n\tAddr string `yaml:"addr"`\n}\n',
        'type HTTP struct {\n\tAddr           string        `yaml:"addr"`\n'
        '\tRequestTimeout time.Duration `yaml:"request_timeout"`\n}\n',
    ),
)

TELEMETRY_GO = """// Package telemetry sends requests, dependencies, exceptions, traces and metrics to Application
// Insights under the cloud role inventory-api.
package telemetry

import (
	"context"
	"time"

	"github.com/microsoft/ApplicationInsights-Go/appinsights"
	"github.com/microsoft/ApplicationInsights-Go/appinsights/contracts"
)

type Client struct {
	ai appinsights.TelemetryClient
}

type operationKey struct{}

func New(instrumentationKey, role, version string) *Client {
	ai := appinsights.NewTelemetryClient(instrumentationKey)
	ai.Context().Tags.Cloud().SetRole(role)
	ai.Context().Tags.Application().SetVer(version)
	return &Client{ai: ai}
}

// WithOperation tags everything recorded under ctx with the request's operation id.
func WithOperation(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, operationKey{}, id)
}

func operation(ctx context.Context) string {
	id, _ := ctx.Value(operationKey{}).(string)
	return id
}

// Dependency records a call to kind/target (PostgreSQL, Redis, HTTP) that started at start.
func (c *Client) Dependency(ctx context.Context, kind, target, name, data string, start time.Time, err error) {
	d := appinsights.NewRemoteDependencyTelemetry(name, kind, target, err == nil)
	d.Data = data
	d.MarkTime(start, time.Now())
	d.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(d)
}

// Exception records err with the caller's stack.
func (c *Client) Exception(
	ctx context.Context, err error, level contracts.SeverityLevel, properties map[string]string,
) {
	e := appinsights.NewExceptionTelemetry(err)
	e.Frames = appinsights.GetCallstack(2)
	e.SeverityLevel = level
	for k, v := range properties {
		e.Properties[k] = v
	}
	e.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(e)
}

func (c *Client) Trace(ctx context.Context, message string, level contracts.SeverityLevel) {
	t := appinsights.NewTraceTelemetry(message, level)
	t.Tags.Operation().SetId(operation(ctx))
	c.ai.Track(t)
}

func (c *Client) Metric(name string, value float64, properties map[string]string) {
	m := appinsights.NewMetricTelemetry(name, value)
	for k, v := range properties {
		m.Properties[k] = v
	}
	c.ai.Track(m)
}
"""

POOL_STATS_GO = """package telemetry

import (
	"context"
	"database/sql"
	"time"
)

// ReportPoolStats sends the database/sql pool statistics every minute: gauges for open and idle
// connections, and per-minute deltas of the counters (waits, connections closed for being idle).
func (c *Client) ReportPoolStats(ctx context.Context, db *sql.DB) {
	props := map[string]string{"db.system": "postgresql", "pool": "primary"}
	previous := db.Stats()
	ticker := time.NewTicker(time.Minute)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		s := db.Stats()
		c.Metric("db.pool.open_connections", float64(s.OpenConnections), props)
		c.Metric("db.pool.idle", float64(s.Idle), props)
		c.Metric("db.pool.wait_count", float64(s.WaitCount-previous.WaitCount), props)
		c.Metric("db.pool.max_idle_closed", float64(s.MaxIdleClosed-previous.MaxIdleClosed), props)
		previous = s
	}
}
"""

DB_GO_V1 = """// Package store keeps stock and reservations in PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/northwind/inventory/internal/config"
	"github.com/northwind/inventory/internal/telemetry"
)

const dependencyType = "postgresql"

type Store struct {
	db     *sql.DB
	tel    *telemetry.Client
	target string
}

// Open connects with the managed identity (the token is the password) and applies the pool settings.
func Open(cfg config.Database, token string, tel *telemetry.Client) (*Store, error) {
	dsn := fmt.Sprintf("host=%s dbname=%s user=%s password=%s sslmode=require", cfg.Host, cfg.Name, cfg.User, token)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	db.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	return &Store{db: db, tel: tel, target: cfg.Host + " | " + cfg.Name}, nil
}

func (s *Store) DB() *sql.DB { return s.db }

// query, queryRow, exec and begin time the whole call as the caller waits for it: getting a
// connection from the pool, or opening a new one, is part of the dependency's duration.
func (s *Store) query(ctx context.Context, name, q string, args ...any) (*sql.Rows, error) {
	start := time.Now()
	rows, err := s.db.QueryContext(ctx, q, args...)
	s.tel.Dependency(ctx, dependencyType, s.target, name, q, start, err)
	return rows, err
}

func (s *Store) queryRow(ctx context.Context, name, q string, dest []any, args ...any) error {
	start := time.Now()
	err := s.db.QueryRowContext(ctx, q, args...).Scan(dest...)
	s.tel.Dependency(ctx, dependencyType, s.target, name, q, start, err)
	return err
}

func (s *Store) exec(ctx context.Context, name, q string, args ...any) error {
	start := time.Now()
	_, err := s.db.ExecContext(ctx, q, args...)
	s.tel.Dependency(ctx, dependencyType, s.target, name, q, start, err)
	return err
}

func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	start := time.Now()
	tx, err := s.db.BeginTx(ctx, nil)
	s.tel.Dependency(ctx, dependencyType, s.target, "BEGIN", "BEGIN", start, err)
	return tx, err
}

func (s *Store) txExec(ctx context.Context, tx *sql.Tx, name, q string, args ...any) error {
	start := time.Now()
	_, err := tx.ExecContext(ctx, q, args...)
	s.tel.Dependency(ctx, dependencyType, s.target, name, q, start, err)
	return err
}

func (s *Store) commit(ctx context.Context, tx *sql.Tx) error {
	start := time.Now()
	err := tx.Commit()
	s.tel.Dependency(ctx, dependencyType, s.target, "COMMIT", "COMMIT", start, err)
	return err
}
"""
DB_GO_V2 = edit(
    DB_GO_V1,
    (
        'import (\n\t"context"\n\t"database/sql"\n\t"fmt"\n',
        'import (\n\t"context"\n\t"database/sql"\n\t"errors"\n\t"fmt"\n\t"syscall"\n',
    ),
    (
        '\t"github.com/northwind/inventory/internal/telemetry"\n)\n',
        '\t"github.com/northwind/inventory/internal/telemetry"\n\t"github.com/microsoft/ApplicationInsights-Go/appinsights/contracts"\n)\n',
    ),
    (
        "func (s *Store) exec(",
        """// readWithRetry runs a read once more when its connection turns out to be dead: Azure drops TCP
// connections that were idle for about 4 minutes and only the next read notices (ECONNRESET). The
// first failure is still recorded, as a warning.
func (s *Store) readWithRetry(ctx context.Context, read func() error) error {
	err := read()
	if err == nil || !errors.Is(err, syscall.ECONNRESET) {
		return err
	}
	s.tel.Exception(ctx, err, contracts.Warning, map[string]string{"retry": "true"})
	return read()
}

func (s *Store) exec(""",
    ),
)

STOCK_GO_V1 = """package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

var ErrUnknownSKU = errors.New("unknown SKU")

type Stock struct {
	SKU       string `json:"sku"`
	OnHand    int    `json:"onHand"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
}

const selectStock = "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1"

func (s *Store) GetStock(ctx context.Context, sku string) (Stock, error) {
	st := Stock{}
	err := s.queryRow(ctx, "SELECT stock", selectStock, []any{&st.SKU, &st.OnHand, &st.Reserved}, sku)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrUnknownSKU
	}
	st.Available = st.OnHand - st.Reserved
	return st, err
}

// Reserve holds quantity of sku (the hold is not enforced yet).
func (s *Store) Reserve(ctx context.Context, id, sku string, quantity int, hold time.Duration) error {
	return s.exec(ctx, "UPDATE stock",
		"UPDATE stock SET reserved = reserved + $2 WHERE sku = $1 AND on_hand - reserved >= $2", sku, quantity)
}
"""
STOCK_GO_V2 = """package store

import (
	"context"
	"database/sql"
	"errors"
)

var ErrUnknownSKU = errors.New("unknown SKU")

type Stock struct {
	SKU       string `json:"sku"`
	OnHand    int    `json:"onHand"`
	Reserved  int    `json:"reserved"`
	Available int    `json:"available"`
}

const selectStock = "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1"

func (s *Store) GetStock(ctx context.Context, sku string) (Stock, error) {
	st := Stock{}
	err := s.queryRow(ctx, "SELECT stock", selectStock, []any{&st.SKU, &st.OnHand, &st.Reserved}, sku)
	if errors.Is(err, sql.ErrNoRows) {
		return st, ErrUnknownSKU
	}
	st.Available = st.OnHand - st.Reserved
	return st, err
}
"""
STOCK_GO_V3 = (
    STOCK_GO_V2
    + """
// BatchGet reads the SKUs the cache did not have, one query each.
func (s *Store) BatchGet(ctx context.Context, skus []string) (map[string]Stock, error) {
	found := make(map[string]Stock, len(skus))
	for _, sku := range skus {
		st, err := s.GetStock(ctx, sku)
		if errors.Is(err, ErrUnknownSKU) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found[sku] = st
	}
	return found, nil
}
"""
)
STOCK_GO_V4 = edit(
    STOCK_GO_V3,
    (
        '\terr := s.queryRow(ctx, "SELECT stock", selectStock, []any{&st.SKU, &st.OnHand, &st.Reserved}, sku)\n',
        "\terr := s.readWithRetry(ctx, func() error {\n"
        '\t\treturn s.queryRow(ctx, "SELECT stock", selectStock, []any{&st.SKU, &st.OnHand, &st.Reserved}, sku)\n'
        "\t})\n",
    ),
)
STOCK_GO_V5 = edit(
    STOCK_GO_V4,
    (
        """// BatchGet reads the SKUs the cache did not have, one query each.
func (s *Store) BatchGet(ctx context.Context, skus []string) (map[string]Stock, error) {
	found := make(map[string]Stock, len(skus))
	for _, sku := range skus {
		st, err := s.GetStock(ctx, sku)
		if errors.Is(err, ErrUnknownSKU) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found[sku] = st
	}
	return found, nil
}
""",
        """const selectStocks = "SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1)"

// BatchGet reads the SKUs the cache did not have in one query; unknown SKUs are left out.
func (s *Store) BatchGet(ctx context.Context, skus []string) (map[string]Stock, error) {
	found := make(map[string]Stock, len(skus))
	err := s.readWithRetry(ctx, func() error {
		rows, err := s.query(ctx, "SELECT stock (batch)", selectStocks, skus)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			st := Stock{}
			if err := rows.Scan(&st.SKU, &st.OnHand, &st.Reserved); err != nil {
				return err
			}
			st.Available = st.OnHand - st.Reserved
			found[st.SKU] = st
		}
		return rows.Err()
	})
	return found, err
}
""",
    ),
)

RESERVATIONS_GO_V1 = """package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

var ErrInsufficientStock = errors.New("insufficient stock")

// Reserve holds quantity of sku for a checkout, in one transaction: the stock row is locked so two
// checkouts cannot both take the last item.
func (s *Store) Reserve(ctx context.Context, id, sku string, quantity int, hold time.Duration) error {
	tx, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin reservation: %w", err)
	}
	defer tx.Rollback()
	var onHand, reserved int
	start := time.Now()
	const lock = "SELECT on_hand, reserved FROM stock WHERE sku = $1 FOR UPDATE"
	err = tx.QueryRowContext(ctx, lock, sku).Scan(&onHand, &reserved)
	s.tel.Dependency(ctx, dependencyType, s.target, "SELECT stock FOR UPDATE", lock, start, err)
	if err != nil {
		return err
	}
	if onHand-reserved < quantity {
		return ErrInsufficientStock
	}
	const insert = "INSERT INTO reservations (id, sku, quantity, expires_at) VALUES ($1, $2, $3, now() + $4::interval)"
	if err := s.txExec(ctx, tx, "INSERT reservations", insert, id, sku, quantity, hold.String()); err != nil {
		return err
	}
	const take = "UPDATE stock SET reserved = reserved + $2 WHERE sku = $1"
	if err := s.txExec(ctx, tx, "UPDATE stock", take, sku, quantity); err != nil {
		return err
	}
	return s.commit(ctx, tx)
}

// Commit turns a reservation into a sale when the order is paid.
func (s *Store) Commit(ctx context.Context, id string) error {
	return s.exec(ctx, "UPDATE reservations",
		"UPDATE reservations SET status = 'committed' WHERE id = $1 AND status = 'held'", id)
}
"""
RESERVATIONS_GO_V2 = (
    RESERVATIONS_GO_V1
    + """
// ExpireStale releases reservations whose checkout never completed.
func (s *Store) ExpireStale(ctx context.Context) (int64, error) {
	start := time.Now()
	res, err := s.db.ExecContext(ctx, `WITH expired AS (
		UPDATE reservations SET status = 'expired' WHERE status = 'held' AND expires_at < now() RETURNING sku, quantity)
		UPDATE stock SET reserved = stock.reserved - e.quantity FROM expired e WHERE stock.sku = e.sku`)
	s.tel.Dependency(ctx, dependencyType, s.target, "UPDATE reservations (expire)", "expire stale reservations",
		start, err)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
"""
)
RESERVATIONS_GO_V3 = edit(
    RESERVATIONS_GO_V2,
    (
        "\treturn res.RowsAffected()\n}\n",
        "\tn, err := res.RowsAffected()\n"
        '\ts.tel.Metric("reservations.expired", float64(n), map[string]string{"sweep": "periodic"})\n'
        "\treturn n, err\n}\n",
    ),
)

CACHE_GO_V1 = """// Package cache keeps stock lookups in Redis.
package cache

import (
	"context"
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/northwind/inventory/internal/store"
	"github.com/northwind/inventory/internal/telemetry"
)

type Cache struct {
	rdb    *redis.Client
	tel    *telemetry.Client
	target string
	ttl    time.Duration
}

func New(addr, password string, ttl time.Duration, tel *telemetry.Client) *Cache {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password, TLSConfig: tlsConfig()})
	return &Cache{rdb: rdb, tel: tel, target: addr, ttl: ttl}
}

func key(sku string) string { return "stock:" + sku }

// Get returns the cached stock of sku, or false.
func (c *Cache) Get(ctx context.Context, sku string) (store.Stock, bool) {
	start := time.Now()
	raw, err := c.rdb.Get(ctx, key(sku)).Bytes()
	c.tel.Dependency(ctx, "Redis", c.target, "GET", "GET stock:*", start, ignoreMiss(err))
	var st store.Stock
	if err != nil || json.Unmarshal(raw, &st) != nil {
		return st, false
	}
	return st, true
}

func (c *Cache) Put(ctx context.Context, st store.Stock) {
	raw, _ := json.Marshal(st)
	start := time.Now()
	err := c.rdb.Set(ctx, key(st.SKU), raw, c.ttl).Err()
	c.tel.Dependency(ctx, "Redis", c.target, "SET", "SET stock:* EX", start, err)
}

func ignoreMiss(err error) error {
	if err == redis.Nil {
		return nil
	}
	return err
}
"""
CACHE_GO_V2 = (
    CACHE_GO_V1
    + """
// Forget drops sku after a reservation changed it.
func (c *Cache) Forget(ctx context.Context, sku string) {
	start := time.Now()
	err := c.rdb.Del(ctx, key(sku)).Err()
	c.tel.Dependency(ctx, "Redis", c.target, "DEL", "DEL stock:*", start, err)
}
"""
)
CACHE_GO_V3 = (
    CACHE_GO_V2
    + """
// GetMany returns what the cache has of skus (one MGET) and the SKUs it did not have.
func (c *Cache) GetMany(ctx context.Context, skus []string) (map[string]store.Stock, []string) {
	keys := make([]string, len(skus))
	for i, sku := range skus {
		keys[i] = key(sku)
	}
	start := time.Now()
	values, err := c.rdb.MGet(ctx, keys...).Result()
	c.tel.Dependency(ctx, "Redis", c.target, "MGET", "MGET stock:*", start, err)
	found := make(map[string]store.Stock, len(skus))
	var missing []string
	for i, sku := range skus {
		var st store.Stock
		raw, ok := values[i].(string)
		if err != nil || !ok || json.Unmarshal([]byte(raw), &st) != nil {
			missing = append(missing, sku)
			continue
		}
		found[sku] = st
	}
	return found, missing
}

// PutMany caches several lookups in one pipeline.
func (c *Cache) PutMany(ctx context.Context, stocks map[string]store.Stock) {
	start := time.Now()
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, st := range stocks {
			raw, _ := json.Marshal(st)
			p.Set(ctx, key(st.SKU), raw, c.ttl)
		}
		return nil
	})
	c.tel.Dependency(ctx, "Redis", c.target, "PIPELINE", "SET stock:* EX (pipeline)", start, err)
}
"""
)

HANDLERS_GO_V1 = """// Package api is inventory-api's HTTP interface.
package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/northwind/inventory/internal/cache"
	"github.com/northwind/inventory/internal/config"
	"github.com/northwind/inventory/internal/store"
	"github.com/northwind/inventory/internal/telemetry"

	"github.com/microsoft/ApplicationInsights-Go/appinsights/contracts"
)

// reservationHold is how long a checkout's reservation holds its stock.
const reservationHold = 15 * time.Minute

type Handlers struct {
	cfg   config.Config
	store *store.Store
	cache *cache.Cache
	tel   *telemetry.Client
}

func New(cfg config.Config, st *store.Store, c *cache.Cache, tel *telemetry.Client) *Handlers {
	return &Handlers{cfg: cfg, store: st, cache: c, tel: tel}
}

func (h *Handlers) Routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/stock/{sku}", h.GetStock)
	mux.HandleFunc("POST /v1/reservations", h.CreateReservation)
	mux.HandleFunc("POST /v1/reservations/{id}:commit", h.CommitReservation)
	return mux
}

func (h *Handlers) GetStock(w http.ResponseWriter, r *http.Request) {
	ctx, sku := r.Context(), r.PathValue("sku")
	if st, ok := h.cache.Get(ctx, sku); ok {
		writeJSON(w, http.StatusOK, st)
		return
	}
	st, err := h.store.GetStock(ctx, sku)
	if errors.Is(err, store.ErrUnknownSKU) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.cache.Put(ctx, st)
	writeJSON(w, http.StatusOK, st)
}

type reservationRequest struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Quantity int    `json:"quantity"`
}

func (h *Handlers) CreateReservation(w http.ResponseWriter, r *http.Request) {
	var req reservationRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Quantity <= 0 {
		http.Error(w, "bad reservation", http.StatusBadRequest)
		return
	}
	err := h.store.Reserve(r.Context(), req.ID, req.SKU, req.Quantity, reservationHold)
	if errors.Is(err, store.ErrInsufficientStock) {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.cache.Forget(r.Context(), req.SKU)
	writeJSON(w, http.StatusCreated, req)
}

func (h *Handlers) CommitReservation(w http.ResponseWriter, r *http.Request) {
	if err := h.store.Commit(r.Context(), r.PathValue("id")); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.tel.Exception(r.Context(), err, contracts.Error, map[string]string{"route": r.Pattern})
	http.Error(w, "inventory is unavailable", http.StatusServiceUnavailable)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
"""
HANDLERS_GO_V2 = edit(
    HANDLERS_GO_V1,
    (
        '\tmux.HandleFunc("POST /v1/reservations", h.CreateReservation)\n',
        '\tmux.HandleFunc("POST /v1/stock:batchGet", h.BatchGet)\n'
        '\tmux.HandleFunc("POST /v1/reservations", h.CreateReservation)\n',
    ),
    (
        "type reservationRequest struct {",
        """// BatchGet answers up to 48 SKUs: from the cache, and the rest from the database in one go.
func (h *Handlers) BatchGet(w http.ResponseWriter, r *http.Request) {
	var req struct {
		SKUs []string `json:"skus"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.SKUs) == 0 || len(req.SKUs) > 48 {
		http.Error(w, "between 1 and 48 skus", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	found, missing := h.cache.GetMany(ctx, req.SKUs)
	if len(missing) > 0 {
		fresh, err := h.store.BatchGet(ctx, missing)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.cache.PutMany(ctx, fresh)
		for sku, st := range fresh {
			found[sku] = st
		}
	}
	writeJSON(w, http.StatusOK, found)
}

type reservationRequest struct {""",
    ),
)
HANDLERS_GO_V2B = edit(
    HANDLERS_GO_V2,
    (
        "\n// reservationHold is how long a checkout's reservation holds its stock.\n"
        "const reservationHold = 15 * time.Minute\n",
        "",
    ),
    ('\t"net/http"\n\t"time"\n', '\t"net/http"\n'),
    ("req.Quantity, reservationHold)", "req.Quantity, h.cfg.Reservations.Hold)"),
)
HANDLERS_GO_V3 = edit(
    HANDLERS_GO_V2B,
    (
        "func (h *Handlers) Routes() *http.ServeMux {\n\tmux := http.NewServeMux()\n",
        "// Routes serves the API; a request that takes longer than http.request_timeout gets a 503.\n"
        "func (h *Handlers) Routes() http.Handler {\n\tmux := http.NewServeMux()\n",
    ),
    (
        '\tmux.HandleFunc("POST /v1/reservations/{id}:commit", h.CommitReservation)\n\treturn mux\n',
        '\tmux.HandleFunc("POST /v1/reservations/{id}:commit", h.CommitReservation)\n'
        '\treturn http.TimeoutHandler(mux, h.cfg.HTTP.RequestTimeout, "inventory timed out")\n',
    ),
)

MAIN_GO_V1 = """package main

import (
	"log"
	"net/http"
	"os"

	"github.com/northwind/inventory/internal/api"
	"github.com/northwind/inventory/internal/cache"
	"github.com/northwind/inventory/internal/config"
	"github.com/northwind/inventory/internal/store"
	"github.com/northwind/inventory/internal/telemetry"
)

var version = "dev" // set by the release build

func main() {
	cfg, err := config.Load("/config/config.yaml")
	if err != nil {
		log.Fatal(err)
	}
	tel := telemetry.New(os.Getenv("APPINSIGHTS_INSTRUMENTATIONKEY"), "inventory-api", version)
	st, err := store.Open(cfg.Database, os.Getenv("PGPASSWORD"), tel)
	if err != nil {
		log.Fatal(err)
	}
	c := cache.New(cfg.Redis.Addr, os.Getenv("REDIS_PASSWORD"), 0, tel)
	log.Fatal(http.ListenAndServe(cfg.HTTP.Addr, telemetry.Requests(tel, api.New(cfg, st, c, tel).Routes())))
}
"""
MAIN_GO_V2 = edit(
    MAIN_GO_V1, ('os.Getenv("REDIS_PASSWORD"), 0, tel)', 'os.Getenv("REDIS_PASSWORD"), cfg.Redis.StockTTL, tel)')
)
MAIN_GO_V3 = edit(
    MAIN_GO_V2,
    ('import (\n\t"log"\n', 'import (\n\t"context"\n\t"log"\n'),
    ("\tc := cache.New(", "\tgo tel.ReportPoolStats(context.Background(), st.DB())\n\tc := cache.New("),
)
MAIN_GO_V4 = edit(
    MAIN_GO_V3,
    (
        '\tcfg, err := config.Load("/config/config.yaml")\n',
        '\tcfg, err := config.Load("/config", os.Getenv("INVENTORY_ENV"))\n',
    ),
    (
        '\ttel := telemetry.New(os.Getenv("APPINSIGHTS_INSTRUMENTATIONKEY"), "inventory-api", version)\n',
        '\ttel := telemetry.New(os.Getenv("APPINSIGHTS_INSTRUMENTATIONKEY"), "inventory-api", version)\n'
        "\td := cfg.Database\n"
        "\ttel.Trace(context.Background(), fmt.Sprintf(\n"
        '\t\t"inventory-api %s starting: environment=%s db.max_open_conns=%d db.max_idle_conns=%d "+\n'
        '\t\t\t"db.conn_max_lifetime=%s db.conn_max_idle_time=%s",\n'
        "\t\tversion, cfg.Environment, d.MaxOpenConns, d.MaxIdleConns, d.ConnMaxLifetime, d.ConnMaxIdleTime),\n"
        "\t\tcontracts.Information)\n",
    ),
    ('import (\n\t"context"\n\t"log"\n', 'import (\n\t"context"\n\t"fmt"\n\t"log"\n'),
    (
        '\t"github.com/northwind/inventory/internal/telemetry"\n)\n',
        '\t"github.com/northwind/inventory/internal/telemetry"\n\n\t"github.com/microsoft/ApplicationInsights-Go/appinsights/contracts"\n)\n',
    ),
)
MAIN_GO_V5 = edit(
    MAIN_GO_V4,
    (
        "\tc := cache.New(",
        "\tgo func() {\n"
        "\t\tfor range time.Tick(time.Minute) {\n"
        "\t\t\tif _, err := st.ExpireStale(context.Background()); err != nil {\n"
        "\t\t\t\ttel.Exception(context.Background(), err, contracts.Warning, nil)\n"
        "\t\t\t}\n"
        "\t\t}\n"
        "\t}()\n"
        "\tc := cache.New(",
    ),
    ('\t"os"\n', '\t"os"\n\t"time"\n'),
)

REQUESTS_GO = """package telemetry

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/microsoft/ApplicationInsights-Go/appinsights"
)

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// operationFrom takes the trace id of a W3C traceparent header, or makes a new one.
func operationFrom(traceparent string) string {
	if len(traceparent) == 55 {
		return traceparent[3:35]
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	return hex.EncodeToString(id[:])
}

// Requests records every request under the route pattern, with the caller's operation id.
func Requests(c *Client, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := operationFrom(r.Header.Get("traceparent"))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r.WithContext(WithOperation(r.Context(), id)))
		t := appinsights.NewRequestTelemetry(r.Method, r.URL.String(), time.Since(start), strconv.Itoa(rec.status))
		t.Name = r.Method + " " + r.Pattern
		t.Tags.Operation().SetId(id)
		c.ai.Track(t)
	})
}
"""

STOCK_TEST_GO = """package store

import "testing"

func TestAvailableIsOnHandMinusReserved(t *testing.T) {
	st := Stock{SKU: "SKU-1", OnHand: 10, Reserved: 3}
	st.Available = st.OnHand - st.Reserved
	if st.Available != 7 {
		t.Fatalf("available = %d", st.Available)
	}
}
"""

CONFIG_DOC = """# Configuration

`config/base.yaml` holds what every environment shares; `config/<environment>.yaml` (picked by
`INVENTORY_ENV`) overrides it key by key.

| key | meaning |
| --- | --- |
| `http.addr` | listen address |
| `http.request_timeout` | a request slower than this answers 503 |
| `database.host`, `.name`, `.user` | PostgreSQL; the password is a managed-identity token |
| `database.max_open_conns` | connections per replica, at most; 32 × up to 6 replicas stays under the server's 250 |
| `database.max_idle_conns` | idle connections kept for reuse (`database/sql` `SetMaxIdleConns`) |
| `database.conn_max_lifetime` | a connection is closed after this long |
| `database.conn_max_idle_time` | an idle connection is closed after this long |
| `redis.addr`, `redis.stock_ttl` | the stock cache and how long an entry lives |
| `reservations.hold` | how long a checkout's reservation is held |

inventory-api logs the pool settings it started with (`inventory-api <version> starting: ...`).
"""

INVENTORY_COMMITS = [
    Commit(
        "init",
        DANIEL,
        "2026-02-23T10:14:52-05:00",
        "inventory-api: stock lookups and reservations on PostgreSQL, Redis read cache",
        "Replaces the stock endpoints of the old monolith. Telemetry goes to Application Insights with\n"
        "the Go SDK (requests, dependencies, exceptions).",
        {
            ".gitignore": "/inventory-api\n*.test\n",
            "README.md": INVENTORY_README,
            "Dockerfile": INVENTORY_DOCKERFILE,
            "go.mod": GO_MOD_V1,
            "config/config.yaml": CONFIG_V1,
            "cmd/inventory-api/main.go": MAIN_GO_V1,
            "internal/config/config.go": CONFIG_GO_V1,
            "internal/store/db.go": DB_GO_V1,
            "internal/store/stock.go": STOCK_GO_V1,
            "internal/store/stock_test.go": STOCK_TEST_GO,
            "internal/cache/cache.go": CACHE_GO_V1,
            "internal/api/handlers.go": HANDLERS_GO_V1,
            "internal/telemetry/telemetry.go": TELEMETRY_GO,
            "internal/telemetry/requests.go": REQUESTS_GO,
        },
    ),
    Commit(
        "reserve-tx",
        FATIMA,
        "2026-02-24T15:31:09+01:00",
        "store: reservations in one transaction with SELECT ... FOR UPDATE (#61)",
        "Two checkouts could both take the last item.",
        {"internal/store/stock.go": STOCK_GO_V2, "internal/store/reservations.go": RESERVATIONS_GO_V1},
    ),
    Commit(
        "cache-ttl",
        DANIEL,
        "2026-02-26T11:02:44-05:00",
        "cache: 30 s TTL on stock entries, forget a SKU when it is reserved (#63)",
        "",
        {
            "config/config.yaml": CONFIG_V2,
            "internal/cache/cache.go": CACHE_GO_V2,
            "cmd/inventory-api/main.go": MAIN_GO_V2,
            "internal/config/config.go": CONFIG_GO_V1,
        },
    ),
    Commit(
        "pool-stats",
        RAJ,
        "2026-02-27T14:20:13+00:00",
        "telemetry: database pool statistics every minute (#64)",
        "db.pool.* metrics in AppMetrics, per replica.",
        {"internal/telemetry/poolstats.go": POOL_STATS_GO, "cmd/inventory-api/main.go": MAIN_GO_V3},
        tag="v4.4.0",
    ),
    Commit(
        "batch-get",
        FATIMA,
        "2026-03-03T16:45:37+01:00",
        "api: POST /v1/stock:batchGet for catalog listings (#66)",
        "catalog-api made one call per product on a listing page.",
        {
            "internal/api/handlers.go": HANDLERS_GO_V2,
            "internal/store/stock.go": STOCK_GO_V3,
            "internal/cache/cache.go": CACHE_GO_V3,
        },
    ),
    Commit(
        "config-split",
        RAJ,
        "2026-03-04T09:58:21+00:00",
        "config: base.yaml plus one file per environment (#67)",
        "Staging had been running with production's host names overridden by environment variables.",
        {
            "config/config.yaml": None,
            "config/base.yaml": BASE_YAML_V1,
            "config/production.yaml": PRODUCTION_YAML_V1,
            "config/staging.yaml": STAGING_YAML,
            "internal/config/config.go": CONFIG_GO_V2,
            "internal/api/handlers.go": HANDLERS_GO_V2B,
            "cmd/inventory-api/main.go": MAIN_GO_V4,
        },
    ),
    Commit(
        "pgx",
        RAJ,
        "2026-03-05T10:12:40+00:00",
        "deps: pgx 5.5.5",
        "",
        {"go.mod": GO_MOD_V2},
        tag="v4.5.0",
    ),
    Commit(
        "expiry",
        ELENA,
        "2026-03-10T13:27:04+01:00",
        "reservations: release unconfirmed reservations after the hold (#70)",
        "",
        {"internal/store/reservations.go": RESERVATIONS_GO_V2, "cmd/inventory-api/main.go": MAIN_GO_V5},
    ),
    Commit(
        "reset-retry",
        DANIEL,
        "2026-03-12T10:40:58-04:00",
        "store: retry a read once when its connection was reset (#72)",
        "A few times an hour, mostly at night, the first query on a connection that sat idle fails with\n"
        "ECONNRESET. Reads are safe to retry; the reset is still recorded as a warning.",
        {"internal/store/db.go": DB_GO_V2, "internal/store/stock.go": STOCK_GO_V4},
        tag="v4.6.0",
    ),
    Commit(
        "timeout",
        ELENA,
        "2026-03-17T11:05:33+01:00",
        "api: 3 s request timeout (#74)",
        "",
        {
            "internal/api/handlers.go": HANDLERS_GO_V3,
            "config/base.yaml": BASE_YAML_V2,
            "internal/config/config.go": CONFIG_GO_V3,
        },
    ),
    Commit(
        "idle-conns",
        RAJ,
        "2026-03-19T16:52:07+00:00",
        "config: production keeps no idle database connections (#76)",
        "The resets on idle connections are still there after #72, and writes are not retried. Azure\n"
        "closes a connection after about 4 minutes idle, so don't keep any: max_idle_conns 0 in\n"
        "production. Staging stays as it is for now.",
        {"config/production.yaml": PRODUCTION_YAML_V2},
    ),
    Commit(
        "batch-query",
        FATIMA,
        "2026-03-20T14:18:45+01:00",
        "stock: batchGet reads cache misses in one query (#77)",
        "WHERE sku = ANY($1) instead of one query per SKU; a listing page with a cold cache made up to\n"
        "48 round trips.",
        {"internal/store/stock.go": STOCK_GO_V5},
    ),
    Commit(
        "config-docs",
        ELENA,
        "2026-03-23T10:36:29+01:00",
        "docs: configuration reference",
        "",
        {"docs/config.md": CONFIG_DOC},
        tag="v4.7.0",
    ),
    Commit(
        "expiry-metric",
        ELENA,
        "2026-03-24T08:52:16+01:00",
        "reservations: count expired reservations per sweep (#78)",
        "",
        {"internal/store/reservations.go": RESERVATIONS_GO_V3},
    ),
]

# ---------------------------------------------------------------------------------------------------
# catalog (Node.js, JavaScript)
# ---------------------------------------------------------------------------------------------------

CATALOG_PACKAGE_V1 = """{
  "name": "catalog-api",
  "version": "2.9.0",
  "private": true,
  "type": "module",
  "main": "src/server.js",
  "scripts": {
    "start": "node src/server.js",
    "test": "node --test"
  },
  "dependencies": {
    "@azure/cosmos": "^3.17.3",
    "applicationinsights": "^2.9.5",
    "fastify": "^4.25.2",
    "undici": "^6.6.2"
  }
}
"""
CATALOG_PACKAGE_V2 = edit(
    CATALOG_PACKAGE_V1,
    ('"@azure/cosmos": "^3.17.3"', '"@azure/cosmos": "^4.0.0"'),
    ('"fastify": "^4.25.2"', '"fastify": "^4.26.2"'),
)
CATALOG_PACKAGE_V3 = edit(CATALOG_PACKAGE_V2, ('"undici": "^6.6.2"', '"undici": "^6.11.1"'))

CATALOG_README = """# catalog-api

Product and category pages' data for the Northwind storefront (Node.js 20, Fastify). Products live
in Cosmos DB (`cosmos-catalog-prod`, container `products`); stock comes from inventory-api.

Container App `ca-catalog-api`, Application Insights role `catalog-api`.

    npm ci && npm test
"""

CATALOG_DOCKERFILE = """FROM node:20-alpine
WORKDIR /app
COPY package*.json ./
RUN npm ci --omit=dev
COPY src ./src
CMD ["node", "src/server.js"]
"""

SERVER_JS = """import appInsights from "applicationinsights";
import Fastify from "fastify";
import { categoryRoutes } from "./routes/categories.js";
import { productRoutes } from "./routes/products.js";

appInsights.setup().setAutoCollectExceptions(true).setAutoCollectDependencies(true).start();
appInsights.defaultClient.context.tags[appInsights.defaultClient.context.keys.cloudRole] = "catalog-api";

const app = Fastify({ logger: true });
app.register(productRoutes);
app.register(categoryRoutes);
app.get("/healthz", async () => ({ ok: true }));

await app.listen({ host: "0.0.0.0", port: 8080 });
"""
COSMOS_JS = """import { CosmosClient } from "@azure/cosmos";

const client = new CosmosClient({ endpoint: process.env.COSMOS_ENDPOINT, key: process.env.COSMOS_KEY });
export const products = client.database("catalog").container("products");

export async function productBySlug(slug) {
  const { resources } = await products.items
    .query({ query: "SELECT * FROM p WHERE p.slug = @slug", parameters: [{ name: "@slug", value: slug }] })
    .fetchAll();
  return resources[0];
}

export async function productsInCategory(category, page, pageSize) {
  const { resources } = await products.items
    .query({
      query:
        "SELECT * FROM p WHERE ARRAY_CONTAINS(p.categories, @category) " +
        "ORDER BY p.rank OFFSET @offset LIMIT @limit",
      parameters: [
        { name: "@category", value: category },
        { name: "@offset", value: page * pageSize },
        { name: "@limit", value: pageSize },
      ],
    })
    .fetchAll();
  return resources;
}
"""

INVENTORY_JS_V1 = """import { request } from "undici";

const base = process.env.INVENTORY_URL ?? "http://ca-inventory-api";

/** Stock of one SKU, or null when inventory-api does not know it. */
export async function stockOf(sku) {
  const { statusCode, body } = await request(`${base}/v1/stock/${encodeURIComponent(sku)}`);
  if (statusCode === 404) {
    await body.dump();
    return null;
  }
  return body.json();
}
"""
INVENTORY_JS_V2 = (
    INVENTORY_JS_V1
    + """
/** Stock of up to 48 SKUs in one call, keyed by SKU. */
export async function stockOfMany(skus) {
  const { body } = await request(`${base}/v1/stock:batchGet`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ skus }),
  });
  return body.json();
}
"""
)

PRODUCTS_JS_V1 = """import { productBySlug } from "../cosmos.js";

export function productView(product) {
  return {
    slug: product.slug,
    name: product.name,
    price: { amount: product.price.amount, currency: product.price.currency },
    images: product.images,
  };
}

export async function productRoutes(app) {
  app.get("/products/:slug", async (req, reply) => {
    const product = await productBySlug(req.params.slug);
    if (!product) {
      return reply.code(404).send({ error: "unknown product" });
    }
    return productView(product);
  });
}
"""
PRODUCTS_JS_V2 = """import { productBySlug } from "../cosmos.js";
import { stockOf } from "../inventory.js";

export function productView(product, stock) {
  return {
    slug: product.slug,
    name: product.name,
    price: { amount: product.price.amount, currency: product.price.currency },
    images: product.images,
    available: stock?.available ?? 0,
  };
}

export async function productRoutes(app) {
  app.get("/products/:slug", async (req, reply) => {
    const product = await productBySlug(req.params.slug);
    if (!product) {
      return reply.code(404).send({ error: "unknown product" });
    }
    const stock = await stockOf(product.sku);
    return productView(product, stock);
  });
}
"""
PRODUCTS_JS_V3 = edit(
    PRODUCTS_JS_V2,
    (
        "    price: { amount: product.price.amount, currency: product.price.currency },\n",
        "    price: { amount: product.price.amount, currency: product.price.currency },\n"
        "    unitPrice:\n"
        "      product.packSize > 1 ? Math.round((product.price.amount / product.packSize) * 100) / 100 : null,\n",
    ),
)
PRODUCTS_JS_V4 = edit(
    PRODUCTS_JS_V3,
    ("    images: product.images,\n", '    images: product.images.map((src) => src.replace(/\\.jpg$/, ".webp")),\n'),
)

CATEGORIES_JS_V1 = """import { productsInCategory } from "../cosmos.js";
import { productView } from "./products.js";

const PAGE_SIZE = 24;

export async function categoryRoutes(app) {
  app.get("/categories/:slug", async (req) => {
    const page = Number(req.query.page ?? 0);
    const products = await productsInCategory(req.params.slug, page, PAGE_SIZE);
    return { page, products: products.map((p) => productView(p)) };
  });
}
"""
CATEGORIES_JS_V2 = """import { productsInCategory } from "../cosmos.js";
import { stockOfMany } from "../inventory.js";
import { productView } from "./products.js";

const PAGE_SIZE = 24;

export async function categoryRoutes(app) {
  app.get("/categories/:slug", async (req) => {
    const page = Number(req.query.page ?? 0);
    const products = await productsInCategory(req.params.slug, page, PAGE_SIZE);
    const stock = await stockOfMany(products.map((p) => p.sku));
    return { page, products: products.map((p) => productView(p, stock[p.sku])) };
  });
}
"""
CATEGORIES_JS_V3 = edit(
    CATEGORIES_JS_V2,
    (
        "    const products = await productsInCategory(req.params.slug, page, PAGE_SIZE);\n",
        "    const filter = normalise(req.query.filter);\n"
        "    const products = (await productsInCategory(req.params.slug, page, PAGE_SIZE)).filter(\n"
        "      (p) => !filter || normalise(p.name).includes(filter),\n"
        "    );\n",
    ),
    (
        "export async function categoryRoutes(app) {",
        '/** Lower case, no accents, so "creme" finds "Crème". */\n'
        "function normalise(text) {\n"
        '  return text?.normalize("NFD").replace(/\\p{Diacritic}/gu, "").toLowerCase();\n'
        "}\n\n"
        "export async function categoryRoutes(app) {",
    ),
)
CATEGORIES_JS_V4 = edit(
    CATEGORIES_JS_V3,
    (
        "    const stock = await stockOfMany(products.map((p) => p.sku));\n",
        "    // Stock for the next page too, so scrolling does not wait for inventory-api (#212).\n"
        "    const next = await productsInCategory(req.params.slug, page + 1, PAGE_SIZE);\n"
        "    const [stock, nextStock] = await Promise.all([\n"
        "      stockOfMany(products.map((p) => p.sku)),\n"
        "      next.length ? stockOfMany(next.map((p) => p.sku)) : {},\n"
        "    ]);\n"
        "    prefetched.set(`${req.params.slug}:${page + 1}`, nextStock);\n",
    ),
    ("const PAGE_SIZE = 24;\n", "const PAGE_SIZE = 24;\nconst prefetched = new Map();\n"),
)

PRODUCTS_TEST_JS = """import assert from "node:assert/strict";
import { test } from "node:test";
import { productView } from "../src/routes/products.js";

test("a product shows its available stock", () => {
  const product = { slug: "mug", name: "Mug", price: { amount: 9.5, currency: "EUR" }, images: [], packSize: 1 };
  assert.equal(productView(product, { available: 4 }).available, 4);
});

test("a multipack shows its unit price", () => {
  const product = { slug: "mugs-6", name: "Mugs", price: { amount: 30, currency: "EUR" }, images: [], packSize: 6 };
  assert.equal(productView(product, null).unitPrice, 5);
});
"""

CATALOG_COMMITS = [
    Commit(
        "init",
        SAM,
        "2026-02-25T09:47:18+01:00",
        "catalog-api: products and categories from Cosmos DB",
        "",
        {
            ".gitignore": "node_modules/\n",
            "README.md": CATALOG_README,
            "Dockerfile": CATALOG_DOCKERFILE,
            "package.json": CATALOG_PACKAGE_V1,
            "src/server.js": SERVER_JS,
            "src/cosmos.js": COSMOS_JS,
            "src/routes/products.js": PRODUCTS_JS_V1,
            "src/routes/categories.js": CATEGORIES_JS_V1,
        },
    ),
    Commit(
        "product-stock",
        LINH,
        "2026-02-27T17:22:40+07:00",
        "products: show available stock from inventory-api",
        "",
        {"src/inventory.js": INVENTORY_JS_V1, "src/routes/products.js": PRODUCTS_JS_V2},
    ),
    Commit(
        "listing-stock",
        SAM,
        "2026-03-04T14:09:55+01:00",
        "categories: stock badges from POST /v1/stock:batchGet (#198)",
        "Needs inventory-api 4.5.0.",
        {"src/inventory.js": INVENTORY_JS_V2, "src/routes/categories.js": CATEGORIES_JS_V2},
        tag="v2.10.0",
    ),
    Commit(
        "deps",
        LINH,
        "2026-03-09T15:40:12+07:00",
        "deps: fastify 4.26.2, @azure/cosmos 4.0.0",
        "",
        {"package.json": CATALOG_PACKAGE_V2},
    ),
    Commit(
        "unit-price",
        SAM,
        "2026-03-12T11:18:03+01:00",
        "products: unit price for multipacks (#203)",
        "",
        {"src/routes/products.js": PRODUCTS_JS_V3, "test/products.test.js": PRODUCTS_TEST_JS},
    ),
    Commit(
        "filter",
        LINH,
        "2026-03-16T16:55:31+07:00",
        "categories: accent-insensitive name filter (#207)",
        "",
        {"src/routes/categories.js": CATEGORIES_JS_V3},
        tag="v2.11.0",
    ),
    Commit(
        "prefetch",
        SAM,
        "2026-03-19T10:31:47+01:00",
        "listing: fetch the next page's stock with the current one (#212)",
        "Scrolling to the next page waited ~40 ms for inventory-api; now it is already there. Doubles\n"
        "the batchGet calls, which inventory-api answers from Redis almost always.",
        {"src/routes/categories.js": CATEGORIES_JS_V4},
    ),
    Commit(
        "webp",
        LINH,
        "2026-03-20T18:02:26+07:00",
        "images: serve WebP from the CDN (#214)",
        "",
        {"src/routes/products.js": PRODUCTS_JS_V4},
    ),
    Commit(
        "undici",
        SAM,
        "2026-03-23T09:12:58+01:00",
        "deps: undici 6.11.1",
        "",
        {"package.json": CATALOG_PACKAGE_V3},
        tag="v2.12.0",
    ),
]

# ---------------------------------------------------------------------------------------------------
# fulfillment (Python)
# ---------------------------------------------------------------------------------------------------

FULFILLMENT_PYPROJECT_V1 = """[project]
name = "fulfillment"
version = "1.16.0"
requires-python = ">=3.12"
dependencies = [
  "azure-identity>=1.15",
  "azure-monitor-opentelemetry>=1.2",
  "azure-servicebus>=7.11,<7.12",
  "httpx>=0.27",
]

[project.optional-dependencies]
dev = ["pytest>=8", "respx>=0.21"]
"""
FULFILLMENT_PYPROJECT_V2 = edit(
    FULFILLMENT_PYPROJECT_V1, ('"azure-servicebus>=7.11,<7.12"', '"azure-servicebus>=7.12,<7.13"')
)

FULFILLMENT_DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .
CMD ["python", "-m", "fulfillment.worker"]
"""

FULFILLMENT_README = """# fulfillment

Worker that ships paid orders: it reads `orders-paid` from Service Bus (`sb-northwind-prod`), commits
the order's stock reservations in inventory-api, and books a shipment with the carrier.

Container App `ca-fulfillment-worker`, Application Insights role `fulfillment-worker`.
"""

WORKER_PY_V1 = '''"""Reads orders-paid and ships each order."""

from __future__ import annotations

import json
import logging
import os

from azure.identity import DefaultAzureCredential
from azure.monitor.opentelemetry import configure_azure_monitor
from azure.servicebus import ServiceBusClient

from fulfillment import carriers

log = logging.getLogger("fulfillment.worker")


def handle(order: dict) -> None:
    shipment = carriers.create_shipment(order)
    log.info("shipment %s booked for order %s", shipment["id"], order["id"])


def main() -> None:
    configure_azure_monitor()
    client = ServiceBusClient(os.environ["SERVICEBUS_NAMESPACE"], DefaultAzureCredential())
    with client.get_queue_receiver("orders-paid") as receiver:
        for message in receiver:
            handle(json.loads(str(message)))
            receiver.complete_message(message)


if __name__ == "__main__":
    main()
'''
WORKER_PY_V2 = edit(
    WORKER_PY_V1,
    (
        "            handle(json.loads(str(message)))\n            receiver.complete_message(message)\n",
        "            try:\n"
        "                handle(json.loads(str(message)))\n"
        "            except carriers.CarrierRateLimited:\n"
        '                log.warning("carrier rate limit, %s requeued", message.message_id, exc_info=True)\n'
        "                receiver.abandon_message(message)\n"
        "                continue\n"
        "            receiver.complete_message(message)\n",
    ),
)
WORKER_PY_V3 = edit(
    WORKER_PY_V2,
    ("from fulfillment import carriers\n", "from fulfillment import carriers, inventory\n"),
    (
        "def handle(order: dict) -> None:\n",
        "def handle(order: dict) -> None:\n"
        '    for reservation in order["reservations"]:\n'
        "        inventory.commit(reservation)\n",
    ),
)
WORKER_PY_V4 = edit(
    WORKER_PY_V3,
    ('client.get_queue_receiver("orders-paid")', 'client.get_queue_receiver("orders-paid", prefetch_count=20)'),
)

INVENTORY_PY = '''"""inventory-api: a paid order's reservations become sales."""

from __future__ import annotations

import os

import httpx

_client = httpx.Client(base_url=os.environ.get("INVENTORY_URL", "http://ca-inventory-api"), timeout=5.0)


def commit(reservation_id: str) -> None:
    _client.post(f"/v1/reservations/{reservation_id}:commit").raise_for_status()
'''

CARRIERS_PY_V1 = '''"""Booking shipments with the carrier."""

from __future__ import annotations

import os

import httpx

_client = httpx.Client(
    base_url="https://api.parcelpoint.example",
    headers={"Authorization": f"Bearer {os.environ.get('CARRIER_TOKEN', '')}"},
)


def create_shipment(order: dict) -> dict:
    shipment = {"reference": order["id"], "address": order["address"], "parcels": order["parcels"]}
    response = _client.post("/v2/shipments", json=shipment)
    response.raise_for_status()
    return response.json()
'''
CARRIERS_PY_V2 = '''"""Booking shipments with the carrier."""

from __future__ import annotations

import os

import httpx

_client = httpx.Client(
    base_url="https://api.parcelpoint.example",
    headers={"Authorization": f"Bearer {os.environ.get('CARRIER_TOKEN', '')}"},
)


class CarrierRateLimited(Exception):
    """The carrier answered 429; the message goes back to the queue and is retried later."""


def create_shipment(order: dict) -> dict:
    shipment = {"reference": order["id"], "address": order["address"], "parcels": order["parcels"]}
    response = _client.post("/v2/shipments", json=shipment)
    if response.status_code == 429:
        retry_after = response.headers.get("Retry-After", "?")
        raise CarrierRateLimited(f"carrier answered 429 Too Many Requests (retry after {retry_after} s)")
    response.raise_for_status()
    return response.json()
'''
CARRIERS_PY_V3 = edit(
    CARRIERS_PY_V2,
    (
        "    response.raise_for_status()\n    return response.json()\n",
        "    response.raise_for_status()\n    shipment = response.json()\n"
        '    if any(parcel["weight_kg"] > 2 for parcel in order["parcels"]):\n'
        '        shipment["label"] = labels.pdf_label(shipment)\n'
        "    return shipment\n",
    ),
    ("import httpx\n", "import httpx\n\nfrom fulfillment import labels\n"),
)
CARRIERS_PY_V4 = '''"""Booking shipments with the carrier: ParcelPoint everywhere, Benelux Express for BE, NL and LU."""

from __future__ import annotations

import os

import httpx

from fulfillment import labels

_carriers = {
    "parcelpoint": httpx.Client(
        base_url="https://api.parcelpoint.example",
        headers={"Authorization": f"Bearer {os.environ.get('CARRIER_TOKEN', '')}"},
    ),
    "benelux": httpx.Client(
        base_url="https://api.benelux-express.example", headers={"X-Api-Key": os.environ.get("BENELUX_KEY", "")}
    ),
}


class CarrierRateLimited(Exception):
    """The carrier answered 429; the message goes back to the queue and is retried later."""


def carrier_for(order: dict) -> str:
    return "benelux" if order["address"]["country"] in {"BE", "NL", "LU"} else "parcelpoint"


def create_shipment(order: dict) -> dict:
    client = _carriers[carrier_for(order)]
    shipment = {"reference": order["id"], "address": order["address"], "parcels": order["parcels"]}
    response = client.post("/v2/shipments", json=shipment)
    if response.status_code == 429:
        retry_after = response.headers.get("Retry-After", "?")
        raise CarrierRateLimited(f"carrier answered 429 Too Many Requests (retry after {retry_after} s)")
    response.raise_for_status()
    shipment = response.json()
    if any(parcel["weight_kg"] > 2 for parcel in order["parcels"]):
        shipment["label"] = labels.pdf_label(shipment)
    return shipment
'''

LABELS_PY = '''"""Shipping labels for heavy parcels, which the carrier wants as PDF."""

from __future__ import annotations

import base64


def pdf_label(shipment: dict) -> str:
    """The carrier's label for `shipment`, base64 PDF as the warehouse printers take it."""
    return base64.b64encode(shipment["label_pdf"].encode()).decode()
'''

CARRIERS_TEST_PY = """from fulfillment.carriers import carrier_for


def test_benelux_orders_go_to_benelux_express() -> None:
    assert carrier_for({"address": {"country": "NL"}}) == "benelux"


def test_other_orders_go_to_parcelpoint() -> None:
    assert carrier_for({"address": {"country": "DE"}}) == "parcelpoint"
"""

FULFILLMENT_COMMITS = [
    Commit(
        "init",
        PIOTR,
        "2026-02-24T13:02:49+01:00",
        "fulfillment-worker: book shipments for paid orders",
        "",
        {
            ".gitignore": "__pycache__/\n.venv/\n",
            "README.md": FULFILLMENT_README,
            "pyproject.toml": FULFILLMENT_PYPROJECT_V1,
            "Dockerfile": FULFILLMENT_DOCKERFILE,
            "fulfillment/__init__.py": '"""Ships paid orders."""\n',
            "fulfillment/worker.py": WORKER_PY_V1,
            "fulfillment/carriers.py": CARRIERS_PY_V1,
        },
    ),
    Commit(
        "rate-limit",
        GRACE,
        "2026-02-26T15:44:30+00:00",
        "carriers: on 429 give the message back to the queue",
        "The carrier limits us to 10 bookings a second per account; bursts after lunch hit it.",
        {"fulfillment/carriers.py": CARRIERS_PY_V2, "fulfillment/worker.py": WORKER_PY_V2},
    ),
    Commit(
        "commit-reservations",
        PIOTR,
        "2026-03-02T10:27:15+01:00",
        "inventory: commit the order's reservations before booking the shipment",
        "",
        {"fulfillment/inventory.py": INVENTORY_PY, "fulfillment/worker.py": WORKER_PY_V3},
        tag="v1.17.0",
    ),
    Commit(
        "labels",
        GRACE,
        "2026-03-06T11:50:02+00:00",
        "labels: PDF labels for parcels over 2 kg",
        "",
        {"fulfillment/labels.py": LABELS_PY, "fulfillment/carriers.py": CARRIERS_PY_V3},
    ),
    Commit(
        "servicebus",
        PIOTR,
        "2026-03-11T09:33:41+01:00",
        "deps: azure-servicebus 7.12",
        "",
        {"pyproject.toml": FULFILLMENT_PYPROJECT_V2},
        tag="v1.18.0",
    ),
    Commit(
        "benelux",
        GRACE,
        "2026-03-16T14:06:55+00:00",
        "carriers: Benelux Express for BE, NL and LU (#58)",
        "",
        {"fulfillment/carriers.py": CARRIERS_PY_V4},
    ),
    Commit(
        "prefetch",
        PIOTR,
        "2026-03-19T16:21:09+01:00",
        "worker: prefetch 20 messages",
        "",
        {"fulfillment/worker.py": WORKER_PY_V4},
        tag="v1.19.0",
    ),
    Commit(
        "carrier-tests",
        GRACE,
        "2026-03-23T12:40:37+00:00",
        "tests: carrier selection",
        "",
        {"tests/test_carriers.py": CARRIERS_TEST_PY},
    ),
]

# ---------------------------------------------------------------------------------------------------
# Telemetry
# ---------------------------------------------------------------------------------------------------

INVENTORY_TREES = {
    "4.6.0": tree_at(INVENTORY_COMMITS, "reset-retry"),
    "4.7.0": tree_at(INVENTORY_COMMITS, "config-docs"),
}
CATALOG_TREES = {"2.11.0": tree_at(CATALOG_COMMITS, "filter"), "2.12.0": tree_at(CATALOG_COMMITS, "undici")}
FULFILLMENT_TREE = tree_at(FULFILLMENT_COMMITS, "prefetch")  # 1.19.0

INVENTORY = "inventory-api"
CATALOG = "catalog-api"
FULFILLMENT = "fulfillment-worker"
PG = "psql-inventory-prod.postgres.database.azure.com | inventory"
REDIS = "redis-inventory-prod.redis.cache.windows.net:6380"
COSMOS = "cosmos-catalog-prod.documents.azure.com"
CARRIER = "api.parcelpoint.example"
SERVICE_BUS = "sb-northwind-prod.servicebus.windows.net/orders-paid"
INVENTORY_URL = "http://ca-inventory-api"
GO_MODULE = "github.com/northwind/inventory"

INVENTORY_REPLICAS = Rollout(
    "4.6.0",
    ("ca-inventory-api--v460-7b5d9c8f6-h2kxq", "ca-inventory-api--v460-7b5d9c8f6-n8vzm"),
    "4.7.0",
    ("ca-inventory-api--v470-5f9c7d6b8-c4rwj", "ca-inventory-api--v470-5f9c7d6b8-x9tlp"),
    INVENTORY_DEPLOY,
    (48, 103),
)
CATALOG_REPLICAS = Rollout(
    "2.11.0",
    ("ca-catalog-api--v2110-6c8d7f5b9-k7p2d", "ca-catalog-api--v2110-6c8d7f5b9-rz5wq"),
    "2.12.0",
    ("ca-catalog-api--v2120-8f6b5d4c7-b3n9x", "ca-catalog-api--v2120-8f6b5d4c7-m6t4h"),
    CATALOG_DEPLOY,
    (35, 81),
)
FULFILLMENT_REPLICAS = Rollout("1.19.0", ("ca-fulfillment-worker--v1190-7d5c6b9f8-q2m7r",))
TRAFFIC = [("06:30", 0.22), ("07:30", 0.38), ("08:30", 0.62), ("09:30", 0.85), ("10:30", 1.0), ("11:30", 1.0)]

SQL = {
    "SELECT stock": "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1",
    "SELECT stock (batch)": "SELECT sku, on_hand, reserved FROM stock WHERE sku = ANY($1)",
    "BEGIN": "BEGIN",
    "SELECT stock FOR UPDATE": "SELECT on_hand, reserved FROM stock WHERE sku = $1 FOR UPDATE",
    "INSERT reservations": (
        "INSERT INTO reservations (id, sku, quantity, expires_at) VALUES ($1, $2, $3, now() + $4::interval)"
    ),
    "UPDATE stock": "UPDATE stock SET reserved = reserved + $2 WHERE sku = $1",
    "COMMIT": "COMMIT",
    "UPDATE reservations": "UPDATE reservations SET status = 'committed' WHERE id = $1 AND status = 'held'",
    "UPDATE reservations (expire)": "expire stale reservations",
}
SQL_MS = {
    "SELECT stock": (1.1, 3.8),
    "SELECT stock (batch)": (1.6, 4.8),
    "BEGIN": (0.3, 0.9),
    "SELECT stock FOR UPDATE": (1.4, 7.5),
    "INSERT reservations": (0.9, 3.2),
    "UPDATE stock": (0.8, 2.9),
    "COMMIT": (0.9, 3.8),
    "UPDATE reservations": (1.0, 3.6),
    "UPDATE reservations (expire)": (2.0, 9.0),
}


def traffic(moment: datetime) -> float:
    return ramp(moment, TRAFFIC)


def go_frame(
    level: int, function: str, path: str, version: str, needle: str, after_line: str | None = None
) -> dict[str, Any]:
    """A frame of our own Go code, as the Application Insights Go SDK reports it (built with -trimpath)."""
    line = line_of(INVENTORY_TREES[version][path], needle, after_line)
    directory, _, last = function.rpartition("/")
    package = f"{directory}/{last.split('.', 1)[0]}"
    return frame(level, function, package, f"{GO_MODULE}/{path}", line)


def stdlib_frames(start: int, version: str) -> list[dict[str, Any]]:
    """net/http and our request middleware, below a handler."""
    frames = [
        ("net/http.HandlerFunc.ServeHTTP", "net/http/server.go", 2171),
        ("net/http.(*ServeMux).ServeHTTP", "net/http/server.go", 2688),
    ]
    if version == "4.7.0":
        frames.append(("net/http.(*timeoutHandler).ServeHTTP.func1", "net/http/server.go", 3578))
    stack = [frame(start + i, f, "net/http", p, n) for i, (f, p, n) in enumerate(frames)]
    stack.append(
        go_frame(
            start + len(stack),
            f"{GO_MODULE}/internal/telemetry.Requests.func1",
            "internal/telemetry/requests.go",
            version,
            "next.ServeHTTP(rec",
        )
    )
    stack += [
        frame(len(stack) + start, "net/http.HandlerFunc.ServeHTTP", "net/http", "net/http/server.go", 2171),
        frame(len(stack) + start + 1, "net/http.serverHandler.ServeHTTP", "net/http", "net/http/server.go", 3142),
        frame(len(stack) + start + 2, "net/http.(*conn).serve", "net/http", "net/http/server.go", 2044),
    ]
    return stack


@dataclass
class World:
    t: Telemetry
    carrier_busy: list[tuple[datetime, datetime]]
    pool_use: dict[tuple[str, datetime], int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rng(self) -> random.Random:
        return self.t.rng

    def sku(self) -> str:
        return f"SKU-{self.rng.randint(10000, 48999)}"


def connection_ms(w: World, at: datetime, version: str) -> float:
    """Time to get a connection: from the idle pool (4.6.0), or a new TLS + SCRAM session every time (4.7.0).
    Opening a session costs Azure Database for PostgreSQL more as the connection rate climbs with traffic."""
    if version == "4.7.0" or w.rng.random() < 0.01:
        median = 18.0 + 95.0 * traffic(at) ** 1.5
        return w.rng.lognormvariate(math.log(median), 0.35)
    return w.rng.uniform(0.005, 0.05)


def pg(
    w: World, at: datetime, op: str, name: str, instance: str, version: str, acquire: bool = True, extra_ms: float = 0.0
) -> float:
    """One PostgreSQL call as store/db.go times it; `acquire` when it needs a connection from the pool."""
    low, high = SQL_MS[name]
    base = w.rng.uniform(low, high) * (3.0 if w.rng.random() < 0.03 else 1.0) + extra_ms
    waited = connection_ms(w, at, version) if acquire else 0.0
    if acquire:
        w.pool_use[(instance, at.replace(second=0, microsecond=0))] += 1
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": SQL[name]}
    return w.t.dependency(at, INVENTORY, op, name, PG, "postgresql", base + waited, "", True, **columns)


def redis(
    w: World, at: datetime, op: str, name: str, instance: str, version: str, low: float = 0.5, high: float = 2.2
) -> float:
    data = {
        "GET": "GET stock:*",
        "SET": "SET stock:* EX",
        "DEL": "DEL stock:*",
        "MGET": "MGET stock:*",
        "PIPELINE": "SET stock:* EX (pipeline)",
    }[name]
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": data}
    return w.t.dependency(at, INVENTORY, op, name, REDIS, "Redis", w.rng.uniform(low, high), "", True, **columns)


def reset_chance(at: datetime, version: str) -> float:
    """Connections Azure dropped after ~4 idle minutes; more of them when traffic is low."""
    if version == "4.7.0":
        return 0.0
    return 0.03 if at.hour < 7 else 0.015 * max(0.0, 1.1 - traffic(at))


def reset_on_read(w: World, at: datetime, op: str, instance: str, version: str, handler: str) -> float:
    """The first read fails with ECONNRESET; store.readWithRetry records it and reads again."""
    columns = {"AppRoleInstance": instance, "AppVersion": version, "Data": SQL["SELECT stock"]}
    spent = w.t.dependency(
        at, INVENTORY, op, "SELECT stock", PG, "postgresql", w.rng.uniform(0.3, 1.4), "", False, **columns
    )
    path = "internal/store/stock.go"
    frames = [
        go_frame(
            0,
            f"{GO_MODULE}/internal/store.(*Store).readWithRetry",
            "internal/store/db.go",
            version,
            "s.tel.Exception(ctx, err, contracts.Warning",
        ),
        go_frame(
            1,
            f"{GO_MODULE}/internal/store.(*Store).GetStock",
            path,
            version,
            "err := s.readWithRetry(ctx, func() error {",
        ),
    ]
    if handler == "BatchGet":
        frames.append(
            go_frame(
                2, f"{GO_MODULE}/internal/store.(*Store).BatchGet", path, version, "st, err := s.GetStock(ctx, sku)"
            )
        )
        frames.append(
            go_frame(
                3,
                f"{GO_MODULE}/internal/api.(*Handlers).BatchGet",
                "internal/api/handlers.go",
                version,
                "fresh, err := h.store.BatchGet(ctx, missing)",
            )
        )
    else:
        frames.append(
            go_frame(
                2,
                f"{GO_MODULE}/internal/api.(*Handlers).GetStock",
                "internal/api/handlers.go",
                version,
                "st, err := h.store.GetStock(ctx, sku)",
            )
        )
    frames += stdlib_frames(len(frames), version)
    port = w.rng.randint(32768, 60999)
    message = f"read tcp 10.40.2.{w.rng.choice((17, 18))}:{port}->10.40.8.5:5432: read: connection reset by peer"
    w.t.exception(
        after(at, spent),
        INVENTORY,
        op,
        "*net.OpError",
        message,
        frames,
        f"*net.OpError at {GO_MODULE}/internal/store.(*Store).readWithRetry",
        SeverityLevel=2,
        Properties={"retry": "true"},
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent + pg(
        w,
        after(at, spent + 0.2),
        op,
        "SELECT stock",
        instance,
        version,
        extra_ms=w.rng.lognormvariate(math.log(45.0), 0.3),
    )


def stock_lookup(w: World, at: datetime, op: str) -> float:
    """GET /v1/stock/{sku}; returns the request's duration."""
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    sku = w.sku()
    spent = t.ms(0.2, 0.8)
    spent += redis(w, after(at, spent), op, "GET", instance, version)
    if rng.random() < 0.16:
        if rng.random() < reset_chance(at, version):
            spent += reset_on_read(w, after(at, spent), op, instance, version, "GetStock")
        else:
            spent += pg(w, after(at, spent), op, "SELECT stock", instance, version)
        spent += redis(w, after(at, spent), op, "SET", instance, version)
    spent += t.ms(0.2, 1.0)
    t.request(
        at,
        INVENTORY,
        op,
        "GET /v1/stock/{sku}",
        f"{INVENTORY_URL}/v1/stock/{sku}",
        "200",
        spent,
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def batch_lookup(w: World, at: datetime, op: str, size: int) -> float:
    """POST /v1/stock:batchGet: one MGET, then the misses from PostgreSQL (one query each before #77)."""
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    spent = t.ms(0.3, 1.2)
    spent += redis(w, after(at, spent), op, "MGET", instance, version, 0.9, 3.4)
    misses = sum(1 for _ in range(size) if rng.random() < 0.12)
    if misses and version == "4.7.0":
        spent += pg(w, after(at, spent), op, "SELECT stock (batch)", instance, version, extra_ms=0.12 * misses)
    for _ in range(misses if version == "4.6.0" else 0):
        if rng.random() < reset_chance(at, version):
            spent += reset_on_read(w, after(at, spent), op, instance, version, "BatchGet")
        else:
            spent += pg(w, after(at, spent), op, "SELECT stock", instance, version)
    if misses:
        spent += redis(w, after(at, spent), op, "PIPELINE", instance, version, 0.8, 2.6)
    spent += t.ms(0.3, 1.5)
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/stock:batchGet",
        f"{INVENTORY_URL}/v1/stock:batchGet",
        "200",
        spent,
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def reservation(w: World, at: datetime) -> None:
    """POST /v1/reservations from checkout-api (outside this scenario)."""
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    spent = t.ms(0.3, 1.0)
    if rng.random() < 0.6 * reset_chance(at, version):
        spent += t.dependency(
            after(at, spent),
            INVENTORY,
            op,
            "BEGIN",
            PG,
            "postgresql",
            rng.uniform(0.3, 1.2),
            "",
            False,
            Data="BEGIN",
            **columns,
        )
        frames = [
            go_frame(
                0,
                f"{GO_MODULE}/internal/api.(*Handlers).fail",
                "internal/api/handlers.go",
                version,
                "h.tel.Exception(r.Context(), err, contracts.Error",
            ),
            go_frame(
                1,
                f"{GO_MODULE}/internal/api.(*Handlers).CreateReservation",
                "internal/api/handlers.go",
                version,
                "h.fail(w, r, err)",
                "err := h.store.Reserve(",
            ),
            *stdlib_frames(2, version),
        ]
        port = rng.randint(32768, 60999)
        peer = f"10.40.2.{rng.choice((17, 18))}:{port}->10.40.8.5:5432"
        message = f"begin reservation: read tcp {peer}: read: connection reset by peer"
        t.exception(
            after(at, spent),
            INVENTORY,
            op,
            "*fmt.wrapError",
            message,
            frames,
            f"*fmt.wrapError at {GO_MODULE}/internal/api.(*Handlers).fail",
            SeverityLevel=3,
            Properties={"route": "POST /v1/reservations"},
            **columns,
        )
        t.request(
            at,
            INVENTORY,
            op,
            "POST /v1/reservations",
            f"{INVENTORY_URL}/v1/reservations",
            "503",
            spent + t.ms(0.3, 1.0),
            **columns,
        )
        return
    spent += pg(w, after(at, spent), op, "BEGIN", instance, version)
    for name in ("SELECT stock FOR UPDATE", "INSERT reservations", "UPDATE stock", "COMMIT"):
        spent += pg(w, after(at, spent), op, name, instance, version, acquire=False)
    spent += redis(w, after(at, spent), op, "DEL", instance, version)
    code = "409" if rng.random() < 0.02 else "201"
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/reservations",
        f"{INVENTORY_URL}/v1/reservations",
        code,
        spent + t.ms(0.3, 1.2),
        **columns,
    )


def commit_reservation(w: World, at: datetime, op: str) -> float:
    t, rng = w.t, w.rng
    instance, version = INVENTORY_REPLICAS.pick(rng, at)
    spent = t.ms(0.2, 0.8) + pg(w, after(at, 0.5), op, "UPDATE reservations", instance, version)
    reservation_id = f"res_{rng.getrandbits(48):012x}"
    t.request(
        at,
        INVENTORY,
        op,
        "POST /v1/reservations/{id}:commit",
        f"{INVENTORY_URL}/v1/reservations/{reservation_id}:commit",
        "204",
        spent + t.ms(0.2, 0.8),
        AppRoleInstance=instance,
        AppVersion=version,
    )
    return spent


def expiry_sweeps(w: World, end: datetime) -> None:
    """Every replica releases stale reservations once a minute (no request around it)."""
    for index in range(2):
        moment = TELEMETRY_START + timedelta(seconds=7 + 23 * index)
        while moment < end:
            rollout = INVENTORY_REPLICAS
            new = moment >= rollout.at + timedelta(seconds=rollout.delays_s[index])
            instance, version = (rollout.new[index], "4.7.0") if new else (rollout.old[index], "4.6.0")
            pg(w, moment, "", "UPDATE reservations (expire)", instance, version)
            moment += timedelta(minutes=1)


def product_page(w: World, at: datetime, discontinued: bool = False) -> None:
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = CATALOG_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    slug = f"p-{rng.getrandbits(32):08x}"
    spent = t.ms(0.4, 1.5)
    spent += t.dependency(
        after(at, spent), CATALOG, op, "Query products", COSMOS, "Azure DocumentDB", t.ms(3.0, 11.0), "200", **columns
    )
    if discontinued or rng.random() < 0.012:
        catalog_type_error(w, after(at, spent + 0.3), op, instance, version)
        t.request(
            at,
            CATALOG,
            op,
            "GET /products/:slug",
            f"https://catalog.northwind.example/products/{slug}",
            "500",
            spent + t.ms(0.5, 2.0),
            **columns,
        )
        return
    took = stock_lookup(w, after(at, spent + 0.8), op) + t.ms(0.6, 2.0)
    spent += t.dependency(
        after(at, spent), CATALOG, op, f"GET /v1/stock/{w.sku()}", "ca-inventory-api", "HTTP", took, "200", **columns
    )
    t.request(
        at,
        CATALOG,
        op,
        "GET /products/:slug",
        f"https://catalog.northwind.example/products/{slug}",
        "200",
        spent + t.ms(0.8, 3.0),
        **columns,
    )


def listing_page(w: World, at: datetime) -> None:
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = CATALOG_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    slug = rng.choice(["kitchen", "garden", "lighting", "bathroom", "storage", "textiles", "tools"])
    spent = t.ms(0.4, 1.5)
    spent += t.dependency(
        after(at, spent), CATALOG, op, "Query products", COSMOS, "Azure DocumentDB", t.ms(6.0, 26.0), "200", **columns
    )
    pages = 1
    if version == "2.12.0":
        spent += t.dependency(
            after(at, spent),
            CATALOG,
            op,
            "Query products",
            COSMOS,
            "Azure DocumentDB",
            t.ms(6.0, 26.0),
            "200",
            **columns,
        )
        pages = 2
    slowest = 0.0
    for _ in range(pages):
        took = batch_lookup(w, after(at, spent + 0.9), op, rng.randint(12, 24)) + t.ms(0.6, 2.0)
        t.dependency(
            after(at, spent), CATALOG, op, "POST /v1/stock:batchGet", "ca-inventory-api", "HTTP", took, "200", **columns
        )
        slowest = max(slowest, took)
    url = f"https://catalog.northwind.example/categories/{slug}?page={rng.randint(0, 4)}"
    t.request(at, CATALOG, op, "GET /categories/:slug", url, "200", spent + slowest + t.ms(1.0, 4.0), **columns)


def catalog_type_error(w: World, at: datetime, op: str, instance: str, version: str) -> None:
    """Known bug CAT-412: a discontinued product has no price block."""
    tree = CATALOG_TREES[version]
    path = "src/routes/products.js"
    lines = (
        line_of(tree[path], "price: { amount: product.price.amount"),
        line_of(tree[path], "return productView(product, stock);"),
    )
    frames = [
        frame(0, "productView", f"at productView (/app/{path}:{lines[0]}:41)", f"/app/{path}", lines[0]),
        frame(1, "Object.<anonymous>", f"at Object.<anonymous> (/app/{path}:{lines[1]}:12)", f"/app/{path}", lines[1]),
        frame(
            2,
            "process.processTicksAndRejections",
            "at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
            "node:internal/process/task_queues",
            95,
        ),
    ]
    w.t.exception(
        at,
        CATALOG,
        op,
        "TypeError",
        "Cannot read properties of undefined (reading 'amount')",
        frames,
        "TypeError at productView",
        SeverityLevel=3,
        AppRoleInstance=instance,
        AppVersion=version,
    )


def ship_order(w: World, at: datetime) -> None:
    """fulfillment-worker processes one orders-paid message."""
    t, rng = w.t, w.rng
    op = t.operation_id()
    instance, version = FULFILLMENT_REPLICAS.pick(rng, at)
    columns = {"AppRoleInstance": instance, "AppVersion": version}
    order_id = f"ord-{rng.getrandbits(40):010x}"
    spent = t.ms(1.0, 4.0)
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        took = commit_reservation(w, after(at, spent + 1.0), op) + t.ms(1.0, 3.0)
        spent += t.dependency(
            after(at, spent),
            FULFILLMENT,
            op,
            "POST /v1/reservations/{id}:commit",
            "ca-inventory-api",
            "HTTP",
            took,
            "204",
            **columns,
        )
    limited = within(w.carrier_busy, at) and rng.random() < 0.45
    code = "429" if limited else "201"
    spent += t.dependency(
        after(at, spent),
        FULFILLMENT,
        op,
        "POST /v2/shipments",
        CARRIER,
        "HTTP",
        t.ms(25.0, 60.0) if limited else t.ms(180.0, 690.0),
        code,
        not limited,
        **columns,
    )
    if limited:
        carrier_rate_limited(w, after(at, spent + 0.5), op, columns)
        spent += t.dependency(
            after(at, spent + 1.0),
            FULFILLMENT,
            op,
            "abandon",
            SERVICE_BUS,
            "Azure Service Bus",
            t.ms(3.0, 9.0),
            "",
            **columns,
        )
    else:
        shipment = f"shp_{rng.getrandbits(40):010x}"
        t.trace(
            after(at, spent),
            FULFILLMENT,
            op,
            f"shipment {shipment} booked for order {order_id}",
            1,
            Properties={"logger": "fulfillment.worker"},
            **columns,
        )
        spent += t.dependency(
            after(at, spent + 1.0),
            FULFILLMENT,
            op,
            "complete",
            SERVICE_BUS,
            "Azure Service Bus",
            t.ms(3.0, 9.0),
            "",
            **columns,
        )
    t.request(
        at, FULFILLMENT, op, "orders-paid process", SERVICE_BUS, "0", spent + t.ms(0.5, 2.0), not limited, **columns
    )


def carrier_rate_limited(w: World, at: datetime, op: str, columns: dict[str, str]) -> None:
    tree = FULFILLMENT_TREE
    frames = [
        ("create_shipment", "fulfillment/carriers.py", "raise CarrierRateLimited("),
        ("handle", "fulfillment/worker.py", "shipment = carriers.create_shipment(order)"),
        ("main", "fulfillment/worker.py", "handle(json.loads(str(message)))"),
    ]
    stack = [frame(i, m, "fulfillment", f"/app/{p}", line_of(tree[p], n)) for i, (m, p, n) in enumerate(frames)]
    message = f"carrier answered 429 Too Many Requests (retry after {w.rng.choice((10, 20, 30))} s)"
    w.t.exception(
        at,
        FULFILLMENT,
        op,
        "fulfillment.carriers.CarrierRateLimited",
        message,
        stack,
        "fulfillment.carriers.CarrierRateLimited at create_shipment",
        SeverityLevel=2,
        Properties={"logger": "fulfillment.worker", "message": "carrier rate limit, requeued"},
        **columns,
    )


def pool_metrics(w: World, end: datetime) -> None:
    """store/poolstats.go: per replica and minute, what database/sql reports."""
    rng = w.rng
    for index in range(2):
        moment = TELEMETRY_START.replace(second=0) + timedelta(minutes=1, seconds=11 + 17 * index)
        while moment < end:
            rollout = INVENTORY_REPLICAS
            new = moment >= rollout.at + timedelta(seconds=rollout.delays_s[index])
            instance, version = (rollout.new[index], "4.7.0") if new else (rollout.old[index], "4.6.0")
            used = w.pool_use.get((instance, (moment - timedelta(minutes=1)).replace(second=0)), 0)
            if version == "4.7.0":
                values = {
                    "db.pool.open_connections": rng.choice((0, 0, 0, 1)),
                    "db.pool.idle": 0,
                    "db.pool.wait_count": 0,
                    "db.pool.max_idle_closed": used,
                }
            else:
                open_now = max(1, round(1 + 3 * traffic(moment) + rng.uniform(-0.6, 0.6)))
                values = {
                    "db.pool.open_connections": open_now,
                    "db.pool.idle": open_now - rng.choice((0, 0, 1)),
                    "db.pool.wait_count": 0,
                    "db.pool.max_idle_closed": 0,
                }
            for name, value in values.items():
                w.t.metric(
                    moment,
                    INVENTORY,
                    name,
                    [float(value)],
                    Properties={"db.system": "postgresql", "pool": "primary"},
                    AppRoleInstance=instance,
                    AppVersion=version,
                )
            moment += timedelta(minutes=1)


def startup_traces(t: Telemetry) -> None:
    for instance, delay in zip(INVENTORY_REPLICAS.new, INVENTORY_REPLICAS.delays_s, strict=True):
        message = (
            "inventory-api 4.7.0 starting: environment=production db.max_open_conns=32 db.max_idle_conns=0 "
            "db.conn_max_lifetime=30m0s db.conn_max_idle_time=10m0s"
        )
        t.trace(
            INVENTORY_DEPLOY + timedelta(seconds=delay - 14),
            INVENTORY,
            "",
            message,
            1,
            AppRoleInstance=instance,
            AppVersion="4.7.0",
        )
    for instance, delay in zip(CATALOG_REPLICAS.new, CATALOG_REPLICAS.delays_s, strict=True):
        at = CATALOG_DEPLOY + timedelta(seconds=delay - 9)
        t.trace(
            at, CATALOG, "", "Server listening at http://0.0.0.0:8080", 1, AppRoleInstance=instance, AppVersion="2.12.0"
        )


def build_telemetry(end: datetime) -> Telemetry:
    t = Telemetry(random.Random(SEED))
    rng = t.rng
    busy = [(utc("2026-03-24T06:41:00Z"), utc("2026-03-24T06:49:00Z"))] + spells(
        rng, TELEMETRY_START, end, 0.8, (120, 420)
    )
    w = World(t, busy)
    product_page(w, utc("2026-03-24T06:38:12.418Z"), discontinued=True)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 3.6 * traffic(m), 3.6):
        product_page(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 2.2 * traffic(m), 2.2):
        listing_page(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 1.6 * traffic(m), 1.6):
        reservation(w, at)
    for at in arrivals(rng, TELEMETRY_START, end, lambda m: 1.1 * traffic(m) + 0.2, 1.3):
        ship_order(w, at)
    expiry_sweeps(w, end)
    pool_metrics(w, end)
    startup_traces(t)
    return t


# ---------------------------------------------------------------------------------------------------
# Alert, topology, deployments, memory, truth
# ---------------------------------------------------------------------------------------------------

THRESHOLD_MS = 150
APP_INSIGHTS = "appi-northwind-prod"
ALERT_QUERY = (
    'AppRequests\n| where AppRoleName == "inventory-api"\n'
    "| summarize P95DurationMs = percentile(DurationMs, 95) by AppRoleName"
)


def p95(requests: list[dict[str, Any]], end: datetime) -> float:
    start, stop = iso(end - timedelta(minutes=15)), iso(end)
    durations = [
        r["DurationMs"] for r in requests if r["AppRoleName"] == INVENTORY and start <= r["TimeGenerated"] < stop
    ]
    return percentile(durations, 95)


def first_firing(requests: list[dict[str, Any]]) -> tuple[datetime, float]:
    """Every 5 minutes over the last 15; it fires when two evaluations in a row are over the threshold."""
    moment, previous = TELEMETRY_START + timedelta(minutes=15), 0.0
    while moment <= TELEMETRY_LIMIT:
        value = p95(requests, moment)
        if value > THRESHOLD_MS and previous > THRESHOLD_MS:
            if moment < INVENTORY_DEPLOY:
                raise AssertionError(f"the alert fires before the deploy, at {moment}")
            return moment, value
        moment, previous = moment + timedelta(minutes=5), value
    raise AssertionError("the alert never fires")


def alert(evaluated: datetime, value: float) -> dict[str, Any]:
    return LogAlert(
        azure=AZURE,
        app_insights=APP_INSIGHTS,
        app_id="a7c3e1f0-5d92-4b8e-9f64-2e0b7d1c8a53",
        alert_uuid="2d9e4b71-6c0a-4f3d-8e25-b1a7c9f04e68",
        origin_uuid="7f3a1c5e-0b8d-4e92-a6f1-3c5e7b9d2a40",
        rule="inventory-api p95 latency",
        severity="Sev2",
        description="inventory-api p95 request duration above 150 ms for two evaluations in a row (15 minute windows).",
        fired_at=evaluated + timedelta(seconds=38, microseconds=604122),
        window_start=evaluated - timedelta(minutes=15),
        window_end=evaluated,
        search_query=ALERT_QUERY,
        operator="GreaterThan",
        threshold=str(THRESHOLD_MS),
        metric_value=round(value, 1),
        time_aggregation="Maximum",
        metric_measure_column="P95DurationMs",
        dimensions={"AppRoleName": INVENTORY},
        runbook="memory/runbooks/inventory-latency.md",
        custom_properties={"service": "inventory", "owner": "stock-platform"},
        failing_periods=(2, 2),
    ).payload()


def topology() -> dict[str, Any]:
    a = AZURE
    base = {"env": "prod", "system": "northwind-shop"}
    env = a.resource_id("Microsoft.App/managedEnvironments", "cae-northwind-prod")
    appi = a.resource_id("Microsoft.Insights/components", APP_INSIGHTS)
    logs = a.resource_id("Microsoft.OperationalInsights/workspaces", "log-northwind-prod")
    postgres = a.resource_id("Microsoft.DBforPostgreSQL/flexibleServers", "psql-inventory-prod")
    cache = a.resource_id("Microsoft.Cache/redis", "redis-inventory-prod")
    cosmos = a.resource_id("Microsoft.DocumentDB/databaseAccounts", "cosmos-catalog-prod")
    bus = a.resource_id("Microsoft.ServiceBus/namespaces", "sb-northwind-prod")
    vault = a.resource_id("Microsoft.KeyVault/vaults", "kv-inventory-prod")
    inventory = a.resource_id("Microsoft.App/containerApps", "ca-inventory-api")
    stock = {**base, "service": "inventory", "team": "stock-platform"}
    storefront = {**base, "service": "catalog", "team": "storefront"}
    logistics = {**base, "service": "fulfillment", "team": "logistics"}
    return {
        "resources": [
            a.resource("Microsoft.App/containerApps", "ca-inventory-api", stock, [env, postgres, cache, vault, appi]),
            a.resource("Microsoft.App/containerApps", "ca-catalog-api", storefront, [env, cosmos, inventory, appi]),
            a.resource(
                "Microsoft.App/containerApps",
                "ca-fulfillment-worker",
                logistics | {"external-dependencies": CARRIER},
                [env, bus, inventory, appi],
            ),
            a.resource("Microsoft.App/managedEnvironments", "cae-northwind-prod", base, [logs]),
            a.resource(
                "Microsoft.DBforPostgreSQL/flexibleServers",
                "psql-inventory-prod",
                stock | {"sku": "Standard_D4ds_v5", "max_connections": "250"},
            ),
            a.resource("Microsoft.Cache/redis", "redis-inventory-prod", stock | {"sku": "Standard C1"}),
            a.resource("Microsoft.KeyVault/vaults", "kv-inventory-prod", stock),
            a.resource("Microsoft.DocumentDB/databaseAccounts", "cosmos-catalog-prod", storefront),
            a.resource("Microsoft.ServiceBus/namespaces", "sb-northwind-prod", logistics),
            a.resource("Microsoft.Insights/components", APP_INSIGHTS, base, [logs]),
            a.resource("Microsoft.OperationalInsights/workspaces", "log-northwind-prod", base),
        ]
    }


def deployments(shas: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    i, c, f = shas["inventory"], shas["catalog"], shas["fulfillment"]
    rows = [
        ("2026-02-27T16:03:11Z", "inventory", "staging", i["pool-stats"], "4.4.0", 64, "Raj Patel"),
        ("2026-03-02T09:40:12Z", "inventory", "production", i["pool-stats"], "4.4.0", 64, "Raj Patel"),
        ("2026-03-03T10:00:33Z", "fulfillment", "production", f["commit-reservations"], "1.17.0", None, "Piotr Nowak"),
        ("2026-03-05T13:02:47Z", "inventory", "staging", i["pgx"], "4.5.0", None, "Raj Patel"),
        ("2026-03-06T10:15:44Z", "inventory", "production", i["pgx"], "4.5.0", None, "Raj Patel"),
        ("2026-03-09T11:20:05Z", "catalog", "production", c["listing-stock"], "2.10.0", 198, "Sam Oduya"),
        ("2026-03-12T08:45:19Z", "fulfillment", "production", f["servicebus"], "1.18.0", None, "Piotr Nowak"),
        ("2026-03-12T16:30:08Z", "inventory", "staging", i["reset-retry"], "4.6.0", 72, "Daniel Kim"),
        ("2026-03-13T10:05:21Z", "inventory", "production", i["reset-retry"], "4.6.0", 72, "Daniel Kim"),
        ("2026-03-17T14:00:52Z", "catalog", "staging", c["filter"], "2.11.0", 207, "Linh Nguyen"),
        ("2026-03-18T09:31:50Z", "catalog", "production", c["filter"], "2.11.0", 207, "Linh Nguyen"),
        ("2026-03-19T17:02:44Z", "fulfillment", "staging", f["prefetch"], "1.19.0", None, "Piotr Nowak"),
        ("2026-03-20T09:12:07Z", "fulfillment", "production", f["prefetch"], "1.19.0", None, "Piotr Nowak"),
        ("2026-03-23T13:45:10Z", "catalog", "staging", c["undici"], "2.12.0", 212, "Sam Oduya"),
        ("2026-03-23T15:12:40Z", "inventory", "staging", i["config-docs"], "4.7.0", None, "Elena Rossi"),
        ("2026-03-24T07:50:00Z", "catalog", "production", c["undici"], "2.12.0", 212, "Sam Oduya"),
        ("2026-03-24T08:20:00Z", "inventory", "production", i["config-docs"], "4.7.0", None, "Elena Rossi"),
    ]
    return [deployment(*row) for row in rows]


MEMORY_INDEX = """# Memory: stock-platform

Start here; each line points to a deeper note.

- [runbooks/inventory-latency.md](runbooks/inventory-latency.md): inventory-api slow: where the
  time goes, known causes, how to roll back.
- inventory-api is the Container App `ca-inventory-api` (2 replicas), built from the `inventory` repo
  (Go). Its settings are in `config/base.yaml` plus `config/<environment>.yaml`, and it logs the pool
  settings it started with ("inventory-api <version> starting: ...").
- catalog-api (`catalog` repo, storefront team) calls us for product pages and listings;
  fulfillment-worker (`fulfillment` repo, logistics team) commits reservations; checkout-api (not in
  our workspaces) creates them.
- INV-231: a few times an hour, mostly at night, the first query on a connection that sat idle fails
  with ECONNRESET (Azure drops idle TCP connections after about 4 minutes). #72 retries reads; still
  open for writes.
- Releases: tag on main, staging, then production (manual approval). Rollback: redeploy the previous
  tag (about 4 minutes).
"""

RUNBOOK = """# Runbook: inventory-api is slow

1. Which routes and since when?
   `AppRequests | where AppRoleName == "inventory-api"
   | summarize p95 = percentile(DurationMs, 95), n = count() by Name, bin(TimeGenerated, 5m)`
2. Where does the time go? `AppDependencies | where AppRoleName == "inventory-api"
   | summarize p50 = percentile(DurationMs, 50), p95 = percentile(DurationMs, 95), n = count()
     by DependencyType, Name, bin(TimeGenerated, 5m)`.
   PostgreSQL durations include getting a connection from the pool (see `internal/store/db.go`), so
   pool trouble shows up there, not only slow queries.
3. The pool: `AppMetrics | where AppRoleName == "inventory-api" and Name startswith "db.pool."
   | summarize avg(Sum) by Name, bin(TimeGenerated, 5m)`.
4. More load? Most of our calls come from catalog-api listings (`POST /v1/stock:batchGet`). Compare
   request counts with the latency before blaming traffic; Redis answers nearly all of them.
5. Mitigate: roll back to the previous tag, or scale out `ca-inventory-api`. psql-inventory-prod
   allows 250 connections: 32 per replica times up to 6 replicas, plus admin.
"""


def truth(shas: dict[str, dict[str, str]], evaluated: datetime) -> dict[str, Any]:
    i = shas["inventory"]
    return {
        "root_cause": (
            "inventory-api release 4.7.0 (production at 08:20Z) includes "
            f"{i['idle-conns'][:12]} 'config: production keeps no idle database connections (#76)', which sets "
            "database.max_idle_conns: 0 in config/production.yaml. database/sql then closes every connection "
            "after use, so each PostgreSQL call opens a new TLS + SCRAM session with Azure Database for "
            "PostgreSQL; store/db.go times calls including getting the connection, so PostgreSQL dependency "
            "durations went from under 10 ms (p95) to 75-200 ms, growing with the connection rate as morning "
            "traffic rose, and inventory-api's request p95 went from about 20 ms to over 150 ms. The latency "
            f"alert fired at {evaluated:%H:%M}Z. db.pool.max_idle_closed in AppMetrics jumps from 0 to one per "
            "call at the deploy and the startup trace shows db.max_idle_conns=0. There is no new exception: "
            "the ECONNRESET warnings the change aimed at stop."
        ),
        "category": "config-change",
        "culprit": {"repo": "inventory", "commit": i["idle-conns"]},
        "notes": (
            "The culprit is not the newest commit of the release: #77 (batchGet misses in one query) and the "
            "docs commit came after it, and #78 on main was never deployed. Red herrings: #77 rewrote the "
            "batch stock query in internal/store/stock.go, the obvious code suspect, but it cuts round trips; "
            "#74 (3 s request timeout) shipped in the same release; catalog-api 2.12.0 went to production at "
            "07:50Z and doubled the batchGet calls (inventory request volume rises 30 minutes before, latency "
            "stays flat until 08:20Z, Redis durations never move); fulfillment-worker 1.19.0 (03-20) only "
            "prefetches messages. Recurring noise: *net.OpError ECONNRESET warnings (retried reads) and a rare "
            "*fmt.wrapError 503 on reservations before the deploy, catalog-api's TypeError on discontinued "
            "products (CAT-412), fulfillment's CarrierRateLimited 429s. Staging did not change "
            "(config/staging.yaml) and has little traffic. Mitigation: roll back to 4.6.0 or restore "
            "max_idle_conns: 16; for INV-231, set conn_max_idle_time below Azure's 4-minute idle timeout "
            "(e.g. 3m) instead."
        ),
    }


def build(output: Path) -> None:
    t = build_telemetry(TELEMETRY_LIMIT)
    evaluated, value = first_firing(t.requests)
    if evaluated != ALERT_EVALUATED:
        raise AssertionError(f"the alert now fires at {evaluated:%H:%M}Z; update ALERT_EVALUATED")
    cutoff = iso(INCIDENT)
    for rows in t.tables().values():
        rows[:] = [row for row in rows if row["TimeGenerated"] < cutoff]

    def files(shas: dict[str, dict[str, str]]) -> dict[str, bytes]:
        scenario = {
            "name": NAME,
            "description": "inventory-api p95 latency alert: PostgreSQL calls slow since release 4.7.0, no new errors",
            "incident_time": INCIDENT.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "services": [
                {"name": "inventory", "repo": "inventory", "app_role": INVENTORY},
                {"name": "catalog", "repo": "catalog", "app_role": CATALOG},
                {"name": "fulfillment", "repo": "fulfillment", "app_role": FULFILLMENT},
            ],
        }
        return {
            "scenario.json": dump_json(scenario),
            "alert.json": dump_json(alert(evaluated, value)),
            "deployments.jsonl": dump_jsonl(deployments(shas)),
            "topology.json": dump_json(topology()),
            "truth.json": dump_json(truth(shas, evaluated)),
            "memory/MEMORY.md": MEMORY_INDEX.encode(),
            "memory/runbooks/inventory-latency.md": RUNBOOK.encode(),
            **telemetry_files(t),
        }

    repos = {"inventory": INVENTORY_COMMITS, "catalog": CATALOG_COMMITS, "fulfillment": FULFILLMENT_COMMITS}
    write_scenario(output, NAME, repos, files)
    print(
        f"wrote {output}: {len(t.requests)} requests, {len(t.dependencies)} dependencies, "
        f"p95 {value:.0f} ms at {evaluated:%H:%M}Z"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / NAME)
