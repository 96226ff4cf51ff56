package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/session"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// associations answers what LinkedIn knows about the session's records.
func (a *API) associations(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	q, err := strictQuery(c.Request.URL.RawQuery, "records", "forceRefresh")
	if err != nil {
		a.fail(c, err)
		return
	}
	ids, force, err := associationsQuery(q.Get("records"), q.Get("forceRefresh"), s.Records)
	if err != nil {
		a.fail(c, err)
		return
	}
	res, err := a.Associations.Resolve(c.Request.Context(), t, ids, force)
	setRateLimit(c, res.RateLimit)
	if err != nil {
		a.fail(c, err)
		return
	}
	body := wire.Associations{Associations: res.Associations}.AppendJSON(make([]byte, 0, 256*len(res.Associations)+32))
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// strictQuery parses a raw query string, refusing what a lenient parser
// would quietly guess at: broken percent-encoding, and any of names given
// more than once (which one would count?).
func strictQuery(raw string, names ...string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, badRequest("bad_query", "the query string is not valid URL encoding")
	}
	for _, n := range names {
		if len(q[n]) > 1 {
			return nil, badRequest("bad_query", n+" may be given only once")
		}
	}
	return q, nil
}

// associationsQuery reads the query of GET /api/v1/associations: the
// records list (see recordList) and forceRefresh, a boolean that defaults
// to false.
func associationsQuery(records, forceRefresh string, allowed []wire.Record) (ids []string, force bool, err error) {
	if ids, err = recordList(records, allowed); err != nil {
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

// recordList parses records=id1,id2 (default: every record of the session)
// and refuses ids the session's context did not name, and more than
// session.MaxRecords ids at once.
func recordList(q string, allowed []wire.Record) ([]string, error) {
	if q == "" {
		if len(allowed) > session.MaxRecords {
			return nil, errTooManyRecords
		}
		ids := make([]string, len(allowed))
		for i, r := range allowed {
			ids[i] = r.ID
		}
		return ids, nil
	}
	parts := strings.Split(q, ",")
	if len(parts) > session.MaxRecords {
		return nil, errTooManyRecords
	}
	named := make(map[string]bool, len(allowed))
	for _, r := range allowed {
		named[r.ID] = true
	}
	for _, id := range parts {
		if id == "" {
			return nil, badRequest("bad_records", "records is a comma-separated list of record ids with no empty item")
		}
		if !named[id] {
			return nil, errForeignRecord
		}
	}
	return parts, nil
}

func setRateLimit(c *gin.Context, rl assoc.RateLimit) {
	if rl.Limit == 0 && rl.Reset.IsZero() {
		return
	}
	h := c.Writer.Header()
	h["X-Ratelimit-Limit"] = []string{strconv.Itoa(rl.Limit)}
	h["X-Ratelimit-Used"] = []string{strconv.Itoa(rl.Used)}
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(rl.Remaining)}
	h["X-Ratelimit-Reset"] = []string{strconv.FormatInt(rl.Reset.Unix(), 10)}
}
