package resolvers

import (
	"bytes"
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/cleverql/gateway/logtail"
)

// A LiveTail lets the subscriptions that tail the same application render
// each log line once between them. gqlgen executes a subscription's
// selection for every event and every subscriber; a thousand subscribers
// of one application would marshal the same line a thousand times, which
// is most of what a live line costs.
//
// The gateway's operation interceptor puts an empty LiveTail in the
// operation's context ([WithLiveTail]); applicationLogs, when it joins the
// log hub, claims it; the interceptor then reads events through
// [LiveTail.Handler]. For each line, the first subscriber to take it lets
// gqlgen execute it as usual and keeps the response's data in the line's
// [logtail.Memo], under a key naming the selection (root alias, then each
// field's alias and name, after @skip and @include); every other
// subscriber with the same key answers with those bytes. Errors, and
// responses with errors or extensions, always go through gqlgen. A line
// belongs to one hub topic, whose key holds the caller's identity: no
// rendering crosses tokens.
type LiveTail struct {
	items   lineSource    // the hub's feed
	out     chan LogEvent // what gqlgen's handler reads: one event at a time
	convert func(*logtail.Item) LogEvent
	key     string // the selection's rendering key; "" when it has none
	// resp answers from the memo: transports send a response before they
	// ask for the next, so one per subscription does.
	resp graphql.Response
}

// lineSource is what a LiveTail reads lines from: a [logtail.Feed].
type lineSource interface {
	Next() (*logtail.Item, bool) // ends when the subscription's context does
	Leave()
}

type liveTailKey struct{}

// WithLiveTail returns ctx with an empty LiveTail for the operation's
// applicationLogs field to claim.
func WithLiveTail(ctx context.Context) (context.Context, *LiveTail) {
	lt := new(LiveTail)
	return context.WithValue(ctx, liveTailKey{}, lt), lt
}

// claimLiveTail returns the operation's LiveTail if nobody claimed it yet.
// The resolver runs on the interceptor's goroutine, before Handler.
func claimLiveTail(ctx context.Context) *LiveTail {
	lt, _ := ctx.Value(liveTailKey{}).(*LiveTail)
	if lt == nil || lt.items != nil {
		return nil
	}
	return lt
}

// feed makes lt read items, and returns the channel gqlgen reads.
func (lt *LiveTail) feed(items lineSource, key string, convert func(*logtail.Item) LogEvent) <-chan LogEvent {
	lt.items, lt.key, lt.convert = items, key, convert
	lt.out = make(chan LogEvent, 1)
	return lt.out
}

// End leaves the hub's feed, if the operation joined one: the gateway calls
// it once the operation is over, on the goroutine that ran it.
func (lt *LiveTail) End() {
	if lt != nil && lt.items != nil {
		lt.items.Leave()
	}
}

// Handler returns the operation's response handler: next itself when the
// operation is not a live tail. A response from the memo skips the
// AroundResponses interceptors, which have nothing to do for a line
// without errors.
func (lt *LiveTail) Handler(next graphql.ResponseHandler) graphql.ResponseHandler {
	if lt == nil || lt.items == nil {
		return next
	}
	return func(ctx context.Context) *graphql.Response {
		if ctx.Err() != nil {
			return nil
		}
		it, ok := lt.items.Next()
		if ctx.Err() != nil {
			return nil
		}
		if !ok {
			close(lt.out) // gqlgen's handler ends the stream as it would have
			return next(ctx)
		}
		if it.Err == nil && lt.key != "" {
			if data, ok := it.Memo.Get(lt.key); ok {
				lt.resp = graphql.Response{Data: data}
				return &lt.resp
			}
		}
		if ctx.Err() != nil {
			return nil // next would not read the event, and out has room for one
		}
		lt.out <- lt.convert(it)
		resp := next(ctx)
		if it.Err == nil && lt.key != "" && resp != nil && len(resp.Errors) == 0 && len(resp.Extensions) == 0 {
			// gqlgen reuses the buffer behind Data for the next event.
			it.Memo.Keep(lt.key, bytes.Clone(resp.Data))
		}
		return resp
	}
}

// renderingKey names what the field's selection renders a LogLine into:
// the same key, the same bytes, whatever the document's text, fragments or
// variables. Only leaf fields without arguments or other directives than
// @skip and @include (applied by CollectFields) have one; "" otherwise.
func renderingKey(ctx context.Context) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return ""
	}
	oc := graphql.GetOperationContext(ctx)
	var b strings.Builder
	b.WriteString(fc.Field.Alias)
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, []string{"LogLine"}) {
		if len(f.Selections) > 0 || len(f.Arguments) > 0 {
			return ""
		}
		for _, d := range f.Directives {
			if d.Name != "skip" && d.Name != "include" {
				return ""
			}
		}
		b.WriteByte(0)
		b.WriteString(f.Alias)
		b.WriteByte(':')
		b.WriteString(f.Name)
	}
	return b.String()
}
