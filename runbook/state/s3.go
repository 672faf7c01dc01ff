package state

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Layout under s3://bucket/prefix/:
//
//	<run>/events/0000000001.json   one object per event, its journal line
//	<run>/snapshot/0000001000.jsonl  events 1..1000 in one object
//	<run>/lock.json                who holds the run, lease expiry
//	<run>/logs/<step>.<n>.log.gz   an attempt's output (masked), gzip
//
// Event objects are immutable: written once with If-None-Match: *.

// S3Options choose the credentials, as for every AWS call of a run.
type S3Options struct {
	Profile, Region string
	// Lease is how long a lock lives unless renewed (RUNBOOK_S3_LEASE,
	// default 60s); it is renewed every Lease/3.
	Lease time.Duration
	// HTTPClient replaces the SDK's (tests).
	HTTPClient config.HTTPClient
}

// S3Store is a Store in a bucket.
type S3Store struct {
	loc    Location
	c      *s3.Client
	lease  time.Duration
	now    func() time.Time
	region string
}

// DefaultLease is a lock's lease unless RUNBOOK_S3_LEASE says otherwise.
const DefaultLease = 60 * time.Second

// OpenS3 loads the SDK's credential chain (environment, profile, SSO…)
// and makes a client for loc. A custom endpoint (AWS_ENDPOINT_URL or
// AWS_ENDPOINT_URL_S3, or the profile's endpoint_url) is used with
// path-style addressing. Throttling and 5xx are retried with backoff by
// the SDK's standard retryer (up to 5 attempts). No request is made.
func OpenS3(ctx context.Context, loc Location, o S3Options) (*S3Store, error) {
	lo := []func(*config.LoadOptions) error{config.WithLogger(logging.Nop{})}
	if o.Profile != "" {
		lo = append(lo, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		lo = append(lo, config.WithRegion(o.Region))
	}
	var hc config.HTTPClient = defaultHTTPClient()
	if o.HTTPClient != nil {
		hc = o.HTTPClient
	}
	lo = append(lo, config.WithHTTPClient(hc), config.WithRetryer(func() awssdk.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 5
			so.MaxBackoff = 2 * time.Second
		})
	}))
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, fmt.Errorf("state %s: AWS configuration: %w", loc, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // a bucket answers from any region; the SDK needs one
	}
	c := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if so.BaseEndpoint != nil && *so.BaseEndpoint != "" {
			so.UsePathStyle = true
		}
	})
	lease := o.Lease
	if lease == 0 {
		lease = DefaultLease
		if v := os.Getenv("RUNBOOK_S3_LEASE"); v != "" {
			if d, err := time.ParseDuration(v); err == nil && d >= 100*time.Millisecond {
				lease = d
			}
		}
	}
	return &S3Store{loc: loc, c: c, lease: lease, now: time.Now, region: cfg.Region}, nil
}

// defaultHTTPClient bounds connecting and waiting for an answer, so that
// a server that stopped answering is an error the engineer is told about,
// not a hang.
func defaultHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 3 * time.Second }).
		WithTransportOptions(func(tr *http.Transport) {
			tr.TLSHandshakeTimeout = 3 * time.Second
			tr.ResponseHeaderTimeout = 5 * time.Second
			tr.MaxIdleConnsPerHost = 32
		})
}

func (s *S3Store) String() string { return s.loc.String() }

// Location is the store's location.
func (s *S3Store) Location() Location { return s.loc }

func (s *S3Store) key(run string, parts ...string) string {
	k := run + "/" + strings.Join(parts, "/")
	if s.loc.Prefix != "" {
		k = s.loc.Prefix + "/" + k
	}
	return k
}

func eventName(seq int) string { return fmt.Sprintf("%010d.json", seq) }

func seqOf(key, suffix string) int {
	i := strings.LastIndexByte(key, '/')
	n, err := strconv.Atoi(strings.TrimSuffix(key[i+1:], suffix))
	if err != nil {
		return 0
	}
	return n
}

