package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestMain lets the test binary be the bare server: startBare runs this
// program again with -serve-bare, and in tests the program is this.
func TestMain(m *testing.M) {
	if len(os.Args) == 5 && os.Args[1] == "-serve-bare" && os.Args[3] == "-addr" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		err := serveBare(ctx, os.Args[2], os.Args[4])
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestBareServerAnswersTheProductsBytes: what the product answered during
// the warm-up, the bare server (a process of its own) answers byte for
// byte — status, Content-Type and body — to the same request, whatever
// the request's method, query, headers or body.
func TestBareServerAnswersTheProductsBytes(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	product := gin.New()
	big := strings.Repeat(`{"recordId":"r","status":"matched","cached":true},`, 100)
	product.GET("/api/v1/associations", func(c *gin.Context) {
		c.Header("X-Request-Id", "not copied")
		c.Data(http.StatusOK, "application/json; charset=utf-8", []byte(`{"associations":[`+big+`{"q":"`+c.Query("records")+`"}]}`))
	})
	product.POST("/api/v1/sales-access-token", func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"token": "sat-1", "iframeUrl": "http://127.0.0.1/x?a=1&b=<2>"})
	})
	product.POST("/api/v1/sessions", func(c *gin.Context) {
		var body struct{ Ctx string }
		if c.BindJSON(&body) != nil || body.Ctx == "" {
			return
		}
		c.JSON(http.StatusCreated, gin.H{"token": "session-for-" + body.Ctx})
	})
	srv := httptest.NewServer(product)
	defer srv.Close()
	dir := t.TempDir()
	for _, tc := range []struct {
		scenario string
		t        target
		body     string
		want     int
	}{
		{"a look-up: GET with a query, a body larger than net/http's buffer", target{Label: "lookup",
			URL: srv.URL + "/api/v1/associations?records=a,b%2Cc", Headers: map[string]string{"Authorization": "Bearer x"}}, "", http.StatusOK},
		{"a SAT: POST without a body", target{Label: "sat", Method: "POST", URL: srv.URL + "/api/v1/sales-access-token",
			Headers: map[string]string{"Authorization": "Bearer x"}}, "", http.StatusOK},
		{"a session: POST with a body the bare server does not read", target{Label: "session", Method: "POST",
			URL: srv.URL + "/api/v1/sessions", Headers: map[string]string{"Content-Type": "application/json"}},
			`{"ctx":"one-time"}`, http.StatusCreated},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			got, err := captureAnswer(context.Background(), http.DefaultClient, tc.t, tc.body, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			p, base, err := startBare(context.Background(), dir, "bare-"+tc.t.Label, got)
			if err != nil {
				t.Fatal(err)
			}
			defer p.stop()
			bare := tc.t
			bare.URL = base + strings.TrimPrefix(tc.t.URL, srv.URL)
			again, err := captureAnswer(context.Background(), http.DefaultClient, bare, tc.body, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := sameAnswer(got, again); diff != "" {
				t.Fatalf("the bare server answers otherwise: %s\nproduct: %s\nbare:    %s", diff, got.Body, again.Body)
			}
			if !strings.HasPrefix(got.ContentType, "application/json") || len(got.Body) == 0 {
				t.Fatalf("captured %q with %d bytes", got.ContentType, len(got.Body))
			}
		})
	}
}

// TestAnswersThatDifferAreToldApart: sameAnswer, the check run before
// every pair, notices any difference the bare side could have.
func TestAnswersThatDifferAreToldApart(t *testing.T) {
	a := answer{Method: "GET", Path: "/p", Status: 200, ContentType: "application/json; charset=utf-8", Body: []byte(`{"a":1}`)}
	for _, tc := range []struct {
		scenario string
		change   func(*answer)
		want     string
	}{
		{"the same answer", func(*answer) {}, ""},
		{"another status", func(b *answer) { b.Status = 201 }, "status 200 vs 201"},
		{"another Content-Type", func(b *answer) { b.ContentType = "application/json" }, "Content-Type"},
		{"one byte more", func(b *answer) { b.Body = append(b.Body, ' ') }, "bodies of 7 and 8 bytes differ"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			b := a
			b.Body = append([]byte(nil), a.Body...)
			tc.change(&b)
			if got := sameAnswer(a, b); (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Fatalf("sameAnswer = %q, want %q", got, tc.want)
			}
		})
	}
}
