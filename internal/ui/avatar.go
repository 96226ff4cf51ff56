package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// Avatar shows the member's public LinkedIn photo, or the person's initials
// when LinkedIn has none to share (the photo is absent unless public).
type Avatar struct {
	app.Compo
	// Name is the person's display name, used for the initials and alt text.
	Name string
	// Photo is the public photo URL. Default "": initials.
	Photo string
	// Small selects the list size (32 px) instead of the card size (56 px).
	Small bool
	// Pending shows a neutral placeholder while the record is looked up.
	Pending bool
}

// Render draws the photo, the initials or the placeholder.
func (a *Avatar) Render() app.UI {
	size, class := 56, "sb-avatar"
	if a.Small {
		size, class = 32, "sb-avatar sb-avatar--small"
	}
	switch {
	case a.Pending:
		return app.Span().Class(class + " sb-avatar--pending sb-shimmer")
	case isWebURL(a.Photo):
		return app.Img().Class(class).Src(attr(a.Photo)).Alt(attr("Photo of " + a.Name)).
			Width(size).Height(size).Loading("lazy")
	default:
		return app.Span().Class(class+" sb-avatar--initials").
			Role("img").Aria("label", attr(a.Name+", no public LinkedIn photo")).
			Text(initials(a.Name))
	}
}
