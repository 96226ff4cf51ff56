package httpapi

import (
	"testing"

	"github.com/snapbridge/snapbridge/internal/tenant"
)

// The widget's theme is the tenant's; a tenant that follows the host takes
// the page's theme parameter (embed.js), and light when there is none.
func TestWidgetThemeFollowsTheTenantThenTheHost(t *testing.T) {
	for _, tc := range []struct {
		scenario, setting, host, want string
	}{
		{"tenant light ignores a dark host", tenant.ThemeLight, "dark", "light"},
		{"tenant dark ignores a light host", tenant.ThemeDark, "light", "dark"},
		{"host dark", tenant.ThemeHost, "dark", "dark"},
		{"host light", tenant.ThemeHost, "light", "light"},
		{"host says nothing", tenant.ThemeHost, "", "light"},
		{"host says something else", tenant.ThemeHost, "dark;color:red", "light"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			if got := widgetTheme(tc.setting, tc.host); got != tc.want {
				t.Errorf("widgetTheme(%q, %q) = %q, want %q", tc.setting, tc.host, got, tc.want)
			}
		})
	}
}
