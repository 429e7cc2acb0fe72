// Package config reads config/config.yaml.
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
