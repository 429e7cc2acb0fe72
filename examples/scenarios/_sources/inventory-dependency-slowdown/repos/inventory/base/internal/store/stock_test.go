package store

import "testing"

func TestAvailableIsOnHandMinusReserved(t *testing.T) {
	st := Stock{SKU: "SKU-1", OnHand: 10, Reserved: 3}
	st.Available = st.OnHand - st.Reserved
	if st.Available != 7 {
		t.Fatalf("available = %d", st.Available)
	}
}
