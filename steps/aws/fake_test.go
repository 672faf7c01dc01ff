package aws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeAWS is a local server speaking just enough of the AWS wire protocols
// for the real SDK: STS query/XML, Secrets Manager and SSM JSON 1.1, and S3
// REST. It records every request so tests can assert their exact shape.
type fakeAWS struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	reqs     []fakeReq
	account  string
	arn      string
	secrets  map[string]string // SecretString by id
	binaries map[string][]byte // SecretBinary by id
	params   map[string]string
	// fail makes an operation answer with an error.
	fail map[string]fakeFailure
	// headers are added to a failure response (x-amz-bucket-region).
	failHeaders map[string]string
}

type fakeReq struct {
	Op      string // "sts:GetCallerIdentity", "s3:PutObject", …
	Method  string
	Path    string
	Header  http.Header
	Body    []byte
	Decoded map[string]any // JSON body or form values
}

type fakeFailure struct {
	Status  int
	Code    string
	Message string
	// Once makes the failure happen only on the first request.
	Once bool
}

func newFakeAWS(t *testing.T) *fakeAWS {
	f := &fakeAWS{
		t:           t,
		account:     "123456789012",
		arn:         "arn:aws:iam::123456789012:user/alice",
		secrets:     map[string]string{},
		binaries:    map[string][]byte{},
		params:      map[string]string{},
		fail:        map[string]fakeFailure{},
		failHeaders: map[string]string{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAWS) URL() string { return f.srv.URL }

func (f *fakeAWS) requests(op string) []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeReq
	for _, r := range f.reqs {
		if op == "" || r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeAWS) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	rec := fakeReq{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
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
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	fail, failing := f.fail[rec.Op]
	if failing && fail.Once {
		delete(f.fail, rec.Op)
	}
	hdrs := f.failHeaders
	f.mu.Unlock()

	if failing {
		for k, v := range hdrs {
			w.Header().Set(k, v)
		}
		f.writeError(w, rec.Op, fail)
		return
	}
	switch rec.Op {
	case "sts:GetCallerIdentity":
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>%s</Arn>
    <UserId>AIDAEXAMPLE</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, xmlEscape(f.arn), f.account)
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
			f.writeError(w, rec.Op, fakeFailure{Status: 400, Code: "ResourceNotFoundException", Message: "Secrets Manager can't find the specified secret."})
			return
		}
		writeJSON(w, out)
	case "ssm:GetParameter":
		name, _ := rec.Decoded["Name"].(string)
		f.mu.Lock()
		v, ok := f.params[name]
		f.mu.Unlock()
		if !ok {
			f.writeError(w, rec.Op, fakeFailure{Status: 400, Code: "ParameterNotFound"})
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

// writeError answers in the error format of the operation's protocol.
func (f *fakeAWS) writeError(w http.ResponseWriter, op string, e fakeFailure) {
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

// isolate makes the SDK see only what the test sets: dummy static keys, no
// shared config or credentials files of the machine, no instance metadata,
// no endpoint or profile from the developer's shell.
func isolate(t *testing.T) (dir string) {
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
