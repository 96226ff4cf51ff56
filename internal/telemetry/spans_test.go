package telemetry_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/sandbox"
	"github.com/snapbridge/snapbridge/internal/shared"
	"github.com/snapbridge/snapbridge/internal/shared/redistest"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/store/sqlite"
	"github.com/snapbridge/snapbridge/internal/telemetry"
)

// recording is a Tracing whose ended spans the test reads.
func recording(t *testing.T) (*telemetry.Tracing, *tracetest.SpanRecorder, context.Context, func()) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	tr, err := telemetry.New(tp, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	return tr, rec, ctx, func() { span.End() }
}

// TestStoreCallsOfATracedRequestAreSpans: the store calls a request makes
// show below it, named for the method, engine and operation only; a
// missing row is an answer, not a failure; work outside any trace (the
// purger) makes no spans.
func TestStoreCallsOfATracedRequestAreSpans(t *testing.T) {
	tr, rec, ctx, end := recording(t)
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "snapbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	traced := tr.Store(db, "sqlite")

	if _, err := traced.MemberToken(ctx, "demo", "viewer-personal-id"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("MemberToken: %v", err)
	}
	if _, err := traced.PurgeExpired(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	end()
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("spans %d, want the store call and the request (the untraced purge makes none)", len(spans))
	}
	s, req := spans[0], spans[1]
	if s.Name() != "store MemberToken" || s.Parent().SpanID() != req.SpanContext().SpanID() || s.Status().Code == codes.Error {
		t.Errorf("span %q parent %s status %v", s.Name(), s.Parent().SpanID(), s.Status())
	}
	for _, a := range s.Attributes() {
		if strings.Contains(a.Value.String(), "viewer-personal-id") {
			t.Errorf("attribute %s carries the viewer", a.Key)
		}
	}
	if got := attrOf(s, "db.system.name") + " " + attrOf(s, "db.operation.name"); got != "sqlite MemberToken" {
		t.Errorf("attributes %v", s.Attributes())
	}
}

// TestRedisCallsOfATracedRequestAreSpansWithoutKeys: a request's Redis
// commands show below it by command name; keys, which name viewers and
// records, never appear.
func TestRedisCallsOfATracedRequestAreSpansWithoutKeys(t *testing.T) {
	srv := redistest.Start(t)
	tr, rec, ctx, end := recording(t)
	r, err := shared.NewRedis(srv.URL, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.AddHook(tr.RedisHook())

	const key = "assoc:demo:record-personal-id"
	if err := r.Set(ctx, key, []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := r.Get(ctx, "absent:"+key); err != nil || ok {
		t.Fatalf("get absent: %v %v", ok, err)
	}
	if _, _, err := r.Get(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	end()
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
		for _, a := range s.Attributes() {
			if strings.Contains(a.Value.String(), "record-personal-id") {
				t.Errorf("span %s attribute %s carries the key", s.Name(), a.Key)
			}
		}
		if s.Status().Code == codes.Error {
			t.Errorf("span %s failed: a missing key is an answer", s.Name())
		}
	}
	if strings.Join(names, ",") != "redis set,redis get,request" {
		t.Errorf("spans %v, want the request's set and get (the untraced get makes none)", names)
	}
}

func attrOf(s sdktrace.ReadOnlySpan, key string) string {
	for _, a := range s.Attributes() {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

// TestARetriedLinkedInCallShowsEachAttempt: when LinkedIn fails and the
// client tries again, the trace shows both attempts, numbered, the
// failed one marked with LinkedIn's status; nothing is sent to LinkedIn
// that would join its trace to ours.
func TestARetriedLinkedInCallShowsEachAttempt(t *testing.T) {
	sb := sandbox.New(sandbox.Config{Apps: sandbox.DemoApps(sandbox.DemoOptions{ClientSecret: "demo-client-secret-for-tests-0123"})})
	var traceparents atomic.Int32
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("traceparent") != "" {
			traceparents.Add(1)
		}
		sb.ServeHTTP(w, r)
	}))
	defer upstream.Close()
	tr, rec, ctx, end := recording(t)
	li := linkedin.New(linkedin.Config{APIBase: upstream.URL + "/v2", TokenURL: upstream.URL + "/oauth/v2/accessToken",
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: tr.Transport(nil)}})

	sb.SetFaults(sandbox.Faults{Next500: 1})
	if _, err := li.AppToken(ctx, linkedin.App{ClientID: sandbox.DemoClientID, ClientSecret: "demo-client-secret-for-tests-0123"}); err != nil {
		t.Fatal(err)
	}
	end()
	var attempts []string
	for _, s := range rec.Ended() {
		if s.Name() != "linkedin accessToken" {
			continue
		}
		attempts = append(attempts, attrOf(s, "snapbridge.linkedin.attempt")+":"+attrOf(s, "http.response.status_code")+":"+s.Status().Code.String())
	}
	if got := strings.Join(attempts, " "); got != "1:500:Error 2:200:Unset" {
		t.Errorf("attempts (number:status:span status) %q, want a failed first and a successful second", got)
	}
	if n := traceparents.Load(); n != 0 {
		t.Errorf("%d calls to LinkedIn carried a traceparent", n)
	}
}
