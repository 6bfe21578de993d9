package benchkit

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProcStats is what /proc says of a process.
type ProcStats struct {
	RSS     int64         // resident set, bytes (VmRSS)
	PeakRSS int64         // peak resident set, bytes (VmHWM), since start or the last ResetPeakRSS
	CPU     time.Duration // user + system time since start (utime + stime)
}

var (
	vmRSS = regexp.MustCompile(`VmRSS:\s+(\d+) kB`)
	vmHWM = regexp.MustCompile(`VmHWM:\s+(\d+) kB`)
)

// ReadProc reads a process's memory from /proc/PID/status and its CPU time
// from /proc/PID/stat.
func ReadProc(pid int) (ProcStats, error) {
	var s ProcStats
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	s.RSS = kbField(vmRSS, status)
	s.PeakRSS = kbField(vmHWM, status)
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	s.CPU, err = parseStatCPU(stat, ClockTick())
	return s, err
}

func kbField(re *regexp.Regexp, b []byte) int64 {
	if f := re.FindSubmatch(b); f != nil {
		kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
		return kb << 10
	}
	return 0
}

// parseStatCPU returns utime + stime of a /proc/PID/stat line, fields 14
// and 15, counted after the command name, which may hold spaces and
// parentheses (hence the last ')').
func parseStatCPU(stat []byte, hz int64) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / time.Duration(hz), nil
}

// ClockTick is the kernel's USER_HZ, the unit of /proc CPU times:
// sysconf(_SC_CLK_TCK), which the C library reads from the auxiliary vector
// (AT_CLKTCK); 100 where that cannot be read.
var ClockTick = sync.OnceValue(func() int64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	for ; len(b) >= 16; b = b[16:] { // 64-bit (type, value) pairs
		if binary.NativeEndian.Uint64(b) == atClkTck {
			if hz := int64(binary.NativeEndian.Uint64(b[8:])); hz > 0 {
				return hz
			}
		}
	}
	return 100
})

// ResetPeakRSS makes the kernel start measuring the process's peak RSS
// (VmHWM) again from its current RSS (Linux 4.0 and later).
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// Runtime is what the Go runtime of a process says through its pprof
// endpoint.
type Runtime struct {
	HeapInuse  int64
	HeapAlloc  int64 // live objects: HeapInuse less its free slots, steadier
	StackInuse int64 // goroutine stacks, which HeapInuse leaves out
	TotalAlloc int64 // bytes ever allocated on the heap
	NumGC      int64 // completed collections, the scrape's own included
	Goroutines int
}

var (
	heapInuse       = regexp.MustCompile(`# HeapInuse = (\d+)`)
	stackInuse      = regexp.MustCompile(`# Stack = (\d+) /`)
	heapAlloc       = regexp.MustCompile(`# HeapAlloc = (\d+)`)
	totalAlloc      = regexp.MustCompile(`# TotalAlloc = (\d+)`)
	numGC           = regexp.MustCompile(`# NumGC = (\d+)`)
	goroutinesTotal = regexp.MustCompile(`goroutine profile: total (\d+)`)
)

// ScrapeRuntime reads the heap and stacks in use (after a GC) and the number of
// goroutines from a pprof endpoint (base URL, without /debug/pprof/).
// What it cannot read stays zero.
func ScrapeRuntime(pprofURL string) Runtime {
	var r Runtime
	if b := get(pprofURL + "/debug/pprof/heap?debug=1&gc=1"); b != nil {
		r.HeapInuse = number(heapInuse, b)
		r.HeapAlloc = number(heapAlloc, b)
		r.StackInuse = number(stackInuse, b)
		r.TotalAlloc = number(totalAlloc, b)
		r.NumGC = number(numGC, b)
	}
	if b := get(pprofURL + "/debug/pprof/goroutine?debug=1"); b != nil {
		r.Goroutines = int(number(goroutinesTotal, b))
	}
	return r
}

// number is the integer re's first group matches in b; 0 without a match.
func number(re *regexp.Regexp, b []byte) int64 {
	f := re.FindSubmatch(b)
	if f == nil {
		return 0
	}
	n, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return n
}

// Get fetches url whole, for a profile to save; a status other than 200 is
// an error.
func Get(url string) ([]byte, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

func get(url string) []byte {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}

// CounterSum scrapes a Prometheus text endpoint and sums every series of
// the metric name, whatever their labels.
func CounterSum(metricsURL, name string) (float64, error) {
	resp, err := http.Get(metricsURL)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", metricsURL, resp.Status)
	}
	return sumSeries(resp.Body, name)
}

// sumSeries sums the samples named name in the Prometheus text format:
// `name value` or `name{labels} value`, optionally followed by a
// timestamp. Label values may hold spaces, so the value is found after the
// labels' closing brace.
func sumSeries(r io.Reader, name string) (float64, error) {
	var sum float64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // a comment, another metric, or one whose name name prefixes
		}
		if rest[0] == '{' {
			i := strings.LastIndexByte(rest, '}')
			if i < 0 {
				return 0, fmt.Errorf("malformed sample %q", line)
			}
			rest = rest[i+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, fmt.Errorf("malformed sample %q", line)
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("malformed sample %q: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}
