package linkedin

import (
	"net/url"
	"testing"
)

func TestDisplayURL(t *testing.T) {
	full := DisplayParams{
		APIKey: "86abc", FirstName: "Anna Lena", LastName: "Müller & Söhne", Email: "anna+crm@example.com",
		CompanyName: "A/B Corp, Ltd.", CRMRecordID: "rec 1", CRMOrgID: "contoso.crm.dynamics.com",
		CRMSourceType: "MSFT_DYNAMICS", CRMType: "CONTACT", Modules: "TopCard2,RelatedLeads",
		Version: "2.1", InlineMode: true, SAT: "sat=x/y+z",
	}
	tests := []struct {
		scenario string
		base     string
		params   DisplayParams
		want     string
	}{
		{
			scenario: "every value encoded, spaces as %20, commas as %2C",
			base:     "https://www.linkedin.com/sales/widget/profile-matching",
			params:   full,
			want: "https://www.linkedin.com/sales/widget/profile-matching?apiKey=86abc&firstName=Anna%20Lena" +
				"&lastName=M%C3%BCller%20%26%20S%C3%B6hne&email=anna%2Bcrm%40example.com&companyName=A%2FB%20Corp%2C%20Ltd." +
				"&crmRecordId=rec%201&crmOrgId=contoso.crm.dynamics.com&crmSourceType=MSFT_DYNAMICS&crmType=CONTACT" +
				"&modules=TopCard2%2CRelatedLeads&version=2.1&isInlineMode=true&sat=sat%3Dx%2Fy%2Bz",
		},
		{
			scenario: "empty optional values are left out, apiKey and isInlineMode stay",
			base:     "http://127.0.0.1:8091/sales/widget/profile-matching",
			params:   DisplayParams{FirstName: "Jo", SAT: "s"},
			want:     "http://127.0.0.1:8091/sales/widget/profile-matching?apiKey=&firstName=Jo&isInlineMode=false&sat=s",
		},
		{
			scenario: "empty base is LinkedIn's page",
			params:   DisplayParams{APIKey: "k"},
			want:     "https://www.linkedin.com/sales/widget/profile-matching?apiKey=k&isInlineMode=false",
		},
		{
			scenario: "base that already has a query is extended",
			base:     "http://127.0.0.1:8091/w?tenant=demo",
			params:   DisplayParams{APIKey: "k", InlineMode: true},
			want:     "http://127.0.0.1:8091/w?tenant=demo&apiKey=k&isInlineMode=true",
		},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			got := DisplayURL(tt.base, tt.params)
			if got != tt.want {
				t.Fatalf("DisplayURL =\n%s\nwant\n%s", got, tt.want)
			}
			// Whatever decoder LinkedIn uses, the values come back intact.
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			q := u.Query()
			for name, want := range map[string]string{
				"firstName": tt.params.FirstName, "lastName": tt.params.LastName, "email": tt.params.Email,
				"companyName": tt.params.CompanyName, "modules": tt.params.Modules, "sat": tt.params.SAT,
			} {
				if q.Get(name) != want {
					t.Errorf("%s decodes to %q, want %q", name, q.Get(name), want)
				}
			}
		})
	}
}
