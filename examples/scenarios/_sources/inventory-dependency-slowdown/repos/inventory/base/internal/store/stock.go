package store

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
