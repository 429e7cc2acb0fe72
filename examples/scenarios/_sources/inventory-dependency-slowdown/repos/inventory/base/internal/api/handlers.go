// Package api is inventory-api's HTTP interface.
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
