package loaders

import (
	"context"
	"errors"
	"fmt"

	"github.com/cleverql/gateway/upstream"
)

// Mutations call the upstream directly, exactly once: never batched, never
// retried. Afterwards, the response's caches for what changed are replaced
// with the upstream's answer, or cleared and read again, so no later field
// of the same response answers with data cached before the change.

// ErrAppliedButUnread wraps the error of the read that follows a mutation
// the upstream accepted: the change happened, only its result is unknown.
var ErrAppliedButUnread = errors.New("the change was applied, but reading the result failed")

// RebootOperator restarts an operator's service and returns the operator
// read afterwards.
func RebootOperator(ctx context.Context, kind upstream.OperatorKind, id string) (*upstream.Operator, error) {
	return operatorMutation(ctx, kind, id, (*upstream.Client).RebootOperator)
}

// RebuildOperator rebuilds an operator's service and returns the operator
// read afterwards.
func RebuildOperator(ctx context.Context, kind upstream.OperatorKind, id string) (*upstream.Operator, error) {
	return operatorMutation(ctx, kind, id, (*upstream.Client).RebuildOperator)
}

// DisableNetworkGroup takes an operator out of its Network Group and returns
// the operator read afterwards.
func DisableNetworkGroup(ctx context.Context, kind upstream.OperatorKind, id string) (*upstream.Operator, error) {
	return operatorMutation(ctx, kind, id, (*upstream.Client).DisableNetworkGroup)
}

// EnableNetworkGroup puts an operator in a Network Group and returns the
// operator the upstream answered with; read afresh when that answer does
// not read (empty, say).
func EnableNetworkGroup(ctx context.Context, kind upstream.OperatorKind, id string) (*upstream.Operator, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, err
	}
	op, err := l.as(l.token).EnableNetworkGroup(ctx, kind, id)
	k := operatorKey{l.token, kind, id}
	switch {
	case errors.Is(err, upstream.ErrMalformedResponse): // accepted, with an answer that does not read
		return readAfterChange(l.operator.Clear(ctx, k).Load(ctx, k)())
	case err != nil:
		return nil, err
	}
	l.operator.Clear(ctx, k).Prime(ctx, k, op)
	return op, nil
}

// operatorMutation runs an operator mutation the upstream answers with 204,
// then reads the operator afresh.
func operatorMutation(ctx context.Context, kind upstream.OperatorKind, id string, mutate func(*upstream.Client, context.Context, upstream.OperatorKind, string) error) (*upstream.Operator, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, err
	}
	if err := mutate(l.as(l.token), ctx, kind, id); err != nil {
		return nil, err
	}
	k := operatorKey{l.token, kind, id}
	return readAfterChange(l.operator.Clear(ctx, k).Load(ctx, k)())
}

// readAfterChange is what a read after an applied change returns: its
// value, or its error wrapped in ErrAppliedButUnread.
func readAfterChange[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAppliedButUnread, err)
	}
	return v, nil
}

// UpdateStoragePolicies changes a Pulsar add-on's storage policies and
// returns them as the upstream answered; read afresh when that answer does
// not read (empty, say).
func UpdateStoragePolicies(ctx context.Context, addonID string, update upstream.StoragePoliciesUpdate) (*upstream.StoragePolicies, error) {
	l, err := from(ctx, groupOperators)
	if err != nil {
		return nil, err
	}
	p, err := l.as(l.token).UpdateStoragePolicies(ctx, addonID, update)
	k := idKey{l.token, addonID}
	switch {
	case errors.Is(err, upstream.ErrMalformedResponse):
		return readAfterChange(l.pulsar.Clear(ctx, k).Load(ctx, k)())
	case err != nil:
		return nil, err
	}
	l.pulsar.Clear(ctx, k).Prime(ctx, k, p)
	return p, nil
}
