package ui

// resizeTarget returns the targetOrigin for resize messages and whether to
// post at all: never "*", nothing when the server named no parent origin.
func resizeTarget(parentOrigin string) (string, bool) {
	if !isOrigin(parentOrigin) {
		return "", false
	}
	return parentOrigin, true
}
