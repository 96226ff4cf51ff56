package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/snapbridge/snapbridge/internal/wire"
)

// displayName is how a seller recognises a record: the person's name, else
// the e-mail address, else a neutral placeholder.
func displayName(r wire.Record) string {
	name := strings.TrimSpace(strings.TrimSpace(r.FirstName) + " " + strings.TrimSpace(r.LastName))
	switch {
	case name != "":
		return name
	case strings.TrimSpace(r.Email) != "":
		return strings.TrimSpace(r.Email)
	default:
		return "Unnamed record"
	}
}

// initials returns up to two upper-case letters for the avatar: first and
// last word of the name, "?" when the name has no letter.
func initials(name string) string {
	var letters []rune
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			letters = append(letters, unicode.ToUpper(r))
		}
	}
	switch len(letters) {
	case 0:
		return "?"
	case 1:
		return string(letters)
	default:
		return string([]rune{letters[0], letters[len(letters)-1]})
	}
}
