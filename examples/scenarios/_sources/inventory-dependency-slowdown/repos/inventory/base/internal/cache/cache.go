// Package cache keeps stock lookups in Redis.
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
