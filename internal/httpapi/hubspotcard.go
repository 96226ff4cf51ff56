package httpapi

import (
	"net/http"

	"time"

	"github.com/gin-gonic/gin"

	"github.com/snapbridge/snapbridge/internal/hostctx"
	"github.com/snapbridge/snapbridge/internal/tenant"
)

// hubSpotCardAnswer is what a HubSpot app card gets back: the widget URL
// to open in its iframe modal, redeemable once within ExpiresIn seconds.
type hubSpotCardAnswer struct {
	URL       string `json:"url"`
	ExpiresIn int    `json:"expiresIn"`
}

// hubSpotCard answers a HubSpot app card's hubspot.fetch POST to
// /hubspot/<tenant>/card: the tenant's HubSpot adapter verifies the
// signed request, and the answer is the card page's URL with a one-time
// handle (the same page Canvas's 303 leads to), at the public URL HubSpot
// called, for the card to open in an iframe modal. Refusals are JSON.
func (a *API) hubSpotCard(c *gin.Context) {
	t, l, ok := a.verifiedLaunch(c, tenant.HostHubSpot, false)
	if !ok {
		return
	}
	card, ok := a.handOff(c, t, l)
	if !ok {
		return
	}
	base := a.PublicURL
	if hs := t.HubSpot(); hs != nil && hs.PublicURL != "" {
		base = hs.PublicURL
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, hubSpotCardAnswer{
		URL:       base + card,
		ExpiresIn: int(hostctx.HandoffLifetime / time.Second),
	})
}
