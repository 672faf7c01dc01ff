// Package awstest is a local stand-in for AWS that the real SDK can talk
// to: it speaks the STS query/XML, Secrets Manager and SSM JSON 1.1 and S3
// REST wire protocols for the few operations runbook uses, and records every
// request. Point a client at it with aws.Options.Endpoint or
// AWS_ENDPOINT_URL, after Isolate.
package awstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Server is a local server speaking just enough of the AWS wire protocols
// for the real SDK: STS query/XML, Secrets Manager and SSM JSON 1.1, and S3
// REST. It records every request so tests can assert their exact shape.
type Server struct {
	t   *testing.T
	Srv *httptest.Server

	mu       sync.Mutex
	reqs     []Request
	account  string
	arn      string
	secrets  map[string]string // SecretString by id
	binaries map[string][]byte // SecretBinary by id
	params   map[string]string
	// fail makes an operation answer with an error.
	fail map[string]Failure
	// failHeaders are added to a failure response (x-amz-bucket-region).
	failHeaders map[string]string
}

// Request is one request as the server received it.
type Request struct {
	Op      string // "sts:GetCallerIdentity", "s3:PutObject", …
	Method  string
	Path    string
	Header  http.Header
	Body    []byte
	Decoded map[string]any // JSON body or form values
}

// Failure makes an operation answer with an AWS error in its protocol's
// format.
type Failure struct {
	Status  int
	Code    string
	Message string
	// Once makes the failure happen only on the first request.
	Once bool
}

// NewServer starts a server, closed when the test ends. The caller is
// "arn:aws:iam::123456789012:user/alice" until SetIdentity.
func NewServer(t *testing.T) *Server {
	f := &Server{
		t:           t,
		account:     "123456789012",
		arn:         "arn:aws:iam::123456789012:user/alice",
		secrets:     map[string]string{},
		binaries:    map[string][]byte{},
		params:      map[string]string{},
		fail:        map[string]Failure{},
		failHeaders: map[string]string{},
	}
	f.Srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Srv.Close)
	return f
}

// URL is the endpoint to give the SDK.
func (f *Server) URL() string { return f.Srv.URL }

// SetIdentity sets what GetCallerIdentity answers.
func (f *Server) SetIdentity(account, arn string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.account, f.arn = account, arn
}

// SetSecret stores a Secrets Manager SecretString.
func (f *Server) SetSecret(id, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[id] = value
}

// SetSecretBinary stores a Secrets Manager SecretBinary.
func (f *Server) SetSecretBinary(id string, value []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.binaries[id] = value
}

// SetParameter stores an SSM parameter value.
func (f *Server) SetParameter(name, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.params[name] = value
}

// Fail makes op ("ssm:GetParameter", …) fail; headers are added to the
// error response.
func (f *Server) Fail(op string, e Failure, headers map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[op] = e
	for k, v := range headers {
		f.failHeaders[k] = v
	}
}

// Requests returns the requests received for op ("" for all), in order.
func (f *Server) Requests(op string) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.reqs {
		if op == "" || r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	rec := decode(r, body)
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	fail, failing := f.fail[rec.Op]
	if failing && fail.Once {
		delete(f.fail, rec.Op)
	}
	hdrs := maps.Clone(f.failHeaders)
	f.mu.Unlock()

	if failing {
		for k, v := range hdrs {
			w.Header().Set(k, v)
		}
		f.writeError(w, rec.Op, fail)
		return
	}
	f.answer(w, r, rec)
}

// answer gives the canned answer of a request that is not made to fail.
func (f *Server) answer(w http.ResponseWriter, r *http.Request, rec Request) {
	switch rec.Op {
	case "sts:GetCallerIdentity":
		f.mu.Lock()
		account, arn := f.account, f.arn
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, xmlEscape(arn), account)
	case "secretsmanager:GetSecretValue":
		id, _ := rec.Decoded["SecretId"].(string)
		f.mu.Lock()
		s, ok := f.secrets[id]
		b, isBin := f.binaries[id]
		f.mu.Unlock()
		out := map[string]any{"ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:" + id + "-AbCdEf", "Name": id, "VersionId": "v1"}
		switch {
		case ok:
			out["SecretString"] = s
		case isBin:
			out["SecretBinary"] = b // encoding/json writes base64, as AWS does
		default:
			f.writeError(w, rec.Op, Failure{Status: 400, Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."})
			return
		}
		writeJSON(w, out)
	case "ssm:GetParameter":
		name, _ := rec.Decoded["Name"].(string)
		f.mu.Lock()
		v, ok := f.params[name]
		f.mu.Unlock()
		if !ok {
			f.writeError(w, rec.Op, Failure{Status: 400, Code: "ParameterNotFound"})
			return
		}
		writeJSON(w, map[string]any{"Parameter": map[string]any{
			"Name": name, "Type": "SecureString", "Value": v, "Version": 3,
			"ARN": "arn:aws:ssm:us-west-2:123456789012:parameter" + name,
		}})
	case "s3:PutObject":
		w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
		w.Header().Set("x-amz-server-side-encryption", r.Header.Get("x-amz-server-side-encryption"))
		w.WriteHeader(200)
	default:
		f.t.Errorf("fake AWS: unexpected request %s %s target=%q", r.Method, r.URL, r.Header.Get("X-Amz-Target"))
		http.Error(w, "unexpected", 500)
	}
}

// decode records a request and names its operation ("sts:GetCallerIdentity")
// from the protocol's markers: a JSON target header, a query form, a PUT.
func decode(r *http.Request, body []byte) Request {
	rec := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	switch target := r.Header.Get("X-Amz-Target"); {
	case target != "":
		svc, op, _ := strings.Cut(target, ".")
		rec.Op = map[string]string{"secretsmanager": "secretsmanager", "AmazonSSM": "ssm"}[svc] + ":" + op
		_ = json.Unmarshal(body, &rec.Decoded)
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		form, _ := url.ParseQuery(string(body))
		rec.Op = "sts:" + form.Get("Action")
		rec.Decoded = map[string]any{}
		for k := range form {
			rec.Decoded[k] = form.Get(k)
		}
	case r.Method == http.MethodPut:
		rec.Op = "s3:PutObject"
	default:
		rec.Op = "unknown:" + r.Method + " " + r.URL.Path
	}
	return rec
}

// writeError answers in the error format of the operation's protocol.
func (f *Server) writeError(w http.ResponseWriter, op string, e Failure) {
	switch {
	case strings.HasPrefix(op, "sts:"):
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.Status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>r1</RequestId></ErrorResponse>`, e.Code, xmlEscape(e.Message))
	case strings.HasPrefix(op, "s3:"):
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(e.Status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>r1</RequestId></Error>`, e.Code, xmlEscape(e.Message))
	default:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-ErrorType", e.Code)
		w.WriteHeader(e.Status)
		writeJSONBody(w, map[string]any{"__type": e.Code, "message": e.Message})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	writeJSONBody(w, v)
}

func writeJSONBody(w io.Writer, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// Isolate makes the SDK see only what the test sets: dummy static keys, no
// shared config or credentials files of the machine, no instance metadata,
// no endpoint or profile from the developer's shell.
func Isolate(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
		"AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_S3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CA_BUNDLE",
		"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTESTTESTTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "dummy-secret-key")
	t.Setenv("AWS_REGION", "us-west-2")
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	for _, p := range []string{cfg, creds} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	return dir
}
