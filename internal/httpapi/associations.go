package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// associations answers what LinkedIn knows about the session's records.
// A look-up the cache answers is the server's hottest path: the query is
// read in one pass, the rate-limit header values are reused while they do
// not change, cached answers are copied as they were encoded, and the body
// is built in a pooled buffer and sent with its length.
func (a *API) associations(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	records, forceRefresh, err := associationsParams(c.Request.URL.RawQuery)
	if err != nil {
		a.fail(c, err)
		return
	}
	list := idLists.Get().(*[]string)
	defer putIDList(list)
	ids, force, err := associationsQuery((*list)[:0], records, forceRefresh, s.Records)
	if err != nil {
		a.fail(c, err)
		return
	}
	*list = ids
	buf := answerBuffers.Get().(*[]byte)
	body, rl, err := a.Associations.AppendAnswer(c.Request.Context(), t, ids, force, (*buf)[:0])
	a.rateLimits.set(c, s.Tenant, rl)
	if err != nil {
		answerBuffers.Put(buf)
		a.fail(c, err)
		return
	}
	hdr := c.Writer.Header()
	hdr["Content-Type"] = hdrJSON
	if len(body) > chunkedAbove {
		hdr["Content-Length"] = []string{strconv.Itoa(len(body))}
	}
	c.Writer.WriteHeader(http.StatusOK)
	_, _ = c.Writer.Write(body)
	if cap(body) <= maxPooledAnswer {
		*buf = body
		answerBuffers.Put(buf)
	}
}

var hdrJSON = []string{"application/json; charset=utf-8"}

// chunkedAbove is the longest body net/http measures itself (its
// response buffer): a longer one written without Content-Length goes out
// chunked, which costs the connection a write of its own for the last
// chunk.
const chunkedAbove = 2048

// answerBuffers holds the buffers look-up answers are built in; the
// answer is written (copied to the connection) before its buffer goes
// back. Buffers grown past maxPooledAnswer are left to the collector.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledAnswer = 64 << 10

// idLists holds the lists of record ids look-ups are parsed into (the
// resolver keeps none of them).
var idLists = sync.Pool{New: func() any { return new([]string) }}

// putIDList gives a list back, emptied so that it keeps no query alive.
func putIDList(list *[]string) {
	clear((*list)[:cap(*list)])
	*list = (*list)[:0]
	idLists.Put(list)
}

// associationsParams reads records and forceRefresh from a raw query
// string in one pass, refusing what a lenient parser would quietly guess
// at: broken percent-encoding (anywhere in the query, as url.ParseQuery
// refuses it) and either parameter given more than once (which one would
// count?). Other parameters are left alone.
func associationsParams(raw string) (records, forceRefresh string, err error) {
	var badEncoding bool
	var nRecords, nForce int
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(pair, ";") {
			badEncoding = true
			continue
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err1 := queryUnescape(k)
		if err1 != nil {
			badEncoding = true
			continue
		}
		value, err1 := queryUnescape(v)
		if err1 != nil {
			badEncoding = true
			continue
		}
		switch key {
		case "records":
			records = value
			nRecords++
		case "forceRefresh":
			forceRefresh = value
			nForce++
		}
	}
	switch {
	case badEncoding:
		return "", "", badRequest("bad_query", "the query string is not valid URL encoding")
	case nRecords > 1:
		return "", "", badRequest("bad_query", "records may be given only once")
	case nForce > 1:
		return "", "", badRequest("bad_query", "forceRefresh may be given only once")
	}
	return records, forceRefresh, nil
}

// associationsQuery reads the query of GET /api/v1/associations: the
// records list (see recordList), appended to dst, and forceRefresh, a
// boolean that defaults to false.
func associationsQuery(dst []string, records, forceRefresh string, allowed []wire.Record) (ids []string, force bool, err error) {
	if ids, err = recordList(dst, records, allowed); err != nil {
		return nil, false, err
	}
	if forceRefresh != "" {
		if force, err = strconv.ParseBool(forceRefresh); err != nil {
			return nil, false, badRequest("bad_force_refresh", "forceRefresh must be true or false")
		}
	}
	return ids, force, nil
}

