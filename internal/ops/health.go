package ops

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// pingTimeout bounds the store check of one health request: a load
// balancer's probe waits a few seconds at most, and a store slower than
// this is as good as down.
const pingTimeout = 2 * time.Second

// Pinger is a store that can say cheaply whether it is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Gateway reports the state of a Discord gateway connection.
type Gateway interface {
	Connected() bool
}

// HealthReport is the JSON body of the health check.
type HealthReport struct {
	Status  string `json:"status"`  // "ok" or "unavailable"
	Store   string `json:"store"`   // "ok" or "unreachable"
	Gateway string `json:"gateway"` // "connected", "disconnected" or "not used"
}

// Health serves the health check: 200 when the store answers a ping and
// the gateway (nil when the process does not use one) is connected, else
// 503. The store's error goes to log, not to the body, which anyone who
// reaches the port can read.
func Health(store Pinger, gw Gateway, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := HealthReport{Status: "ok", Store: "ok", Gateway: "not used"}
		ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
		defer cancel()
		if err := store.Ping(ctx); err != nil {
			log.Warn("health check: store unreachable", "err", err)
			rep.Status, rep.Store = "unavailable", "unreachable"
		}
		if gw != nil {
			rep.Gateway = "connected"
			if !gw.Connected() {
				rep.Status, rep.Gateway = "unavailable", "disconnected"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if rep.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(rep) // a failed write means the prober went away
	})
}
