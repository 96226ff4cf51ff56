package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Contract is a Sales Navigator contract and the members holding a seat
// on it.
type Contract struct {
	// ID is the number in urn:li:salesContract:<ID>. Required, unique.
	ID int64
	// Name is the contract's display name.
	Name string
	// Description is optional; empty is sent as null.
	Description string
	// Seats are the members with an active seat.
	Seats []Seat
}

// Seat is one member's seat on a contract.
type Seat struct {
	// MemberID is the member holding the seat.
	MemberID string
	// Reporting says the seat may export Sales Analytics data
	// (hasReportingAccess). Default: false.
	Reporting bool
}

// Demo contract ids.
const (
	DemoEnterpriseContract = int64(1001)
	DemoTeamContract       = int64(2002)
)

// DemoContracts are the contracts of the demo sellers (DemoMembers): an
// Enterprise contract where Avery and Priya have reporting access and
// Jordan does not, and a Team contract without reporting access for
// anyone, on which Tomás holds his only seat.
func DemoContracts() []Contract {
	m := DemoMembers()
	return []Contract{
		{ID: DemoEnterpriseContract, Name: "Northwind Traders — Sales Navigator Enterprise",
			Description: "Annual enterprise subscription for the North America sales team",
			Seats: []Seat{{MemberID: m[0].ID, Reporting: true}, {MemberID: m[1].ID},
				{MemberID: m[2].ID, Reporting: true}}},
		{ID: DemoTeamContract, Name: "Northwind Traders — Sales Navigator Team (EMEA pilot)",
			Seats: []Seat{{MemberID: m[0].ID}, {MemberID: m[3].ID}}},
	}
}

// cloneContracts copies contracts and their seats, so later changes to a
// Config do not reach a running Sandbox.
func cloneContracts(in []Contract) []Contract {
	out := slices.Clone(in)
	for i := range out {
		out[i].Seats = slices.Clone(out[i].Seats)
	}
	return out
}

const contractURNPrefix = "urn:li:salesContract:"

// ContractURN is a contract's URN, e.g. "urn:li:salesContract:1001".
func ContractURN(id int64) string { return contractURNPrefix + strconv.FormatInt(id, 10) }

// parseContractURN returns the id in urn:li:salesContract:<id>.
func parseContractURN(urn string) (int64, bool) {
	rest, ok := strings.CutPrefix(urn, contractURNPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// contract returns the contract with the id.
func (s *Sandbox) contract(id int64) (*Contract, bool) {
	for i := range s.cfg.Contracts {
		if s.cfg.Contracts[i].ID == id {
			return &s.cfg.Contracts[i], true
		}
	}
	return nil, false
}

// seat returns the member's seat on the contract.
func (c *Contract) seat(memberID string) (Seat, bool) {
	for _, st := range c.Seats {
		if st.MemberID == memberID {
			return st, true
		}
	}
	return Seat{}, false
}

// contractElement is one element of the contractsByMember answer.
type contractElement struct {
	Contract           string  `json:"contract"`
	Name               string  `json:"name"`
	Description        *string `json:"description"`
	HasReportingAccess bool    `json:"hasReportingAccess"`
}

// DefaultPageCount is the page size of finders called without count.
const DefaultPageCount = 10

// serveSalesContracts is GET /v2/salesContracts?q=contractsByMember: the
// contracts on which the token's member holds a seat.
func (s *Sandbox) serveSalesContracts(w http.ResponseWriter, r *http.Request) {
	s.count("salesContracts")
	g, ok := s.platformCall(w, r, ScopeAnalytics, http.MethodGet)
	if !ok || !needMember(w, g, "Sales Contracts") {
		return
	}
	q := r.URL.Query()
	if q.Get("q") != "contractsByMember" {
		writeAPIError(w, apiError{Status: http.StatusBadRequest, Message: "Query parameter q must be contractsByMember"})
		return
	}
	start, count, fail := pageParams(q.Get("start"), q.Get("count"))
	if fail != nil {
		writeAPIError(w, *fail)
		return
	}
	var all []contractElement
	for _, c := range s.cfg.Contracts {
		st, has := c.seat(g.memberID)
		if !has {
			continue
		}
		e := contractElement{Contract: ContractURN(c.ID), Name: c.Name, HasReportingAccess: st.Reporting}
		if c.Description != "" {
			e.Description = &c.Description
		}
		all = append(all, e)
	}
	page := []contractElement{}
	if start < len(all) {
		page = all[start:min(len(all), start+count)]
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"elements": page,
		"paging":   paging{Count: count, Start: start, Links: []any{}},
	})
}

// pageParams reads Rest.li's start and count (1..100, default 10).
func pageParams(startText, countText string) (start, count int, fail *apiError) {
	count = DefaultPageCount
	if startText != "" {
		n, err := strconv.Atoi(startText)
		if err != nil || n < 0 {
			return 0, 0, &apiError{Status: http.StatusBadRequest, Message: "start must be a whole number of at least 0"}
		}
		start = n
	}
	if countText != "" {
		n, err := strconv.Atoi(countText)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, &apiError{Status: http.StatusBadRequest, Message: "count must be a whole number from 1 to 100"}
		}
		count = n
	}
	return start, count, nil
}
