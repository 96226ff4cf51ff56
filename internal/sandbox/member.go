package sandbox

import (
	"sort"
	"strings"
)

// Member is a LinkedIn member who can sign in on the stand-in's consent
// page (a seller, the viewer of CRM records).
type Member struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Headline string `json:"headline"`
}

// DemoMembers are the sellers who can sign in by default.
func DemoMembers() []Member {
	return []Member{
		{ID: "Vw3kR8sLp2", Name: "Avery Collins", Headline: "Account Executive at Northwind Traders"},
		{ID: "Qm7tY2dXa9", Name: "Jordan Reyes", Headline: "Sales Development Representative at Northwind Traders"},
		{ID: "Hc5nB1fGz4", Name: "Priya Natarajan", Headline: "Regional Sales Director at Northwind Traders"},
		{ID: "Lt9eW6uJm3", Name: "Tomás Herrera", Headline: "Enterprise Account Manager at Northwind Traders"},
	}
}

// person is any member the stand-in knows: a seller or a matched person.
type person struct {
	Member
	FirstName, LastName string
	// Photo says the member's profile photo is public.
	Photo bool
}

func headline(title, company string) string {
	switch {
	case title != "" && company != "":
		return title + " at " + company
	case title != "":
		return title
	default:
		return company
	}
}

// Members returns the members offered on the consent page, in order.
func (s *Sandbox) Members() []Member {
	return append([]Member(nil), s.cfg.Members...)
}

// search returns up to limit members whose names resemble first/last,
// best first, the way Sales Navigator suggests leads when CRM Sync found
// no match.
func (s *Sandbox) search(first, last string, limit int) []person {
	first, last = strings.ToLower(strings.TrimSpace(first)), strings.ToLower(strings.TrimSpace(last))
	type hit struct {
		p     person
		score int
	}
	var hits []hit
	for _, p := range s.cat().members {
		score := resemblance(first, strings.ToLower(p.FirstName)) + 2*resemblance(last, strings.ToLower(p.LastName))
		if score > 0 {
			hits = append(hits, hit{p, score})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].score != hits[j].score {
			return hits[i].score > hits[j].score
		}
		return hits[i].p.Name < hits[j].p.Name
	})
	out := make([]person, 0, limit)
	for _, h := range hits {
		if len(out) == limit {
			break
		}
		out = append(out, h.p)
	}
	return out
}

// resemblance scores how alike a searched name and a member's name are:
// 3 equal, 2 one starts with the other, 1 within two edits, else 0.
func resemblance(q, name string) int {
	switch {
	case q == "" || name == "":
		return 0
	case q == name:
		return 3
	case len(q) >= 3 && (strings.HasPrefix(name, q) || strings.HasPrefix(q, name)):
		return 2
	case len(q) >= 4 && editDistance(q, name) <= 2:
		return 1
	default:
		return 0
	}
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
