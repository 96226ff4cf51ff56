//go:build !js

package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
	"github.com/snapbridge/snapbridge/internal/wire"
)

func TestCardShowsEachStateDistinctly(t *testing.T) {
	now := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	saved := now.Add(-42 * time.Minute)
	ada := wire.Record{ID: "r1", FirstName: "Ada", LastName: "Lovelace", Title: "VP Engineering", Company: "Analytical Engines"}
	profile := "https://www.linkedin.com/sales/people/ada"
	photo := "https://media.licdn.com/ada.jpg"
	retry := func(app.Context, app.Event) {}
	midnight := time.Date(2026, 5, 5, 0, 0, 0, 0, time.UTC)
	inForty := now.Add(40 * time.Second)

	tests := []struct {
		scenario  string
		card      Card
		wantText  []string
		notText   []string
		wantLink  bool
		wantPhoto bool
		wantRetry bool
		check     func(t *testing.T, r rendered)
	}{
		{
			scenario: "loading shows the record and says it is looking LinkedIn up",
			card:     Card{Record: ada, Loading: true},
			wantText: []string{"Ada Lovelace", "VP Engineering", "Analytical Engines", "Looking up LinkedIn…"},
			notText:  []string{"View in Sales Navigator"},
		},
		{
			scenario:  "matched with public photo shows photo and Sales Navigator link",
			card:      Card{Record: ada, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile, ProfilePhoto: photo}},
			wantText:  []string{"Ada Lovelace", "VP Engineering", "Analytical Engines", "View in Sales Navigator"},
			notText:   []string{"No LinkedIn match", "Retry"},
			wantLink:  true,
			wantPhoto: true,
		},
		{
			scenario: "matched without public photo shows initials avatar",
			card:     Card{Record: ada, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile}},
			wantText: []string{"AL", "View in Sales Navigator"},
			wantLink: true,
			check: func(t *testing.T, r rendered) {
				av := r.one(t, "span", "sb-avatar--initials")
				if attrOf(av, "role") != "img" || !strings.Contains(attrOf(av, "aria-label"), "no public LinkedIn photo") {
					t.Errorf("initials avatar role/label = %q/%q", attrOf(av, "role"), attrOf(av, "aria-label"))
				}
			},
		},
		{
			scenario: "no match points to the Sales Navigator panel below",
			card:     Card{Record: ada, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusNoMatch}},
			wantText: []string{"No LinkedIn match yet", "Sales Navigator panel below"},
			notText:  []string{"View in Sales Navigator", "Retry"},
		},
		{
			scenario: "CRM Sync disabled asks for the admin, with nothing to retry",
			card:     Card{Record: ada, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusCRMSyncDisabled}, OnRetry: retry},
			wantText: []string{"CRM Sync is not enabled", "Sales Navigator admin"},
			notText:  []string{"Retry", "View in Sales Navigator"},
		},
		{
			scenario: "a CRM without CRM Sync (HubSpot) says the panel finds the person by name and email",
			card:     Card{Record: ada, NoCRMSync: true, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusCRMSyncDisabled}, OnRetry: retry},
			wantText: []string{"Ada Lovelace", "VP Engineering", "Analytical Engines", "Found by name and email", "Sales Navigator panel below"},
			notText:  []string{"CRM Sync is not enabled", "admin", "Retry", "View in Sales Navigator"},
		},
		{
			scenario: "throttled with cached data keeps the link and says how old it is",
			card: Card{Record: ada, Now: now, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusThrottled,
				Profile: profile, ProfilePhoto: photo, Cached: true, CachedAt: &saved, Stale: true}},
			wantText:  []string{"LinkedIn is busy — try again in a few minutes", "data saved 42 minutes ago", "Retry"},
			notText:   []string{"today", "look-ups"},
			wantLink:  true,
			wantPhoto: true,
			wantRetry: true,
		},
		{
			scenario:  "unavailable without cache offers Retry only",
			card:      Card{Record: ada, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusUnavailable}},
			wantText:  []string{"LinkedIn is not answering — try again later", "Retry"},
			notText:   []string{"View in Sales Navigator", "saved", "busy"},
			wantRetry: true,
		},
		{
			scenario:  "an unknown status is shown as unavailable, not as a match",
			card:      Card{Record: ada, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: "surprise"}},
			wantText:  []string{"LinkedIn is not answering"},
			wantRetry: true,
		},
		{
			scenario: "retrying disables the button and says so",
			card:     Card{Record: ada, Retrying: true, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusThrottled}},
			wantText: []string{"Retrying…"},
			check: func(t *testing.T, r rendered) {
				if b := r.one(t, "button", "sb-btn"); !hasAttr(b, "disabled") {
					t.Error("Retry button is not disabled while retrying")
				}
			},
		},
		{
			scenario: "a record the tenant's budget kept from LinkedIn says the budget, not that LinkedIn is busy",
			card: Card{Record: ada, Now: now, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusThrottled,
				Reason: wire.ReasonBudgetSpent, RetryAt: &midnight}},
			wantText: []string{"Today's LinkedIn look-ups are used up", "midnight UTC", "in about 12 hours"},
			notText:  []string{"Retry", "busy"},
		},
		{
			scenario: "LinkedIn's own 429 says LinkedIn is busy, with Retry",
			card: Card{Record: ada, Now: now, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusThrottled,
				Reason: wire.ReasonLinkedInBusy, RetryAt: &inForty}},
			wantText:  []string{"LinkedIn is busy — try again in a few minutes", "Retry"},
			notText:   []string{"look-ups are used up", "Retrying in"},
			wantRetry: true,
		},
		{
			scenario: "a kept answer the budget stands in for says so, not that LinkedIn could not be reached",
			card: Card{Record: ada, Now: now, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile,
				Cached: true, CachedAt: &saved, Stale: true, Reason: wire.ReasonBudgetSpent, RetryAt: &midnight}},
			wantText: []string{"look-ups are used up; this is data saved 42 minutes ago"},
			notText:  []string{"could not be reached"},
			wantLink: true,
		},
		{
			scenario: "Retry pressed during LinkedIn's back-off counts down, aria-disabled so it keeps the focus",
			card: Card{Record: ada, Now: now, OnRetry: retry, WaitUntil: inForty, Assoc: wire.Association{RecordID: "r1",
				Status: wire.StatusThrottled, Reason: wire.ReasonLinkedInBusy, RetryAt: &inForty}},
			wantText: []string{"LinkedIn is busy", "Retrying in 40 s…", "Retrying by itself at"},
			check: func(t *testing.T, r rendered) {
				b := r.one(t, "button", "sb-btn--waiting")
				// The prerender drops the value "true" (see .sb-ext); the
				// browser test reads aria-disabled="true" in the DOM.
				if hasAttr(b, "disabled") || !hasAttr(b, "aria-disabled") {
					t.Errorf("the waiting Retry has disabled=%v aria-disabled=%v, want only aria-disabled", hasAttr(b, "disabled"), hasAttr(b, "aria-disabled"))
				}
			},
		},
		{
			scenario: "still busy after a retry says when it tried",
			card: Card{Record: ada, Now: now, OnRetry: retry, Tried: now.Add(-time.Second), Assoc: wire.Association{RecordID: "r1",
				Status: wire.StatusThrottled, Reason: wire.ReasonLinkedInBusy, RetryAt: &inForty}},
			wantText:  []string{"LinkedIn is busy", "Tried again at", "still busy", "Retry"},
			wantRetry: true,
		},
		{
			scenario: "the tenant's spent budget says when it resets and offers no Retry",
			card:     Card{Record: ada, Now: now, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: statusBudgetSpent}},
			wantText: []string{"Today's LinkedIn look-ups are used up", "midnight UTC", "in about 12 hours"},
			notText:  []string{"Retry", "busy", "View in Sales Navigator"},
		},
		{
			scenario: "with the panel showing the person the card is a header: name, record type, link",
			card: Card{Record: withType(ada, "lead"), Header: true, OnRetry: retry,
				Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile, ProfilePhoto: photo}},
			wantText: []string{"Ada Lovelace", "Lead", "View in Sales Navigator"},
			notText:  []string{"VP Engineering", "Analytical Engines", "Retry"},
			wantLink: true,
			check: func(t *testing.T, r rendered) {
				r.one(t, "article", "sb-card--header")
				if n := len(r.all("span", "sb-avatar")); n != 0 {
					t.Errorf("the header repeats the avatar the panel shows (%d)", n)
				}
			},
		},
		{
			scenario:  "a header still says LinkedIn is busy, with the one Retry",
			card:      Card{Record: ada, Header: true, OnRetry: retry, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusThrottled}},
			wantText:  []string{"Ada Lovelace", "LinkedIn is busy — try again in a few minutes"},
			wantRetry: true,
		},
		{
			scenario: "while Connect is the action to take the Sales Navigator link steps back",
			card:     Card{Record: ada, Secondary: true, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile}},
			wantText: []string{"View in Sales Navigator"},
			wantLink: true,
			check: func(t *testing.T, r rendered) {
				if l := r.one(t, "a", "sb-card__link"); !hasClass(l, "sb-btn--outline") {
					t.Errorf("link class %q: not drawn secondary", attrOf(l, "class"))
				}
			},
		},
		{
			scenario: "a javascript: profile URL is never made a link",
			card:     Card{Record: ada, Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: "javascript:alert(1)", ProfilePhoto: "javascript:alert(2)"}},
			notText:  []string{"View in Sales Navigator"},
			check: func(t *testing.T, r rendered) {
				if strings.Contains(r.raw, "javascript:") {
					t.Errorf("javascript: URL reached the page:\n%s", r.raw)
				}
			},
		},
		{
			scenario: "hostile CRM data cannot add attributes to the prerendered page",
			card: Card{Record: wire.Record{ID: "r1", FirstName: `x" onmouseover="alert(1)`, LastName: `\" autofocus onfocus=alert(2) x="`},
				Assoc: wire.Association{RecordID: "r1", Status: wire.StatusMatched, Profile: profile + `?a=1&b="2"`, ProfilePhoto: photo + `" onerror="alert(3)`}},
			wantLink:  true,
			wantPhoto: true,
			check: func(t *testing.T, r rendered) {
				names := r.attrNames()
				for _, bad := range []string{"onmouseover", "onfocus", "autofocus", "onerror"} {
					if names[bad] {
						t.Errorf("attribute %q injected:\n%s", bad, r.raw)
					}
				}
				link := r.one(t, "a", "sb-card__link")
				if got, want := attrOf(link, "href"), profile+`?a=1&b="2"`; got != want {
					t.Errorf("href = %q, want %q", got, want)
				}
				if got := attrOf(link, "aria-label"); !strings.Contains(got, `x" onmouseover="alert(1) \" autofocus`) {
					t.Errorf("aria-label = %q, want the name verbatim", got)
				}
			},
		},
		{
			scenario: "a record without a name shows its e-mail",
			card:     Card{Record: wire.Record{ID: "r9", Email: "who@example.com"}, Assoc: wire.Association{RecordID: "r9", Status: wire.StatusNoMatch}},
			wantText: []string{"who@example.com", "W"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			c := tt.card
			r := render(t, &c)
			text := r.text()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("text %q missing from %q", w, text)
				}
			}
			for _, w := range tt.notText {
				if strings.Contains(text, w) {
					t.Errorf("text %q should not be in %q", w, text)
				}
			}
			links := r.all("a", "sb-card__link")
			if got := len(links) == 1; got != tt.wantLink {
				t.Fatalf("Sales Navigator link shown = %v, want %v", got, tt.wantLink)
			}
			if tt.wantLink {
				l := links[0]
				if attrOf(l, "target") != "_blank" || attrOf(l, "rel") != "noopener noreferrer" {
					t.Errorf("link target/rel = %q/%q", attrOf(l, "target"), attrOf(l, "rel"))
				}
				// Its visible label first, then whose profile, then that a tab opens.
				if label, want := attrOf(l, "aria-label"), "View in Sales Navigator: "+displayName(c.Record)+" (opens in a new tab)"; label != want {
					t.Errorf("link accessible name %q, want %q", label, want)
				}
				// LinkedIn's action keeps LinkedIn's colour, not the tenant's accent.
				if !hasClass(l, "sb-btn--linkedin") || hasClass(l, "sb-btn--primary") {
					t.Errorf("Sales Navigator link class %q", attrOf(l, "class"))
				}
			}
			imgs := r.all("img", "sb-avatar")
			if got := len(imgs) == 1; got != tt.wantPhoto {
				t.Fatalf("photo shown = %v, want %v", got, tt.wantPhoto)
			}
			if tt.wantPhoto && attrOf(imgs[0], "alt") != "Photo of "+displayName(c.Record) {
				t.Errorf("photo alt = %q", attrOf(imgs[0], "alt"))
			}
			buttons := r.all("button", "")
			if tt.wantRetry && (len(buttons) != 1 || attrOf(buttons[0], "type") != "button") {
				t.Errorf("want one Retry <button type=button>, got %d", len(buttons))
			}
			// A browser disables a button with any disabled attribute,
			// "false" included: an idle Retry must carry none.
			if tt.wantRetry && !c.Retrying && len(buttons) == 1 && hasAttr(buttons[0], "disabled") {
				t.Errorf("the prerendered Retry is disabled (disabled=%q) while nothing runs", attrOf(buttons[0], "disabled"))
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestListShowsCompactRowsAndOneNoticePerProblem(t *testing.T) {
	recs := []wire.Record{
		{ID: "a", FirstName: "Ada", LastName: "Lovelace", Title: "VP", Company: "AE"},
		{ID: "b", FirstName: "Alan", LastName: "Turing"},
		{ID: "c", FirstName: "Grace", LastName: "Hopper"},
		{ID: "d", FirstName: "Edsger", LastName: "Dijkstra"},
	}
	tests := []struct {
		scenario  string
		assocs    map[string]wire.Association
		wantText  []string
		notText   []string
		wantLinks int
	}{
		{
			scenario: "mixed answers: link, no match chip, busy chip, pending row",
			assocs: map[string]wire.Association{
				"a": {RecordID: "a", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/a"},
				"b": {RecordID: "b", Status: wire.StatusNoMatch},
				"c": {RecordID: "c", Status: wire.StatusThrottled},
			},
			wantText:  []string{"Ada Lovelace", "VP", "AE", "Open", "No match", "Busy", "Looking up…", "Retry", "LinkedIn is busy — try again in a few minutes", "open the record to pick the right person"},
			notText:   []string{"CRM Sync"},
			wantLinks: 1,
		},
		{
			scenario: "budget partly spent: rows the budget refused say so, rows LinkedIn throttled say busy",
			assocs: map[string]wire.Association{
				"a": {RecordID: "a", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/a"},
				"b": {RecordID: "b", Status: wire.StatusThrottled, Reason: wire.ReasonBudgetSpent},
				"c": {RecordID: "c", Status: wire.StatusThrottled, Reason: wire.ReasonBudgetSpent},
				"d": {RecordID: "d", Status: wire.StatusThrottled, Reason: wire.ReasonLinkedInBusy},
			},
			wantText:  []string{"Not looked up", "Today's LinkedIn look-ups are used up", "midnight UTC", "Busy", "LinkedIn is busy — try again in a few minutes", "Retry"},
			wantLinks: 1,
		},
		{
			scenario: "budget spent for every row left: no LinkedIn-busy words, no Retry",
			assocs: map[string]wire.Association{
				"a": {RecordID: "a", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/a"},
				"b": {RecordID: "b", Status: wire.StatusMatched, Profile: "https://www.linkedin.com/sales/people/b"},
				"c": {RecordID: "c", Status: wire.StatusThrottled, Reason: wire.ReasonBudgetSpent},
				"d": {RecordID: "d", Status: wire.StatusThrottled, Reason: wire.ReasonBudgetSpent},
			},
			wantText:  []string{"Not looked up", "Today's LinkedIn look-ups are used up"},
			notText:   []string{"busy", "Busy", "Retry"},
			wantLinks: 2,
		},
		{
			scenario: "all matched: no notices at all",
			assocs: map[string]wire.Association{
				"a": {RecordID: "a", Status: wire.StatusMatched, Profile: "https://x.example/a"},
				"b": {RecordID: "b", Status: wire.StatusMatched, Profile: "https://x.example/b"},
				"c": {RecordID: "c", Status: wire.StatusMatched, Profile: "https://x.example/c"},
				"d": {RecordID: "d", Status: wire.StatusMatched, Profile: "https://x.example/d"},
			},
			notText:   []string{"Retry", "No match", "CRM Sync"},
			wantLinks: 4,
		},
		{
			scenario: "CRM Sync off is explained once for the list",
			assocs: map[string]wire.Association{
				"a": {RecordID: "a", Status: wire.StatusCRMSyncDisabled},
				"b": {RecordID: "b", Status: wire.StatusCRMSyncDisabled},
				"c": {RecordID: "c", Status: wire.StatusCRMSyncDisabled},
				"d": {RecordID: "d", Status: wire.StatusCRMSyncDisabled},
			},
			wantText: []string{"CRM Sync is not enabled"},
			notText:  []string{"Retry", "CRM Sync off"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			r := render(t, &List{Records: recs, Assocs: tt.assocs, OnRetry: func(app.Context, app.Event) {}})
			if rows := r.all("li", "sb-list__row"); len(rows) != len(recs) {
				t.Fatalf("rows = %d, want %d", len(rows), len(recs))
			}
			text := r.text()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("text %q missing from %q", w, text)
				}
			}
			for _, w := range tt.notText {
				if strings.Contains(text, w) {
					t.Errorf("text %q should not be in %q", w, text)
				}
			}
			if n := strings.Count(text, "CRM Sync is not enabled"); n > 1 {
				t.Errorf("CRM Sync notice repeated %d times", n)
			}
			links := r.all("a", "sb-chip--link")
			if len(links) != tt.wantLinks {
				t.Errorf("links = %d, want %d", len(links), tt.wantLinks)
			}
			for _, l := range links {
				if attrOf(l, "target") != "_blank" || !strings.HasPrefix(attrOf(l, "aria-label"), "Open in Sales Navigator: ") {
					t.Errorf("list link target/label = %q/%q", attrOf(l, "target"), attrOf(l, "aria-label"))
				}
			}
		})
	}
}

func withType(r wire.Record, typ string) wire.Record {
	r.Type = typ
	return r
}

func TestListPagesThroughEveryRecordOfTheContext(t *testing.T) {
	recs := make([]wire.Record, 32)
	for i := range recs {
		recs[i] = wire.Record{ID: strconv.Itoa(i + 1), FirstName: "Person", LastName: strconv.Itoa(i + 1)}
	}
	for _, tc := range []struct {
		scenario  string
		records   []wire.Record
		page      int
		wantRange string
		wantFirst string
		wantRows  int
		prevOff   bool
		nextOff   bool
	}{
		{"the first page says 1–12 of 32", recs, 0, "1–12 of 32", "Person 1", 12, true, false},
		{"the middle page", recs, 1, "13–24 of 32", "Person 13", 12, false, false},
		{"the last page holds the rest", recs, 2, "25–32 of 32", "Person 25", 8, false, true},
		{"a page past the end shows the last", recs, 9, "25–32 of 32", "Person 25", 8, false, true},
		{"a list that fits needs no pages", recs[:5], 0, "", "Person 1", 5, false, false},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			r := render(t, &List{Records: tc.records, Assocs: map[string]wire.Association{}, page: tc.page})
			rows := r.all("li", "sb-list__row")
			if len(rows) != tc.wantRows {
				t.Fatalf("rows = %d, want %d", len(rows), tc.wantRows)
			}
			if got := textOf(r.all("p", "sb-card__name")[0]); got != tc.wantFirst {
				t.Errorf("first row %q, want %q", got, tc.wantFirst)
			}
			pagers := r.all("nav", "sb-pager")
			if tc.wantRange == "" {
				if len(pagers) != 0 {
					t.Error("a list that fits shows a pager")
				}
				return
			}
			if got := textOf(r.one(t, "p", "sb-pager__range")); got != tc.wantRange {
				t.Errorf("range %q, want %q", got, tc.wantRange)
			}
			buttons := r.all("button", "sb-btn")
			if len(buttons) != 2 || hasAttr(buttons[0], "disabled") != tc.prevOff || hasAttr(buttons[1], "disabled") != tc.nextOff {
				t.Errorf("Previous/Next disabled = %v/%v, want %v/%v", hasAttr(buttons[0], "disabled"), hasAttr(buttons[1], "disabled"), tc.prevOff, tc.nextOff)
			}
		})
	}
}
