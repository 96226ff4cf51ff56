package compliance

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/snapbridge/snapbridge/internal/linkedin"
	"github.com/snapbridge/snapbridge/internal/store"
	"github.com/snapbridge/snapbridge/internal/tokens"
)

func TestArchiveKeepsEveryEventOnceAcrossPages(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	st, err := e.svc.OptIn(ctx, acme, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if !st.OptedIn || st.Archive == nil || st.Archive.Status != store.ComplianceOptedIn {
		t.Fatalf("after opt-in: %+v", st)
	}
	base := testNow.Add(time.Minute)
	// Pages of 3: the boundary of each page shares processedAt with the
	// next page's first events.
	e.li.add(base, 0, time.Second, 2*time.Second, 2*time.Second, 3*time.Second, 4*time.Second, 4*time.Second)
	e.clock.advance(time.Hour)
	tests := []struct {
		scenario     string
		addLater     []time.Duration
		wantArchived int
		wantTotal    int64
	}{
		{scenario: "the first run archives every event once though pages overlap", wantArchived: 7, wantTotal: 7},
		{scenario: "a run with nothing new archives nothing", wantArchived: 0, wantTotal: 7},
		{scenario: "new events sharing an instant across a page boundary are added once", addLater: []time.Duration{6 * time.Second, 6 * time.Second, 10 * time.Second}, wantArchived: 3, wantTotal: 10},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e.li.add(base, tc.addLater...)
			run, err := e.svc.Sync(ctx, "acme", "v1")
			if err != nil {
				t.Fatal(err)
			}
			if !run.OK || run.Archived != tc.wantArchived {
				t.Fatalf("run = %+v, want %d archived", run, tc.wantArchived)
			}
			vs, _ := e.svc.Viewers(ctx, "acme")
			if len(vs) != 1 || vs[0].EventsArchived != tc.wantTotal || vs[0].Gap != nil {
				t.Fatalf("viewers = %+v, want %d events and no gap", vs, tc.wantTotal)
			}
		})
	}
	// Every page after the first started at the newest archived instant.
	for i, s := range e.li.starts {
		if s.Before(st.Archive.RegulatedAt.Truncate(time.Millisecond)) && i > 0 {
			t.Fatalf("page %d started at %s, before regulatedAt", i, s)
		}
	}
}

func TestGapsAreReported(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario   string
		breakIt    func(e *env)
		after      time.Duration
		wantGap    string
		wantStatus string
	}{
		{scenario: "a healthy archive has no gap", breakIt: func(*env) {}, after: 3 * time.Hour, wantStatus: store.ComplianceOptedIn},
		{scenario: "runs failing longer than expected open a gap with the reason",
			breakIt: func(e *env) {
				e.li.set(func(f *fakeLinkedIn) { f.eventsErr = &linkedin.Error{Status: 500, Message: "boom"} })
			},
			after: 3 * time.Hour, wantGap: "LinkedIn 500: boom", wantStatus: store.ComplianceOptedIn},
		{scenario: "a lost LinkedIn connection opens a gap saying to reconnect",
			breakIt: func(e *env) { e.members.err = tokens.ErrNotConnected },
			after:   3 * time.Hour, wantGap: "reconnect", wantStatus: store.ComplianceOptedIn},
		{scenario: "an authorization revoked at LinkedIn is noticed at the status check",
			breakIt: func(e *env) { e.li.set(func(f *fakeLinkedIn) { f.optedIn = false }) },
			after:   7 * time.Hour, wantGap: "no longer lists", wantStatus: store.ComplianceRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			if _, err := e.svc.OptIn(ctx, acme, "v1"); err != nil {
				t.Fatal(err)
			}
			e.svc.pass(ctx)
			tc.breakIt(e)
			for step := time.Duration(0); step < tc.after; step += 30 * time.Minute {
				e.clock.advance(30 * time.Minute)
				e.svc.pass(ctx)
			}
			vs, err := e.svc.Viewers(ctx, "acme")
			if err != nil || len(vs) != 1 {
				t.Fatalf("viewers = %v, %v", vs, err)
			}
			v := vs[0]
			if v.Status != tc.wantStatus {
				t.Fatalf("status %s, want %s", v.Status, tc.wantStatus)
			}
			switch {
			case tc.wantGap == "" && v.Gap != nil:
				t.Fatalf("unexpected gap %+v", v.Gap)
			case tc.wantGap != "" && (v.Gap == nil || !strings.Contains(v.Gap.Reason, tc.wantGap) || v.Gap.Since.IsZero()):
				t.Fatalf("gap = %+v, want one saying %q with a since", v.Gap, tc.wantGap)
			}
			runs, _ := e.svc.Runs(ctx, "acme", "v1", 0)
			if len(runs) == 0 {
				t.Fatal("no run outcome recorded")
			}
		})
	}
}

