package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/assoc"
	"github.com/snapbridge/snapbridge/internal/wire"
)

// associations answers what LinkedIn knows about the session's records.
func (a *API) associations(c *gin.Context) {
	s := sessionOf(c)
	t, _ := a.Tenants.Get(s.Tenant)
	ids, err := recordList(c.Query("records"), s.Records)
	if err != nil {
		a.fail(c, err)
		return
	}
	force := false
	if v := c.Query("forceRefresh"); v != "" {
		if force, err = strconv.ParseBool(v); err != nil {
			a.fail(c, badRequest("bad_force_refresh", "forceRefresh must be true or false"))
			return
		}
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

// recordList parses records=id1,id2 (default: every record of the session)
// and refuses ids the session's context did not name.
func recordList(q string, allowed []wire.Record) ([]string, error) {
	if q == "" {
		ids := make([]string, len(allowed))
		for i, r := range allowed {
			ids[i] = r.ID
		}
		return ids, nil
	}
	parts := strings.Split(q, ",")
	if len(parts) > len(allowed) && len(parts) > 50 {
		return nil, badRequest("too_many_records", "ask for at most 50 records at once")
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
