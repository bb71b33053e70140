//go:build slow

package discord_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	openai "github.com/sashabaranov/go-openai"

	"github.com/newsbot/newsbot/bot/llm"
	"github.com/newsbot/newsbot/bot/llm/llmtest"
	"github.com/newsbot/newsbot/internal/discordtest"
)

// slowTransport adds a fixed latency to every request, as the network to
// Discord would (loopback answers in microseconds, which hides requests
// that queue behind each other).
type slowTransport struct {
	next    http.RoundTripper
	latency time.Duration
}

func (s slowTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	select {
	case <-time.After(s.latency):
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	return s.next.RoundTrip(r)
}

// TestAskBurst dispatches 200 /ask interactions within one second from 50
// users in 2 servers, with a model that takes a second to answer, over REST
// with 50 ms of simulated network latency: once with rates that allow
// everything (every question answered) and once with the default rates (5
// per user, 60 per server a minute: exactly the allowed number answered,
// the rest refused politely). Every interaction must be acknowledged
// within Discord's 3 s and the goroutines must come back to their
// baseline. It logs acknowledgement and answer latencies, peak memory and
// request counts:
//
//	go test -tags slow ./bot/discord -run TestAskBurst -v
func TestAskBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("200-interaction bursts; skipped with -short")
	}
	t.Run("unlimited", func(t *testing.T) { askBurst(t, 1000, 1000) })
	t.Run("default rates", func(t *testing.T) { askBurst(t, 5, 60) })
}

