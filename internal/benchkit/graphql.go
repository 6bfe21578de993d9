package benchkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The demo tokens of the fake (upstream/upstreamtest): Alice sees the
// organisations "Acme Corp" (20 applications) and "Beta Labs" (2) and her
// personal space; Bob sees other ones.
const (
	TokenAlice = "demo-alice-token"
	TokenBob   = "demo-bob-token"
)

// Organisation is an owner a token sees, with its applications' ids.
type Organisation struct {
	ID           string
	Name         string
	Applications []string
}

// Personal reports whether the owner is a user's personal space.
func (o Organisation) Personal() bool { return strings.HasPrefix(o.ID, "user_") }

// Organisations lists the owners the token sees, personal space included,
// through the gateway at base.
func Organisations(base, token string) ([]Organisation, error) {
	var r struct {
		Organisations []struct {
			ID           string
			Name         string
			Applications []struct{ ID string }
		}
	}
	if err := Query(http.DefaultClient, base, token, `{ organisations { id name applications { id } } }`, nil, &r); err != nil {
		return nil, err
	}
	var orgs []Organisation
	for _, o := range r.Organisations {
		org := Organisation{ID: o.ID, Name: o.Name}
		for _, a := range o.Applications {
			org.Applications = append(org.Applications, a.ID)
		}
		orgs = append(orgs, org)
	}
	return orgs, nil
}

// Applications lists the (owner, application) pairs the token sees.
func Applications(base, token string) ([][2]string, error) {
	orgs, err := Organisations(base, token)
	if err != nil {
		return nil, err
	}
	var apps [][2]string
	for _, o := range orgs {
		for _, a := range o.Applications {
			apps = append(apps, [2]string{o.ID, a})
		}
	}
	if len(apps) == 0 {
		return nil, errors.New("no application to follow")
	}
	return apps, nil
}

// Query posts a GraphQL query to the gateway at base with the token, and
// decodes its data into data. A response with errors is an error.
func Query(hc *http.Client, base, token, query string, vars map[string]any, data any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: %w", resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("%s: %d error(s), first %s", resp.Status, len(r.Errors), firstOf(r.Errors))
	}
	return json.Unmarshal(r.Data, data)
}

func firstOf(errs []json.RawMessage) string {
	if len(errs) == 0 {
		return "none"
	}
	return string(errs[0])
}
