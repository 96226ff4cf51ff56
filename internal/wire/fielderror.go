package wire

// FieldError says which field or parameter of a request is wrong and why.
// It is the one request-validation error the services share (exports,
// compliance); the API answers it as 400 invalid_field with
// ErrorDetail.Field set, so a client can put Message next to the input.
type FieldError struct {
	// Field is the JSON field or query parameter name, e.g. "endAt".
	Field string
	// Message says what is wrong, in words an admin can act on.
	Message string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }
