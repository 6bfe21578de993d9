package resolvers

import (
	"context"
	"encoding/json"
	"testing"
)

// Outside an operation (a resolver called directly), nothing is started
// and nothing panics.
func TestStartListsOutsideAnOperation(t *testing.T) {
	startOrganisationLists(context.Background(), "orga_x")
	startApplicationLists(context.Background(), "orga_x", "app_x")
}

// intArg reads an optional Int argument as the resolver would: absent or
// null is 0; a literal (int64) or a variable (json.Number, int) is read;
// anything else is left to the resolver.
func TestIntArg(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int
		ok   bool
	}{
		{nil, 0, true},
		{int64(3), 3, true},
		{7, 7, true},
		{json.Number("5"), 5, true},
		{json.Number("2.5"), 0, false},
		{"3", 0, false},
		{3.0, 0, false},
	} {
		args := map[string]any{}
		if tc.in != nil {
			args["limit"] = tc.in
		}
		if got, ok := intArg(args, "limit"); got != tc.want || ok != tc.ok {
			t.Errorf("intArg(%#v) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
