module github.com/northwind/inventory

go 1.23

require (
	github.com/jackc/pgx/v5 v5.5.4
	github.com/microsoft/ApplicationInsights-Go v0.4.4
	github.com/redis/go-redis/v9 v9.5.1
	gopkg.in/yaml.v3 v3.0.1
)
