package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// redirect answers 302 to location without a body: Go's http.Redirect
// would add its own little HTML page.
func redirect(c *gin.Context, location string) {
	c.Header("Location", location)
	c.Status(http.StatusFound)
	c.Writer.WriteHeaderNow()
	c.Abort()
}