// errTooManyRecords refuses a list longer than a context may name.
var errTooManyRecords = badRequest("too_many_records", "ask for at most "+strconv.Itoa(session.MaxRecords)+" records at once")

// queryUnescape is url.QueryUnescape, returning at once what has nothing
// to decode (a list of 50 plain ids is scanned by two IndexByte calls, not
// byte by byte).
func queryUnescape(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// recordList parses records=id1,id2 (default: every record of the session)
// into dst and refuses ids the session's context did not name, and more
// than session.MaxRecords ids at once.
func recordList(dst []string, q string, allowed []wire.Record) ([]string, error) {
	if q == "" {
		if len(allowed) > session.MaxRecords {
			return nil, errTooManyRecords
		}
		for _, r := range allowed {
			dst = append(dst, r.ID)
		}
		return dst, nil
	}
	if strings.Count(q, ",") >= session.MaxRecords {
		return nil, errTooManyRecords
	}
	// Lists name records in the context's order, or close to it: each id
	// is looked for from where the previous one was found, so that
	// checking a list costs about one comparison per id, and at most
	// len(allowed) when the order is mixed.
	at := 0
	for more := true; more; {
		var id string
		id, q, more = strings.Cut(q, ",")
		if id == "" {
			return nil, badRequest("bad_records", "records is a comma-separated list of record ids with no empty item")
		}
		found := false
		for range allowed {
			found = allowed[at].ID == id
			if at++; at == len(allowed) {
				at = 0
			}
			if found {
				break
			}
		}
		if !found {
			return nil, errForeignRecord
		}
		dst = append(dst, id)
	}
	return dst, nil
}

// rateLimitHeaders keeps each tenant's last X-RateLimit-* header values:
// they change only when the tenant's budget is used (or at midnight UTC),
// so most answers reuse them instead of formatting four numbers.
type rateLimitHeaders struct {
	byTenant sync.Map // tenant id → *rateLimitValues
}

// rateLimitValues are the header values of one RateLimit; the slices are
// shared by every answer carrying them and never appended to in place
// (len == cap).
type rateLimitValues struct {
	limit, used, remaining int
	reset                  int64
	hdrLimit, hdrUsed      []string
	hdrRemaining, hdrReset []string
}

// set writes rl's headers, unless rl is unset (an answer that never got
// as far as the budget).
func (h *rateLimitHeaders) set(c *gin.Context, tenantID string, rl assoc.RateLimit) {
	if rl.Limit == 0 && rl.Reset.IsZero() {
		return
	}
	reset := rl.Reset.Unix()
	v, _ := h.byTenant.Load(tenantID)
	vals, _ := v.(*rateLimitValues)
	if vals == nil || vals.limit != rl.Limit || vals.used != rl.Used || vals.remaining != rl.Remaining || vals.reset != reset {
		vals = &rateLimitValues{
			limit: rl.Limit, used: rl.Used, remaining: rl.Remaining, reset: reset,
			hdrLimit: []string{strconv.Itoa(rl.Limit)}, hdrUsed: []string{strconv.Itoa(rl.Used)},
			hdrRemaining: []string{strconv.Itoa(rl.Remaining)}, hdrReset: []string{strconv.FormatInt(reset, 10)},
		}
		h.byTenant.Store(tenantID, vals)
	}
	hdr := c.Writer.Header()
	hdr["X-Ratelimit-Limit"] = vals.hdrLimit
	hdr["X-Ratelimit-Used"] = vals.hdrUsed
	hdr["X-Ratelimit-Remaining"] = vals.hdrRemaining
	hdr["X-Ratelimit-Reset"] = vals.hdrReset
}
