package ui

// fetchRequest is one HTTP request of the widget API client.
type fetchRequest struct {
	Method string
	URL    string
	Header map[string]string
	Body   []byte
}

// fetchResponse is the status and body of an answer; the body is cut at
// maxResponseBytes.
type fetchResponse struct {
	Status int
	Body   []byte
}

// maxResponseBytes bounds what the widget reads from one API answer; the
// largest real answer (a list of associations) is a few kilobytes.
const maxResponseBytes = 1 << 20
