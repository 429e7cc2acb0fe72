// Package store keeps stock and reservations in PostgreSQL.
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
