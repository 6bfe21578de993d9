package resolvers

// Lists started with their parent's lookup.
//
// organisation(id) { applications } costs two round trips one after the
// other when each field waits for its parent: the organisation, then its
// applications. Yet the applications call needs only the id the query
// gives. So a root lookup reads which lists its selection will load below
// it and starts them with its own call (loaders.StartApplications): the
// response makes the same calls as before, one round trip sooner. The same
// holds for application(ownerId, id) and its deployments, instances and
// load balancer.
//
// Only lists whose key the arguments fix are started: a child field with
// arguments this does not read (an instances filter) is left to load
// when it resolves. When the parent turns out not to exist, the started
// calls are not read: one wasted call each, on an error path.

import (
	"context"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/loaders"
)

// startOrganisationLists starts the lists that ctx's organisation(id)
// field selects below it.
func startOrganisationLists(ctx context.Context, id string) {
	for _, f := range childFields(ctx, "Organisation") {
		if f.Name == "applications" {
			loaders.StartApplications(ctx, id)
		}
	}
}

// startApplicationLists starts the lists that ctx's application(ownerId,
// id) field selects below it.
func startApplicationLists(ctx context.Context, ownerID, id string) {
	for _, f := range childFields(ctx, "Application") {
		vars := graphql.GetOperationContext(ctx).Variables // childFields found one
		switch f.Name {
		case "deployments":
			if limit, ok := intArg(f.ArgumentMap(vars), "limit"); ok {
				loaders.StartDeployments(ctx, ownerID, id, limit)
			}
		case "instances":
			if f.ArgumentMap(vars)["filter"] == nil {
				loaders.StartInstances(ctx, ownerID, id)
			}
		case "loadBalancer":
			loaders.StartLoadBalancers(ctx, ownerID, id)
		}
	}
}

// childFields returns the fields selected below ctx's field for an object of
// type typ (through fragments, without those @skip or @include leave out);
// nil outside an operation.
func childFields(ctx context.Context, typ string) []graphql.CollectedField {
	if graphql.GetFieldContext(ctx) == nil || !graphql.HasOperationContext(ctx) {
		return nil
	}
	return graphql.CollectFieldsCtx(ctx, []string{typ})
}

// intArg returns an optional Int argument as its resolver would see it:
// 0 when absent or null. ok is false for a value it cannot read.
func intArg(args map[string]any, name string) (n int, ok bool) {
	switch v := args[name].(type) {
	case nil:
		return 0, true
	case int:
		return v, true
	case int64:
		return int(v), int64(int(v)) == v
	case json.Number:
		i, err := v.Int64()
		return int(i), err == nil && int64(int(i)) == i
	}
	return 0, false
}
