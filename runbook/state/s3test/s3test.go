// Package s3test starts a real S3 server for tests: the Versity S3
// Gateway (versitygw) on a free loopback port over a temporary
// directory. Tests that need it skip, saying how to get it, when the
// binary is absent.
package s3test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Install is how to get the server.
const Install = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// Server is a running versitygw.
type Server struct {
	URL    string // http://127.0.0.1:PORT
	Addr   string
	Bucket string
	Key    string
	Secret string
}

// Binary finds versitygw: $VERSITYGW, PATH, then $GOPATH/bin.
func Binary() string {
	if p := os.Getenv("VERSITYGW"); p != "" {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		return ""
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	home, _ := os.UserHomeDir()
	for _, dir := range []string{os.Getenv("GOBIN"), filepath.Join(os.Getenv("GOPATH"), "bin"), filepath.Join(home, "go", "bin")} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, "versitygw")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

// Start runs a server for the test (stopped at its end), with one bucket,
// and points the AWS SDK of this process at it (environment variables
// AWS_ENDPOINT_URL_S3, keys, region; child processes inherit them).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if bin == "" {
		t.Skip("S3 tests need the Versity S3 Gateway, a real S3 server: " + Install + " (or set VERSITYGW to its path)")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	s := &Server{URL: "http://" + addr, Addr: addr, Bucket: "runbook-test", Key: "rbtestkey", Secret: "rbtestsecret1234"}
	cmd := exec.Command(bin, "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.Key, "ROOT_SECRET_KEY="+s.Secret)
	log, _ := os.Create(filepath.Join(t.TempDir(), "versitygw.log"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start versitygw: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("versitygw did not answer on %s within 20s: %v\n%s", addr, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	if _, err := s.Client(s.URL).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.Bucket}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return s
}

// Env is the environment that points the SDK at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_S3": s.URL, "AWS_ACCESS_KEY_ID": s.Key, "AWS_SECRET_ACCESS_KEY": s.Secret,
		"AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
}

// Client is an S3 client of the server at url (the server, or a proxy
// in front of it).
func (s *Server) Client(url string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: &url, UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.Key, s.Secret, "")})
}

// State is an s3:// location in the server's bucket.
func (s *Server) State(prefix string) string { return fmt.Sprintf("s3://%s/%s", s.Bucket, prefix) }

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
