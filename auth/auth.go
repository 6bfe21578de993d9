// Package auth carries the caller's Clever Cloud token through a request's
// context. The token enters through two doors, the HTTP Authorization
// header and the websocket connection_init payload, and both use
// [WithToken]; only the loader factory reads it back with [TokenFrom].
package auth

import (
	"context"
	"strings"
)

type tokenKey struct{}

// WithToken returns ctx carrying the caller's Authorization value.
func WithToken(ctx context.Context, authorization string) context.Context {
	return context.WithValue(ctx, tokenKey{}, authorization)
}

// TokenFrom returns the caller's Authorization value, or "" for an
// anonymous caller.
func TokenFrom(ctx context.Context) string {
	tok, _ := ctx.Value(tokenKey{}).(string)
	return tok
}

// MaxTokenBytes bounds an Authorization value. Clever Cloud's tokens are a
// few hundred bytes; net/http takes headers of up to 1 MiB, and a token is
// hashed on every upstream call, sent with each, and kept (as a digest) by
// what is shared per caller.
const MaxTokenBytes = 8 << 10

// Normalize turns what a caller sent into an Authorization value to forward:
// surrounding space is trimmed and a bare token (no scheme, as people paste
// it into a playground) becomes "Bearer <token>". It returns "" for a value
// that cannot be a token: empty, a scheme alone ("Bearer", which would
// otherwise go out as "Bearer Bearer"), longer than MaxTokenBytes, or
// holding control characters.
func Normalize(header string) string {
	v := strings.TrimSpace(header)
	if v == "" || len(v) > MaxTokenBytes || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) ||
		strings.EqualFold(v, "Bearer") || strings.EqualFold(v, "OAuth") {
		return ""
	}
	if !strings.Contains(v, " ") {
		return "Bearer " + v
	}
	return v
}
