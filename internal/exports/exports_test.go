package exports

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

func raw(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func request(contract, action string, start, end any) AnalyticsRequest {
	return AnalyticsRequest{Contract: contract, Action: action, StartAt: raw(start), EndAt: raw(end)}
}

func TestCreateAnalyticsRefusesBadRequests(t *testing.T) {
	const enterprise, team = "urn:li:salesContract:1", "urn:li:salesContract:2"
	start := testNow.Add(-100 * 24 * time.Hour)
	tests := []struct {
		scenario  string
		viewer    string
		req       AnalyticsRequest
		wantField string
		wantErr   error
	}{
		{scenario: "a 95-day range names endAt and the limit", viewer: "v1",
			req: request(enterprise, "seat", start, start.Add(95*24*time.Hour)), wantField: "endAt"},
		{scenario: "an end before the start", viewer: "v1",
			req: request(enterprise, "seat", start, start.Add(-time.Hour)), wantField: "endAt"},
		{scenario: "an unknown action", viewer: "v1",
			req: request(enterprise, "everything", start, start.Add(time.Hour)), wantField: "action"},
		{scenario: "no contract", viewer: "v1",
			req: request("", "seat", start, start.Add(time.Hour)), wantField: "contract"},
		{scenario: "a start that is not a time", viewer: "v1",
			req: request(enterprise, "seat", "last tuesday", start.Add(time.Hour)), wantField: "startAt"},
		{scenario: "no end", viewer: "v1",
			req: AnalyticsRequest{Contract: enterprise, Action: "seat", StartAt: raw(start)}, wantField: "endAt"},
		{scenario: "a contract without reporting access", viewer: "v1",
			req: request(team, "seat", start, start.Add(time.Hour)), wantErr: ErrContractForbidden},
		{scenario: "a contract the viewer does not have", viewer: "v1",
			req: request("urn:li:salesContract:999", "seat", start, start.Add(time.Hour)), wantErr: ErrContractForbidden},
		{scenario: "a viewer who never connected", viewer: "gone",
			req: request(enterprise, "seat", start, start.Add(time.Hour)), wantErr: tokens.ErrNotConnected},
		{scenario: "a viewer without the analytics scope", viewer: "narrow",
			req: request(enterprise, "seat", start, start.Add(time.Hour)), wantErr: tokens.ErrScopeMissing},
		{scenario: "an API key has no viewer", viewer: "",
			req: request(enterprise, "seat", start, start.Add(time.Hour)), wantErr: ErrViewerRequired},
	}
	e := newEnv(t)
	e.members.set("gone", errGone)
	e.members.set("narrow", &tokens.ScopeError{Scope: linkedin.ScopeAnalytics})
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := e.svc.CreateAnalytics(context.Background(), acme, tc.viewer, "viewer:"+tc.viewer, tc.req)
			var fe *FieldError
			switch {
			case tc.wantField != "":
				if !errors.As(err, &fe) || fe.Field != tc.wantField {
					t.Fatalf("err = %v, want a field error on %s", err, tc.wantField)
				}
			case !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
	if jobs, _ := e.svc.AnalyticsList(context.Background(), "acme"); len(jobs) != 0 || len(e.li.created) != 0 {
		t.Fatalf("refused requests left %d jobs and %d LinkedIn calls", len(jobs), len(e.li.created))
	}
	_, err := e.svc.CreateAnalytics(context.Background(), acme, "v1", "viewer:v1",
		request(enterprise, "seat", start, start.Add(95*24*time.Hour)))
	if !strings.Contains(err.Error(), "95 days") || !strings.Contains(err.Error(), "90 days") {
		t.Fatalf("the 95-day message %q does not say the range and the limit", err)
	}
}

func TestAnalyticsTimesAcceptRFC3339AndMilliseconds(t *testing.T) {
	start := testNow.Add(-10 * 24 * time.Hour)
	tests := []struct {
		scenario   string
		start, end any
	}{
		{scenario: "RFC 3339 text", start: start.Format(time.RFC3339), end: start.Add(24 * time.Hour).Format(time.RFC3339)},
		{scenario: "milliseconds as numbers", start: start.UnixMilli(), end: start.Add(24 * time.Hour).UnixMilli()},
		{scenario: "milliseconds as text", start: strconv.FormatInt(start.UnixMilli(), 10), end: strconv.FormatInt(start.Add(24*time.Hour).UnixMilli(), 10)},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			j, err := e.svc.CreateAnalytics(context.Background(), acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "activity", tc.start, tc.end))
			if err != nil {
				t.Fatal(err)
			}
			if !j.StartAt.Equal(start) || !j.EndAt.Equal(start.Add(24*time.Hour)) || j.Action != linkedin.ExportActivityData {
				t.Fatalf("job = %+v", j)
			}
		})
	}
}

func TestOneExportPerContractAndActionAtLinkedIn(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	start := testNow.Add(-30 * 24 * time.Hour)
	create := func(contract, action string) store.AnalyticsExport {
		t.Helper()
		// The same request twice on purpose: LinkedIn runs one at a time.
		req := request(contract, action, start, testNow)
		req.AllowDuplicate = true
		j, err := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", req)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	first := create("urn:li:salesContract:1", "seat")
	second := create("urn:li:salesContract:1", "seat")
	other := create("urn:li:salesContract:1", "activity")
	tests := []struct {
		scenario   string
		job        store.AnalyticsExport
		wantStatus string
		wantWords  string
	}{
		{scenario: "the first is sent to LinkedIn", job: first, wantStatus: store.JobRunning, wantWords: "sent to LinkedIn"},
		{scenario: "the second of the same contract and action waits and says so", job: second, wantStatus: store.JobWaiting, wantWords: "one export per contract and action"},
		{scenario: "another action of the same contract is sent", job: other, wantStatus: store.JobRunning, wantWords: "sent to LinkedIn"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			j, err := e.svc.Analytics(ctx, "acme", tc.job.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != tc.wantStatus || !strings.Contains(j.Message, tc.wantWords) {
				t.Fatalf("status %s %q, want %s saying %q", j.Status, j.Message, tc.wantStatus, tc.wantWords)
			}
		})
	}
	if len(e.li.created) != 2 {
		t.Fatalf("LinkedIn got %d jobs, want 2: %v", len(e.li.created), e.li.created)
	}
	// When the first completes, the second is sent.
	e.pollUntil(t, 20, func() bool {
		j, _ := e.svc.Analytics(ctx, "acme", second.ID)
		return j.Status == store.JobRunning
	})
	if j, _ := e.svc.Analytics(ctx, "acme", first.ID); j.Status != store.JobCompleted || j.RowCount != 42 || j.DownloadURL == "" {
		t.Fatalf("first job = %+v, want completed with rows and a link", j)
	}
}

func TestPollerBacksOffAndFinishes(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario    string
		script      []string
		pollErr     error
		wantStatus  string
		wantMessage string
		wantGaps    []time.Duration
	}{
		{scenario: "waits grow from 1s to the cap while LinkedIn processes",
			script:     []string{"ENQUEUED", "PROCESSING", "PROCESSING", "PROCESSING", "PROCESSING", "PROCESSING", "COMPLETED"},
			wantStatus: store.JobCompleted, wantMessage: "42 rows",
			wantGaps: []time.Duration{time.Second, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}},
		{scenario: "a LinkedIn failure status ends the job with its meaning",
			script:     []string{"ENQUEUED", "FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR"},
			wantStatus: store.JobFailed, wantMessage: "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.script = tc.script
			j, err := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
			if err != nil {
				t.Fatal(err)
			}
			var gaps []time.Duration
			last := e.clock.Now()
			for range 20 {
				cur, _ := e.svc.Analytics(ctx, "acme", j.ID)
				if cur.Status != store.JobRunning {
					break
				}
				e.clock.advance(cur.NextPollAt.Sub(e.clock.Now()))
				gaps = append(gaps, e.clock.Now().Sub(last))
				last = e.clock.Now()
				e.svc.tick(ctx)
			}
			got, _ := e.svc.Analytics(ctx, "acme", j.ID)
			if got.Status != tc.wantStatus || !strings.Contains(got.Message, tc.wantMessage) {
				t.Fatalf("job ended %s %q, want %s saying %q", got.Status, got.Message, tc.wantStatus, tc.wantMessage)
			}
			if tc.wantGaps != nil && !equalDurations(gaps, tc.wantGaps) {
				t.Fatalf("polled after %v, want %v", gaps, tc.wantGaps)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTransientFailuresAreRetried(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario   string
		createErr  error
		wantStatus string
	}{
		{scenario: "LinkedIn down at submission: the job waits and is retried", createErr: &linkedin.Error{Status: 503, Message: "down"}, wantStatus: store.JobWaiting},
		{scenario: "LinkedIn throttling at submission: the job waits and is retried", createErr: &linkedin.Error{Status: 429, Message: "slow down"}, wantStatus: store.JobWaiting},
		{scenario: "LinkedIn refusing the job for good fails it", createErr: &linkedin.Error{Status: 400, Message: "range too long"}, wantStatus: store.JobFailed},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.li.createErr = tc.createErr
			j, err := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
			if err != nil {
				t.Fatal(err)
			}
			if j.Status != tc.wantStatus {
				t.Fatalf("status %s (%s), want %s", j.Status, j.Message, tc.wantStatus)
			}
			if tc.wantStatus != store.JobWaiting {
				return
			}
			e.li.mu.Lock()
			e.li.createErr = nil
			e.li.mu.Unlock()
			e.pollUntil(t, 20, func() bool {
				cur, _ := e.svc.Analytics(ctx, "acme", j.ID)
				return cur.Status == store.JobCompleted
			})
		})
	}
}

func TestDownloadLinkIsRefreshedAfterExpiry(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	j, err := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DownloadURL(ctx, acme, j.ID); !errors.Is(err, ErrNotReady) {
		t.Fatalf("download of a running job: %v, want ErrNotReady", err)
	}
	e.pollUntil(t, 20, func() bool {
		cur, _ := e.svc.Analytics(ctx, "acme", j.ID)
		return cur.Status == store.JobCompleted
	})
	first, err := e.svc.DownloadURL(ctx, acme, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario string
		advance  time.Duration
		wantNew  bool
	}{
		{scenario: "a link valid for long enough is reused", advance: 10 * time.Minute, wantNew: false},
		{scenario: "a link about to expire is replaced by a fresh one", advance: 50 * time.Minute, wantNew: true},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e.clock.advance(tc.advance)
			got, err := e.svc.DownloadURL(ctx, acme, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if (got != first) != tc.wantNew {
				t.Fatalf("link %q after %s (first %q): new=%v, want %v", got, tc.advance, first, got != first, tc.wantNew)
			}
			stored, _ := e.svc.Analytics(ctx, "acme", j.ID)
			if stored.DownloadURL != got {
				t.Fatalf("stored link %q, handed out %q", stored.DownloadURL, got)
			}
		})
	}
	if _, err := e.svc.DownloadURL(ctx, acme, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("download of an unknown job: %v, want ErrNotFound", err)
	}
}

func TestARestartedServiceResumesPolling(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	running, _ := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-time.Hour), testNow))
	waiting, _ := e.svc.CreateAnalytics(ctx, acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", testNow.Add(-2*time.Hour), testNow))
	if running.Status != store.JobRunning || waiting.Status != store.JobWaiting {
		t.Fatalf("before restart: %s and %s", running.Status, waiting.Status)
	}
	// A new service over the same database: what a restarted server builds.
	e.svc = e.service()
	e.pollUntil(t, 40, func() bool {
		a, _ := e.svc.Analytics(ctx, "acme", running.ID)
		b, _ := e.svc.Analytics(ctx, "acme", waiting.ID)
		return a.Status == store.JobCompleted && b.Status == store.JobCompleted
	})
	if len(e.li.created) != 2 {
		t.Fatalf("LinkedIn got %d jobs, want exactly 2 (none lost, none sent twice)", len(e.li.created))
	}
}

func TestRunStopsWithItsContext(t *testing.T) {
	e := newEnv(t)
	e.svc = New(Config{FirstPoll: 5 * time.Millisecond, MaxPoll: 20 * time.Millisecond}, e.db, e.li, e.members, fakeApps{}, tenants{"acme": acme})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	j, err := e.svc.CreateAnalytics(context.Background(), acme, "v1", "viewer:v1", request("urn:li:salesContract:1", "seat", time.Now().Add(-time.Hour), time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		cur, _ := e.svc.Analytics(context.Background(), "acme", j.ID)
		if cur.Status == store.JobCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run did not complete the job: %+v", cur)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}
