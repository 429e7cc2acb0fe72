package main

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
