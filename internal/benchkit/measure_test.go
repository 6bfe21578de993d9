package benchkit

import (
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"strings"
	"testing"
	"time"
)

func TestSumSeries(t *testing.T) {
	t.Parallel()
	text := `# HELP gateway_upstream_requests_total Calls to the Clever Cloud API.
# TYPE gateway_upstream_requests_total counter
gateway_upstream_requests_total{method="GET",route="v2/self",status="200"} 2
gateway_upstream_requests_total{method="GET",route="a } b",status="0"} 3.5 1700000000000
gateway_upstream_requests_total_other 100
gateway_upstream_request_duration_seconds_count{route="v2/self"} 7
gateway_upstream_requests_total 1e1
`
	got, err := sumSeries(strings.NewReader(text), "gateway_upstream_requests_total")
	if err != nil {
		t.Fatal(err)
	}
	if got != 15.5 {
		t.Errorf("sum %v, want 15.5", got)
	}
	if _, err := sumSeries(strings.NewReader("m{a=\"b\"} x\n"), "m"); err == nil {
		t.Error("a malformed value was summed")
	}
}

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	// The command name may hold spaces and parentheses.
	stat := "4242 (gw (x) y) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 50 0 0 20 0 9 0 100 0 0\n"
	got, err := parseStatCPU([]byte(stat), 100)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3*time.Second {
		t.Errorf("CPU %v, want 3s (250 + 50 ticks at 100 Hz)", got)
	}
	if _, err := parseStatCPU([]byte("4242 (gw) S 1"), 100); err == nil {
		t.Error("a short stat line was parsed")
	}
}

func TestReadProcSelf(t *testing.T) {
	t.Parallel()
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	if s.RSS <= 0 || s.PeakRSS < s.RSS || s.CPU < 0 {
		t.Errorf("implausible stats of this process: %+v", s)
	}
	if hz := ClockTick(); hz <= 0 {
		t.Errorf("clock tick %d", hz)
	}
}

// TestScrapeRuntime reads this process's own pprof endpoint: the memory
// figures subload and the bench derive their per-subscription and
// per-line numbers from must all be found.
func TestScrapeRuntime(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	before := ScrapeRuntime(srv.URL)
	sink = make([]byte, 1<<20)
	after := ScrapeRuntime(srv.URL)
	if before.HeapInuse <= 0 || before.HeapAlloc <= 0 || before.StackInuse <= 0 || before.Goroutines <= 0 {
		t.Errorf("a figure is missing: %+v", before)
	}
	if before.TotalAlloc < before.HeapAlloc {
		t.Errorf("allocated in all %d < live %d", before.TotalAlloc, before.HeapAlloc)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got < 1<<20 {
		t.Errorf("allocated %d B between the scrapes, want at least the 1 MiB made", got)
	}
	if before.NumGC < 1 || after.NumGC <= before.NumGC {
		t.Errorf("collections %d then %d: each scrape runs one", before.NumGC, after.NumGC)
	}
}

var sink []byte