func (s *S3Store) put(ctx context.Context, key string, body []byte, ifNoneMatch bool, ifMatch string) (string, error) {
	in := &s3.PutObjectInput{Bucket: &s.loc.Bucket, Key: &key, Body: bytes.NewReader(body),
		ContentLength: awssdk.Int64(int64(len(body))), ServerSideEncryption: types.ServerSideEncryptionAes256}
	if ifNoneMatch {
		in.IfNoneMatch = awssdk.String("*")
	}
	if ifMatch != "" {
		in.IfMatch = awssdk.String(ifMatch)
	}
	out, err := s.c.PutObject(ctx, in)
	if err != nil {
		return "", s.explain(err, "put", key)
	}
	return awssdk.ToString(out.ETag), nil
}

func (s *S3Store) get(ctx context.Context, key string) ([]byte, string, error) {
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.loc.Bucket, Key: &key})
	if err != nil {
		return nil, "", s.explain(err, "get", key)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, "", fmt.Errorf("state %s: read %s: %w", s.loc, key, err)
	}
	return b, awssdk.ToString(out.ETag), nil
}

// list returns the keys under prefix after startAfter, in order.
func (s *S3Store) list(ctx context.Context, prefix, startAfter string) ([]string, error) {
	in := &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: &prefix}
	if startAfter != "" {
		in.StartAfter = &startAfter
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.explain(err, "list", prefix)
		}
		for _, o := range page.Contents {
			keys = append(keys, awssdk.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys, nil
}

// Runs lists the runs under the prefix.
func (s *S3Store) Runs(ctx context.Context) ([]string, error) {
	prefix := ""
	if s.loc.Prefix != "" {
		prefix = s.loc.Prefix + "/"
	}
	in := &s3.ListObjectsV2Input{Bucket: &s.loc.Bucket, Prefix: &prefix, Delimiter: awssdk.String("/")}
	var runs []string
	p := s3.NewListObjectsV2Paginator(s.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.explain(err, "list", prefix)
		}
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(awssdk.ToString(cp.Prefix), prefix), "/")
			if name != "" {
				runs = append(runs, name)
			}
		}
	}
	sort.Strings(runs)
	return runs, nil
}

