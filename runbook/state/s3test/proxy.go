package s3test

import (
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Faults are what a FaultProxy does to requests, as fractions of them.
type Faults struct {
	Drop      float64 // close the connection without forwarding
	DropAfter float64 // forward, then close without the answer (the write happened)
	Unavail   float64 // answer 503 SlowDown without forwarding
	Delay     float64 // wait up to MaxDelay before forwarding
	MaxDelay  time.Duration
	Down      bool // every request dropped (an outage)
}

// FaultProxy is a loopback HTTP proxy in front of a server that drops,
// delays and refuses requests.
type FaultProxy struct {
	URL string
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
	// Counts of what was done.
	Forwarded, Dropped, DroppedAfter, Unavailable, Delayed atomic.Int64
}

// NewFaultProxy starts a proxy to target for the test.
func NewFaultProxy(t testing.TB, target string, seed uint64) *FaultProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &FaultProxy{rng: rand.New(rand.NewPCG(seed, 3))}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // signed by the client: kept as it is
	}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.URL = "http://" + l.Addr().String()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.serve(rp, w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return p
}

// Set changes the faults.
func (p *FaultProxy) Set(f Faults) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.f = f
}

func (p *FaultProxy) roll() (f Faults, x float64, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	x = p.rng.Float64()
	if p.f.MaxDelay > 0 {
		d = time.Duration(p.rng.Int64N(int64(p.f.MaxDelay)))
	}
	return p.f, x, d
}

func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (p *FaultProxy) serve(rp *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request) {
	f, x, d := p.roll()
	switch {
	case f.Down || x < f.Drop:
		p.Dropped.Add(1)
		hangUp(w)
		return
	case x < f.Drop+f.Unavail:
		p.Unavailable.Add(1)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
		return
	case x < f.Drop+f.Unavail+f.DropAfter:
		p.DroppedAfter.Add(1)
		rec := &discard{h: http.Header{}}
		rp.ServeHTTP(rec, r)
		hangUp(w)
		return
	case x < f.Drop+f.Unavail+f.DropAfter+f.Delay:
		p.Delayed.Add(1)
		time.Sleep(d)
	}
	p.Forwarded.Add(1)
	rp.ServeHTTP(w, r)
}

// discard is a ResponseWriter that forgets the answer.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
