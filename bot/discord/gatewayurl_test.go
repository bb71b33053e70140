package discord

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestGatewayOverrideKeepsDiscordsAnswer: DISCORD_GATEWAY_URL replaces only
// the url of GET /gateway/bot; the shards and session start limits are what
// the API answered, never invented.
func TestGatewayOverrideKeepsDiscordsAnswer(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"url":"wss://gateway.example","shards":7,"session_start_limit":{"total":1000,"remaining":990,"reset_after":5,"max_concurrency":16}}`)
	}))
	defer api.Close()
	tr := &rewriteTransport{from: defaultAPIBase(), to: api.URL + "/api/v10", gateway: "ws://proxy.local:7878", next: http.DefaultTransport}
	for _, path := range []string{"/gateway/bot", "/gateway"} {
		req, _ := http.NewRequest(http.MethodGet, defaultAPIBase()+path, nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			URL               string `json:"url"`
			Shards            int    `json:"shards"`
			SessionStartLimit struct {
				MaxConcurrency int `json:"max_concurrency"`
			} `json:"session_start_limit"`
		}
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || got.URL != "ws://proxy.local:7878" || got.Shards != 7 || got.SessionStartLimit.MaxConcurrency != 16 {
			t.Errorf("GET %s through the override = %+v, %v; want the proxy's url with shards 7 and max_concurrency 16", path, got, err)
		}
	}
}
