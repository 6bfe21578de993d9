package loaders

// Starting a list before its field asks for it.
//
// A field resolves only once its parent has: in
// organisation(id) { applications } the applications are asked for after
// the organisation has arrived, one round trip later, although their call
// needs nothing but the id the query gives. The Start functions make a
// list's call at once, in a goroutine of its own and with the key its
// getter would use; the getter then waits for that call instead of making
// one, so a response makes the same calls, only sooner.
//
// The call gets ctx, which must be the response's (any field's context):
// it ends with the response. When the parent turns out not to exist, the
// started call is not read, and costs one call the response did not need.
// In naive mode the Start functions do nothing.

import "context"

// StartApplications starts [Applications] for an owner.
func StartApplications(ctx context.Context, ownerID string) {
	if l, err := from(ctx, groupApplications); err == nil {
		l.applications.start(ctx, idKey{l.token, ownerID})
	}
}

// StartDeployments starts [Deployments] for an application.
func StartDeployments(ctx context.Context, ownerID, appID string, limit int) {
	if l, err := from(ctx, groupDeployments); err == nil {
		l.deployments.start(ctx, l.deploymentsKey(ownerID, appID, limit))
	}
}

// StartInstances starts [Instances] for an application, with the
// upstream's default filter (nil options).
func StartInstances(ctx context.Context, ownerID, appID string) {
	if l, err := from(ctx, groupInstances); err == nil {
		l.instances.start(ctx, listKey{token: l.token, owner: ownerID, app: appID})
	}
}

// StartLoadBalancers starts [LoadBalancers] for an application.
func StartLoadBalancers(ctx context.Context, ownerID, appID string) {
	if l, err := from(ctx, groupLoadBalancers); err == nil {
		l.loadBalancers.start(ctx, childKey{l.token, ownerID, appID})
	}
}