func askBurst(t *testing.T, userRate, serverRate int) {
	const (
		burst   = 200
		users   = 50
		latency = 50 * time.Millisecond
	)
	restTransport := &http.Transport{MaxIdleConnsPerHost: 10}
	llmTransport := &http.Transport{}
	srv := llmtest.New(t, func(int, openai.ChatCompletionRequest) llmtest.Reply {
		return llmtest.Reply{Delay: time.Second, Chunks: []string{"Russia is the only country ", "known to have recently recognised ", "the Taliban administration [1]."}}
	})
	model := llm.New(llm.Config{BaseURL: srv.BaseURL(), Model: "fake", HTTPClient: &http.Client{Transport: llmTransport}})
	h := start(t, options{model: model, userRate: userRate, serverRate: serverRate, transport: slowTransport{restTransport, latency}})

	// Who asks what: even users ask 6 times (one over their rate), odd
	// users twice; users 0-24 are in server A, 25-49 in server B.
	type ask struct {
		user  *discordgo.User
		guild string
	}
	var asks []ask
	sent := map[string]int{} // per server
	userAllowed := map[string]int{}
	for u := range users {
		user := &discordgo.User{ID: fmt.Sprintf("50000000000000%05d", u), Username: fmt.Sprintf("user%d", u)}
		guild := guildA
		if u >= users/2 {
			guild = guildB
		}
		n := 2
		if u%2 == 0 {
			n = 6
		}
		for range n {
			asks = append(asks, ask{user, guild})
		}
		sent[guild] += n
		userAllowed[guild] += min(n, userRate)
	}
	if len(asks) != burst {
		t.Fatalf("built %d asks; want %d", len(asks), burst)
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("shuffle seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	rng.Shuffle(len(asks), func(i, j int) { asks[i], asks[j] = asks[j], asks[i] })
	// With both limits counting only accepted questions, each server
	// accepts exactly min(its rate, what its users' rates allow).
	wantAnswered := min(serverRate, userAllowed[guildA]) + min(serverRate, userAllowed[guildB])

	baseline := settleGoroutines(t, 0, restTransport, llmTransport)
	peak := sampleMemory()
	before := len(h.fake.Requests())

	start := time.Now()
	dispatched := make([]time.Time, burst)
	inter := make([]*discordgo.Interaction, burst)
	for k, a := range asks {
		if d := time.Until(start.Add(time.Duration(k) * time.Second / burst)); d > 0 {
			time.Sleep(d)
		}
		dispatched[k] = time.Now()
		inter[k] = h.fake.SlashCommand(askCmd(a.guild, a.user, taliban))
	}
	t.Logf("dispatched %d interactions in %v", burst, time.Since(start).Round(time.Millisecond))

	var acks, finals []time.Duration
	answered, refused, slowAcks := 0, 0, 0
	ctx := waitCtx(t, 2*time.Minute)
	for k, i := range inter {
		cb, err := h.fake.WaitRequest(ctx, func(r discordtest.Request) bool {
			return r.Method == http.MethodPost && r.Path == "/interactions/"+i.ID+"/"+i.Token+"/callback"
		})
		if err != nil {
			t.Fatalf("interaction %d: no acknowledgement: %v", k, err)
		}
		ack := cb.Time.Sub(dispatched[k])
		acks = append(acks, ack)
		if ack > 3*time.Second {
			slowAcks++
		}
		if ephemeral(cb) {
			if !strings.Contains(text(cb), "try again in") {
				t.Errorf("interaction %d: ephemeral reply %q; want the rate-limit message", k, text(cb))
			}
			refused++
			continue
		}
		edit, err := h.fake.WaitRequest(ctx, func(r discordtest.Request) bool {
			if r.Method != http.MethodPatch || !strings.Contains(r.Path, "/"+i.Token+"/messages/@original") {
				return false
			}
			c, _ := r.JSON["content"].(string)
			return !strings.HasSuffix(c, " …")
		})
		if err != nil {
			t.Fatalf("interaction %d: acknowledged but never answered: %v", k, err)
		}
		if got := text(edit); !strings.Contains(got, "Russia") || !strings.Contains(got, "[1]") || edit.Status >= 300 {
			t.Errorf("interaction %d: final edit (status %d) = %s; want the model's cited answer", k, edit.Status, got)
		}
		finals = append(finals, edit.Time.Sub(dispatched[k]))
		answered++
	}
	elapsed := time.Since(start)
	peakHeap := peak()

	var edits, intermediate, failed int
	for _, r := range h.fake.Requests()[before:] {
		if r.Status >= 300 {
			failed++
		}
		if r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/messages/@original") {
			edits++
			if c, _ := r.JSON["content"].(string); strings.HasSuffix(c, " …") {
				intermediate++
			}
		}
	}
	after := settleGoroutines(t, baseline, restTransport, llmTransport)

	t.Logf("burst of %d in %v: answered %d (%.0f%%), refused by rate limits %d, wanted answered %d",
		burst, elapsed.Round(time.Millisecond), answered, 100*float64(answered)/float64(burst), refused, wantAnswered)
	t.Logf("acknowledged: p50 %v, p99 %v, max %v; over 3 s: %d", pct(acks, 50), pct(acks, 99), pct(acks, 100), slowAcks)
	t.Logf("answered (dispatch to final edit): p50 %v, p99 %v, max %v", pct(finals, 50), pct(finals, 99), pct(finals, 100))
	t.Logf("REST: %d edits (%d intermediate), %d failed requests", edits, intermediate, failed)
	t.Logf("goroutines: %d before, %d after", baseline, after)
	t.Logf("peak heap in use %.1f MiB; process peak RSS (VmHWM) %s", float64(peakHeap)/(1<<20), vmHWM())

	if answered+refused != burst {
		t.Errorf("answered %d + refused %d = %d; want all %d accounted for", answered, refused, answered+refused, burst)
	}
	if answered != wantAnswered {
		t.Errorf("answered %d; want exactly %d (the rates' allowance)", answered, wantAnswered)
	}
	if after > baseline {
		var b strings.Builder
		pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("goroutines: %d after the burst; want back to %d\n%s", after, baseline, b.String())
	}
}

// settleGoroutines closes idle connections and waits (up to 10 s) for the
// goroutine count to reach target (0: until it stops falling), returning
// the count.
func settleGoroutines(t *testing.T, target int, transports ...*http.Transport) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	last, stable := -1, 0
	for time.Now().Before(deadline) {
		for _, tr := range transports {
			tr.CloseIdleConnections()
		}
		runtime.GC()
		n := runtime.NumGoroutine()
		if target > 0 && n <= target {
			return n
		}
		if n == last {
			stable++
			if target == 0 && stable >= 5 {
				return n
			}
		} else {
			stable = 0
		}
		last = n
		time.Sleep(100 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// sampleMemory samples the heap in use every 20 ms until the returned
// function is called, which returns the peak.
func sampleMemory() func() uint64 {
	var (
		mu   sync.Mutex
		peak uint64
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak
	}
}

// vmHWM is the process's peak resident set size, from /proc (Linux).
func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := max(0, (p*len(s)+99)/100-1)
	return s[min(i, len(s)-1)].Round(time.Millisecond)
}

// waitCtx is a context for waits bounded by d, cancelled when the test ends.
func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
