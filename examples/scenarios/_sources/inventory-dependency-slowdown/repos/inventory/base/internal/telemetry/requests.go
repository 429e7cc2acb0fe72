package telemetry

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
