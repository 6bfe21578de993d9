package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/cleverql/gateway/graph/gqlerr"
	"github.com/cleverql/gateway/graph/model"
	"github.com/cleverql/gateway/loaders"
	"github.com/cleverql/gateway/logtail"
	"github.com/cleverql/gateway/upstream"
)

// logFields are the LogLine fields the upstream can be asked for by name
// (its field parameter); id always goes too, as resuming needs it.
var logFields = []string{"id", "date", "message", "severity", "service", "instanceId", "deploymentId", "applicationId", "commitId", "zone"}

// followLogs starts an applicationLogs subscription: the first upstream
// request runs now, so its errors are the subscription's; the rest flows as
// events, and a final error travels as an event whose context holds it.
func (r *Resolver) followLogs(ctx context.Context, ownerID, appID string, filter *model.LogFilter) (<-chan graphql.Event[*upstream.LogLine], error) {
	client, err := loaders.Client(ctx)
	if err != nil {
		return nil, err
	}
	opts := logOptions(filter)
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
		// The upstream refuses an empty window (the limits refused since
		// after until already).
		return nil, gqlerr.BadInput("since must be before until: a window of no time holds no line")
	}
	opts.Fields = selectedLogFields(ctx)
	open := func(ctx context.Context, lastEventID string, limit int) (logtail.Stream, error) {
		o := opts
		o.Limit = limit
		return client.StreamApplicationLogs(ctx, ownerID, appID, &o, lastEventID)
	}
	path := graphql.GetPath(ctx)
	convert := func(it *logtail.Item) LogEvent {
		if it.Err != nil {
			return LogEvent{Context: gqlerr.WithEventError(ctx, gqlerror.WrapPath(path, it.Err))}
		}
		return LogEvent{Context: ctx, Value: it.Line}
	}
	if lt := claimLiveTail(ctx); lt != nil && r.LogHub != nil && opts.Since.IsZero() && opts.Until.IsZero() && opts.Limit == 0 {
		// Live tail: whoever follows the same thing with the same token
		// shares one upstream stream, and renders each line once.
		key := client.Identity() + "|" + ownerID + "|" + appID + "|" + opts.Values().Encode()
		items, err := r.LogHub.Join(ctx, key, open)
		if err != nil {
			return nil, err
		}
		return lt.feed(items, renderingKey(ctx), convert), nil
	}
	return logtail.Follow(ctx, open, opts.Limit, r.Logs, func(it logtail.Item) LogEvent { return convert(&it) })
}

// LogEvent is one event of an applicationLogs subscription.
type LogEvent = graphql.Event[*upstream.LogLine]

// NewLogHub returns the hub that shares live-tail log streams.
func NewLogHub(cfg logtail.Config) *logtail.Hub { return logtail.NewHub(cfg) }

// logOptions converts the LogFilter argument (checked already).
func logOptions(f *model.LogFilter) upstream.ApplicationLogsOptions {
	var o upstream.ApplicationLogsOptions
	if f == nil {
		return o
	}
	o.Since, o.Until, o.Limit = timeOf(f.Since), timeOf(f.Until), limitOf(f.Limit)
	o.Services = slices.Clone(f.Services)
	if f.DeploymentID != nil {
		o.DeploymentID = *f.DeploymentID
	}
	if f.InstanceID != nil {
		o.InstanceIDs = []string{*f.InstanceID}
	}
	if f.Contains != nil {
		o.Filter = *f.Contains
	}
	o.ThrottleElements, o.ThrottlePerInMilliseconds = limitOf(f.ThrottleElements), limitOf(f.ThrottlePerInMilliseconds)
	return o
}

// selectedLogFields lists the upstream fields the subscription's selection
// needs, so that the upstream sends no more; nil (every field) when the
// selection cannot be read.
func selectedLogFields(ctx context.Context) []string {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return nil
	}
	want := map[string]bool{"id": true}
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, []string{"LogLine"}) {
		want[f.Name] = true
	}
	var fields []string
	for _, name := range logFields {
		if want[name] {
			fields = append(fields, name)
		}
	}
	return fields
}