// Events lists the run's event objects after `after` and reads them,
// starting from the latest snapshot when it covers more than `after`.
func (s *S3Store) Events(ctx context.Context, run string, after int) ([][]byte, error) {
	var lines [][]byte
	snaps, err := s.list(ctx, s.key(run, "snapshot/"), "")
	if err != nil {
		return nil, err
	}
	if n := len(snaps); n > 0 {
		if upto := seqOf(snaps[n-1], ".jsonl"); upto > after {
			b, _, err := s.get(ctx, snaps[n-1])
			if err != nil {
				return nil, err
			}
			for i, l := range bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n")) {
				if i+1 > after {
					lines = append(lines, l)
				}
			}
			after = upto
		}
	}
	keys, err := s.list(ctx, s.key(run, "events/"), s.key(run, "events", eventName(after)))
	if err != nil {
		return nil, err
	}
	got := make([][]byte, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, k := range keys {
		if want := after + 1 + i; seqOf(k, ".json") != want {
			return nil, fmt.Errorf("state %s: run %s: event %d is missing (found %s): the run's events are damaged", s.loc, run, want, k)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			got[i], _, errs[i] = s.get(ctx, k)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return append(lines, got...), nil
}

// Append writes event seq with If-None-Match: *.
func (s *S3Store) Append(ctx context.Context, run string, seq int, line []byte) error {
	key := s.key(run, "events", eventName(seq))
	_, err := s.put(ctx, key, line, true, "")
	if !isPrecondition(err) {
		return err
	}
	// Ours, when a retry of a write whose answer was lost found it done.
	if b, _, gerr := s.get(ctx, key); gerr == nil && bytes.Equal(b, line) {
		return nil
	}
	ce := &ConflictError{Run: run, Seq: seq}
	ce.Holder, _ = s.LockInfo(ctx, run)
	return ce
}

// PutSnapshot stores events 1..upto (lines joined by newlines), so that
// reading a long run takes one object instead of one per event.
func (s *S3Store) PutSnapshot(ctx context.Context, run string, upto int, data []byte) error {
	_, err := s.put(ctx, s.key(run, "snapshot", fmt.Sprintf("%010d.jsonl", upto)), data, true, "")
	if isPrecondition(err) {
		return nil // one is there already: immutable, same events
	}
	return err
}

// PutLog stores a log gzip-compressed.
func (s *S3Store) PutLog(ctx context.Context, run, rel string, data []byte) error {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	_, err := s.put(ctx, s.key(run, rel+".gz"), b.Bytes(), false, "")
	return err
}

// putLogFile stores the log at path gzip-compressed without holding it
// in memory (a step may print hundreds of megabytes): it is compressed
// into a private temporary file first, then uploaded from it.
func (s *S3Store) putLogFile(ctx context.Context, run, rel string, src *os.File) error {
	tmp, err := os.CreateTemp("", "runbook-log-*.gz")
	if err != nil {
		return fmt.Errorf("state %s: log %s: %w", s.loc, rel, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	zw := gzip.NewWriter(tmp)
	if _, err := io.Copy(zw, src); err != nil {
		return fmt.Errorf("state %s: log %s: %w", s.loc, rel, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("state %s: log %s: %w", s.loc, rel, err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	key := s.key(run, rel+".gz")
	_, err = s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.loc.Bucket, Key: &key, Body: tmp,
		ContentLength: awssdk.Int64(size), ServerSideEncryption: types.ServerSideEncryptionAes256})
	return s.explain(err, "put", key)
}

// GetLog reads a log back.
func (s *S3Store) GetLog(ctx context.Context, run, rel string) ([]byte, error) {
	b, _, err := s.get(ctx, s.key(run, rel+".gz"))
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("state %s: log %s: %w", s.loc, rel, err)
	}
	return io.ReadAll(zr)
}

// LockInfo reads lock.json.
func (s *S3Store) LockInfo(ctx context.Context, run string) (*LockInfo, error) {
	info, _, err := s.readLock(ctx, run)
	return info, err
}

func (s *S3Store) readLock(ctx context.Context, run string) (*LockInfo, string, error) {
	b, etag, err := s.get(ctx, s.key(run, "lock.json"))
	if isNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var info LockInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, "", fmt.Errorf("state %s: run %s: unreadable lock.json: %w", s.loc, run, err)
	}
	return &info, etag, nil
}

func newToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Lock creates lock.json with If-None-Match: *. A lock found there is
// refused (*HeldError) unless its lease expired and takeOver is set: it
// is then replaced with If-Match on its ETag, so that two engineers
// taking over at once cannot both win.
func (s *S3Store) Lock(ctx context.Context, run string, me Holder, takeOver bool) (Lease, error) {
	return s.lock(ctx, run, me, func(cur *LockInfo) bool { return takeOver && !cur.Live(s.now()) })
}

// lock is Lock with the choice of which holder may be replaced.
func (s *S3Store) lock(ctx context.Context, run string, me Holder, replace func(cur *LockInfo) bool) (Lease, error) {
	now := s.now().UTC()
	info := LockInfo{Who: me.Who, Host: me.Host, PID: me.PID, Start: now.Truncate(time.Second), Expires: now.Add(s.lease), Token: newToken()}
	body, _ := json.Marshal(info)
	key := s.key(run, "lock.json")
	for try := 0; try < 5; try++ {
		etag, err := s.put(ctx, key, body, true, "")
		if err == nil {
			return s.newLease(run, info, etag, nil), nil
		}
		if !isPrecondition(err) {
			return nil, err
		}
		cur, curTag, err := s.readLock(ctx, run)
		if err != nil {
			return nil, err
		}
		switch {
		case cur == nil:
			continue // released meanwhile: try again
		case cur.Token == info.Token:
			return s.newLease(run, info, curTag, nil), nil // our create, retried
		case !replace(cur):
			return nil, &HeldError{Run: run, Holder: *cur, Expired: !cur.Live(s.now()), Now: s.now()}
		}
		etag, err = s.put(ctx, key, body, false, curTag)
		if err == nil {
			return s.newLease(run, info, etag, cur), nil
		}
		if !isPrecondition(err) {
			return nil, err
		}
		// someone else took it over first: look again
	}
	return nil, fmt.Errorf("state %s: run %s: the lock keeps changing; try again", s.loc, run)
}

// s3Lease is a held lock.json, renewed every lease/3 with If-Match.
type s3Lease struct {
	s    *S3Store
	run  string
	prev *LockInfo

	mu   sync.Mutex
	info LockInfo
	etag string
	err  error
	lost chan struct{}
	stop chan struct{}
	done chan struct{}
}

func (s *S3Store) newLease(run string, info LockInfo, etag string, prev *LockInfo) *s3Lease {
	l := &s3Lease{s: s, run: run, info: info, etag: etag, prev: prev,
		lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go l.renewLoop()
	return l
}

func (l *s3Lease) Info() LockInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}
func (l *s3Lease) Previous() *LockInfo   { return l.prev }
func (l *s3Lease) Lost() <-chan struct{} { return l.lost }
func (l *s3Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

func (l *s3Lease) renewLoop() {
	defer close(l.done)
	t := time.NewTicker(l.s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if err := l.renew(); errors.Is(err, ErrLockLost) {
			return
		}
	}
}

// renew extends the lease with If-Match on the lock's ETag. A 412 means
// someone took the run over (after our lease expired): the lease is lost.
func (l *s3Lease) renew() error {
	l.mu.Lock()
	info, etag := l.info, l.etag
	l.mu.Unlock()
	info.Expires = l.s.now().UTC().Add(l.s.lease)
	body, _ := json.Marshal(info)
	ctx, cancel := context.WithTimeout(context.Background(), l.s.lease/3)
	defer cancel()
	key := l.s.key(l.run, "lock.json")
	newTag, err := l.s.put(ctx, key, body, false, etag)
	if isPrecondition(err) {
		cur, curTag, rerr := l.s.readLock(ctx, l.run)
		if rerr != nil {
			return rerr
		}
		if cur != nil && cur.Token == info.Token {
			newTag, err = curTag, nil // our renewal, retried
		} else {
			l.mu.Lock()
			l.err = fmt.Errorf("run %s: %w", l.run, ErrLockLost)
			if cur != nil {
				l.err = fmt.Errorf("run %s: %w by %s", l.run, ErrLockLost, cur.Describe(l.s.now()))
			}
			l.mu.Unlock()
			close(l.lost)
			return ErrLockLost
		}
	}
	if err != nil {
		return err // tried again at the next tick
	}
	l.mu.Lock()
	l.info, l.etag = info, newTag
	l.mu.Unlock()
	return nil
}

// Release stops renewing and deletes lock.json if it is still ours.
func (l *s3Lease) Release(ctx context.Context) error {
	select {
	case <-l.stop:
		return nil
	default:
	}
	close(l.stop)
	<-l.done
	select {
	case <-l.lost:
		return nil
	default:
	}
	cur, _, err := l.s.readLock(ctx, l.run)
	if err != nil || cur == nil || cur.Token != l.Info().Token {
		return err
	}
	key := l.s.key(l.run, "lock.json")
	_, err = l.s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &l.s.loc.Bucket, Key: &key})
	return l.s.explain(err, "delete", key)
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isPrecondition(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "ConditionalRequestConflict") {
		return true
	}
	return httpStatus(err) == http.StatusPreconditionFailed
}

func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var nk *types.NoSuchKey
	return errors.As(err, &nk) || httpStatus(err) == http.StatusNotFound
}

// s3Error is a failed call, with what it tried.
type s3Error struct {
	op, key, loc string
	err          error
}

func (e *s3Error) Error() string {
	return fmt.Sprintf("state %s: %s %s: %v", e.loc, e.op, e.key, e.err)
}
func (e *s3Error) Unwrap() error { return e.err }

func (s *S3Store) explain(err error, op, key string) error {
	if err == nil {
		return nil
	}
	return &s3Error{op: op, key: key, loc: s.loc.String(), err: err}
}

// abandon stops renewing without releasing, as a killed runbook does
// (tests).
func (l *s3Lease) abandon() {
	close(l.stop)
	<-l.done
}

// Transient reports whether err is S3 being unreachable or overloaded
// (no answer, a 5xx, throttling) rather than an answer that will not
// change by waiting (access denied, no such bucket).
func Transient(err error) bool {
	if err == nil {
		return false
	}
	var ce *ConflictError
	var he *HeldError
	if errors.As(err, &ce) || errors.As(err, &he) || errors.Is(err, ErrLockLost) {
		return false
	}
	switch st := httpStatus(err); {
	case st == 0:
		return true // no answer: connection refused, reset, timed out
	case st >= 500, st == http.StatusTooManyRequests, st == http.StatusRequestTimeout:
		return true
	}
	return false
}
