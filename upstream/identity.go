package upstream

import (
	"crypto/sha256"
	"encoding/hex"
)

// Identity names the caller the Client acts for without holding its token:
// a digest of the Authorization value ("" for an anonymous caller). Shared
// state keyed by caller (a stream several subscribers share) uses it, so
// that no token sits in a map or a dump.
func (c *Client) Identity() string {
	if c.token == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(c.token))
	return hex.EncodeToString(sum[:16])
}