func TestOptOutStopsArchivingAndKeepsTheArchive(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	e.li.add(testNow.Add(time.Minute), 0, time.Second)
	e.clock.advance(time.Hour)
	e.svc.pass(ctx)
	st, err := e.svc.OptOut(ctx, acme, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if st.OptedIn || st.Archive == nil || st.Archive.Status != store.ComplianceOptedOut || st.Archive.EventsArchived != 2 || e.li.optOuts != 1 {
		t.Fatalf("after opt-out: %+v (opt-outs at LinkedIn: %d)", st, e.li.optOuts)
	}
	pages := e.li.pages
	e.clock.advance(48 * time.Hour)
	e.svc.pass(ctx)
	if e.li.pages != pages {
		t.Fatal("the archiver kept fetching after opt-out")
	}
	if _, err := e.svc.Sync(ctx, "acme", "v1"); !errors.Is(err, ErrNotOptedIn) {
		t.Fatalf("sync after opt-out: %v, want ErrNotOptedIn", err)
	}
	if vs, _ := e.svc.Viewers(ctx, "acme"); vs[0].Gap != nil {
		t.Fatalf("an opted-out viewer has a gap: %+v", vs[0].Gap)
	}
}

func TestMissingScopeIsTheScopeError(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		scenario string
		members  error
		liErr    bool
	}{
		{scenario: "a stored authorization without the scope", members: &tokens.ScopeError{Scope: linkedin.ScopeCompliance}},
		{scenario: "LinkedIn answering 403", liErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			e := newEnv(t)
			e.members.err = tc.members
			var li LinkedIn = e.li
			if tc.liErr {
				li = forbidden{e.li}
			}
			svc := New(Config{Now: e.clock.Now}, e.db, li, e.members, tenants{"acme": acme})
			_, err := svc.OptIn(ctx, acme, "v1")
			var se *tokens.ScopeError
			if !errors.As(err, &se) || se.Scope != linkedin.ScopeCompliance {
				t.Fatalf("err = %v, want a ScopeError for %s", err, linkedin.ScopeCompliance)
			}
		})
	}
}

type forbidden struct{ *fakeLinkedIn }

func (forbidden) OptInCompliance(context.Context, string) error {
	return &linkedin.Error{Status: 403, Message: "Not enough permissions"}
}

func TestExportWritesTheArchive(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	base := testNow.Add(time.Minute)
	e.li.add(base, 0, time.Hour, 2*time.Hour)
	e.clock.advance(3 * time.Hour)
	if _, err := e.svc.Sync(ctx, "acme", "v1"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		scenario, viewer, from, to, format string
		wantIDs                            []string
	}{
		{scenario: "everything as JSON Lines", format: "", wantIDs: []string{"urn:li:complianceEvent:1", "urn:li:complianceEvent:2", "urn:li:complianceEvent:3"}},
		{scenario: "a range as CSV, from inclusive and to exclusive", viewer: "v1", format: "csv",
			from: base.Add(time.Hour).Format(time.RFC3339), to: base.Add(2 * time.Hour).Format(time.RFC3339), wantIDs: []string{"urn:li:complianceEvent:2"}},
		{scenario: "another viewer's archive is empty", viewer: "v2", format: "jsonl"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			q, err := ParseExportQuery("acme", tc.viewer, tc.from, tc.to, tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := e.svc.Export(ctx, &buf, q); err != nil {
				t.Fatal(err)
			}
			var ids []string
			if q.Format == FormatCSV {
				recs, err := csv.NewReader(&buf).ReadAll()
				if err != nil || len(recs) == 0 || recs[0][2] != "id" {
					t.Fatalf("csv: %v %v", recs, err)
				}
				for _, r := range recs[1:] {
					ids = append(ids, r[2])
					if r[1] != "v1" || r[4] != "salesNavigatorMessages" || !json.Valid([]byte(r[8])) {
						t.Fatalf("csv row %v lacks viewer, resource or the raw event", r)
					}
				}
			} else {
				for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
					if line == "" {
						continue
					}
					var rec struct {
						ID, Viewer, Tenant string
						ProcessedAt        time.Time
						Event              map[string]any
					}
					if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Event["id"] != rec.ID || rec.Tenant != "acme" || rec.ProcessedAt.IsZero() {
						t.Fatalf("jsonl line %s: %+v %v", line, rec, err)
					}
					ids = append(ids, rec.ID)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tc.wantIDs, ",") {
				t.Fatalf("exported %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

func TestExportQueriesAreChecked(t *testing.T) {
	tests := []struct {
		scenario, from, to, format string
		wantField                  string
	}{
		{scenario: "from after to", from: "2026-03-02", to: "2026-03-01", wantField: "to"},
		{scenario: "from not a time", from: "soon", wantField: "from"},
		{scenario: "an unknown format", format: "xml", wantField: "format"},
		{scenario: "milliseconds and dates are accepted", from: "1767225600000", to: "2026-03-01"},
	}
	for _, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			_, err := ParseExportQuery("acme", "", tc.from, tc.to, tc.format)
			var fe *FieldError
			if tc.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &fe) || fe.Field != tc.wantField {
				t.Fatalf("err = %v, want a field error on %s", err, tc.wantField)
			}
		})
	}
}

func TestAPageOfOneInstantIsReportedNotLooped(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := e.svc.OptIn(ctx, acme, "v1"); err != nil {
		t.Fatal(err)
	}
	// Four events at one instant with pages of three: paging by
	// processedAt cannot get past them.
	e.li.add(testNow.Add(time.Minute), 0, 0, 0, 0)
	e.clock.advance(time.Hour)
	run, err := e.svc.Sync(ctx, "acme", "v1")
	if err == nil || run.OK || !strings.Contains(run.Error, "share processedAt") {
		t.Fatalf("run = %+v, %v; want a failed run saying why", run, err)
	}
	if e.li.pages > 2 {
		t.Fatalf("the run asked %d pages for the same instant", e.li.pages)
	}
	if vs, _ := e.svc.Viewers(ctx, "acme"); vs[0].EventsArchived != 3 || vs[0].LastError == "" {
		t.Fatalf("viewer = %+v, want the first page archived and the error shown", vs[0])
	}
}
