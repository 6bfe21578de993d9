package gateway

import (
	"encoding/json"
	"testing"
)

// The shapes of gqlgen's protocol messages (unexported there).
type (
	transportWSType    string
	transportWSMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    transportWSType `json:"type"`
		noOp    bool
	}
	legacyMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
	}
)

func (t transportWSType) MarshalText() ([]byte, error) { return []byte(string(t)), nil }

type (
	shoutingType     string
	embeddingMessage struct{ transportWSMessage }
	renamedType      string
	renamingMessage  struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    renamedType     `json:"type"`
	}
	extraFieldMessage struct {
		Payload json.RawMessage `json:"payload,omitempty"`
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Extra   int             `json:"extra"`
	}
)

func (t renamedType) MarshalText() ([]byte, error)  { return []byte("other"), nil }
func (t shoutingType) MarshalJSON() ([]byte, error) { return []byte(`"SHOUT"`), nil }

// appendMessage writes what json.Marshal writes for gqlgen's messages,
// whatever their id, and leaves every other value to encoding/json.
func TestAppendMessageEncodesAsJSONDoes(t *testing.T) {
	payloads := []json.RawMessage{nil, {}, json.RawMessage(`{"data":{"applicationLogs":{"id":"1","message":"a \"quoted\" <b>"}}}`), json.RawMessage(`[{"message":"x"}]`)}
	ids := []string{"", "1", "7f3e-ab", `quo"te`, `back\slash`, "tab\there", "<script>&", "é☃", "\x00\x1f", "bad \xff utf-8"}
	for _, p := range payloads {
		for _, id := range ids {
			for _, v := range []any{
				&transportWSMessage{Payload: p, ID: id, Type: "next"},
				&legacyMessage{Payload: p, ID: id, Type: "data"},
				&legacyMessage{Payload: p, ID: "1", Type: id},
			} {
				got, ok := appendMessage(nil, v)
				if !ok {
					t.Fatalf("%#v: not written directly", v)
				}
				want, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if !jsonEqual(t, got, want) {
					t.Errorf("%#v:\n got %s\nwant %s", v, got, want)
				}
			}
		}
	}
	for _, v := range []any{
		map[string]any{"type": "ka"},
		legacyMessage{Type: "ka"}, // not a pointer
		(*legacyMessage)(nil),
		&legacyKeepAlive,
		&renamingMessage{Type: "next"},
		&extraFieldMessage{Type: "next"},
		&struct {
			Payload json.RawMessage `json:"payload,omitempty"`
			ID      string          `json:"id,omitempty"`
			Type    shoutingType    `json:"type"`
		}{Type: "next"},
		&embeddingMessage{transportWSMessage{Type: "next"}},
	} {
		if b, ok := appendMessage(nil, v); ok {
			t.Errorf("%#v written directly as %s; encoding/json would write it otherwise", v, b)
		}
	}
}

// jsonEqual compares two encodings: byte for byte, bar the HTML escapes
// and invalid UTF-8 that json.Marshal replaces and a client decodes alike.
func jsonEqual(t *testing.T, got, want []byte) bool {
	t.Helper()
	if string(got) == string(want) {
		return true
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("not JSON: %s: %v", got, err)
		return false
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}
