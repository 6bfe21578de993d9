// Package loaders holds the dataloaders of one GraphQL response.
//
// A [Loaders] is built for one response and one caller ([New]), attached to
// the context ([With]) and read by resolvers through typed getters such as
// [Deployments]. Each upstream resource is fetched at most once per
// response; calls run concurrently up to a bound; list answers prime the
// by-id loaders, and by-id lookups are answered from a list whenever the
// same response already asked for it. Keys carry the caller's token, so even
// a Loaders shared by mistake could not serve one caller's data to another.
package loaders

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/cleverql/gateway/upstream"
)

// Defaults of [Options].
const (
	// DefaultConcurrency is the upstream calls one response runs at once:
	// the widest fan-out at one depth of the nested query over two
	// organisations is 67 calls (upstream's per-token bound is as wide).
	DefaultConcurrency = 128
	// DefaultBatchWait is how long a by-id loader gathers keys before it
	// decides between one list call and single GETs. Loads of sibling list
	// items arrive within microseconds of each other.
	DefaultBatchWait = 500 * time.Microsecond
)

// Options tune a [Loaders]; the zero value takes the defaults.
type Options struct {
	// Concurrency bounds the upstream calls of one response.
	Concurrency int
	// BatchWait is how long by-id loaders gather keys.
	BatchWait time.Duration
	// MaxBatch, when positive, starts a by-id batch as soon as it holds
	// that many keys, without waiting for BatchWait.
	MaxBatch int
	// OnBatch, when set, is told the size of every by-id batch (metrics).
	OnBatch func(loader string, keys int)
	// Share, when not nil, lets the response join calls that other
	// responses of the same caller have in flight (see [Flights]); one
	// Flights serves every response of a gateway.
	Share *Flights
	// Naive turns every optimisation off: no cache, no batching, no list
	// answering by-id lookups; each field calls the upstream itself. It
	// exists only to measure what the loaders save (cmd/bench).
	Naive bool
}

// Loaders are the dataloaders of one response for one caller.
type Loaders struct {
	client *upstream.Client // without token: each call adds its key's token
	token  string
	caller *upstream.Client // client with token, what as(token) returns
	opts   Options
	sem    chan struct{}
	// created is when the response's loaders were made: it joins calls
	// started since (Flights).
	created time.Time
	built   [groupCount]sync.Once // see need

	self            *dataloader.Loader[tokenKey, *upstream.User]
	organisations   *listLoader[tokenKey, upstream.Organisation]
	organisation    *byIDLoader[idKey, tokenKey, tokenKey, upstream.Organisation]
	applications    *listLoader[idKey, upstream.Application]
	application     *byIDLoader[childKey, idKey, idKey, upstream.Application]
	zones           *listLoader[tokenKey, upstream.Zone]
	deployments     *listLoader[listKey, upstream.Deployment]
	deployment      *byIDLoader[grandchildKey, listKey, listKey, upstream.Deployment]
	instances       *listLoader[listKey, upstream.Instance]
	instanceFilters filters[upstream.ListInstancesOptions]
	loadBalancers   *listLoader[childKey, upstream.LoadBalancer]
	invoices        *listLoader[listKey, upstream.Invoice]
	invoiceFilters  filters[upstream.ListInvoicesOptions]
	invoice         *byIDLoader[childKey, listKey, listKey, upstream.Invoice]
	addons          *listLoader[idKey, upstream.Addon]
	operator        *dataloader.Loader[operatorKey, *upstream.Operator]
	pulsar          *dataloader.Loader[idKey, *upstream.StoragePolicies]
}

// Keys. Every key carries the caller's token.
type (
	tokenKey struct{ token string }
	idKey    struct{ token, id string }
	// childKey names a resource below a parent: an application of an owner,
	// an invoice of an organisation, the load balancers of an application.
	childKey struct{ token, parent, id string }
	// grandchildKey names a resource below an application.
	grandchildKey struct{ token, owner, app, id string }
	// listKey names a filtered list below an owner (and an application);
	// query is the encoded filter.
	listKey     struct{ token, owner, app, query string }
	operatorKey struct {
		token string
		kind  upstream.OperatorKind
		id    string
	}
)

// New returns the loaders of one response. client must carry no token of
// its own: token (the caller's Authorization value, or "" for an anonymous
// caller) is added per call.
func New(client *upstream.Client, token string, opts Options) *Loaders {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.BatchWait <= 0 {
		opts.BatchWait = DefaultBatchWait
	}
	return &Loaders{client: client, token: token, caller: client.WithToken(token), opts: opts, sem: make(chan struct{}, opts.Concurrency), created: time.Now()}
}

// A group is a set of loaders built together, when the response first
// needs one of them: a response that reads zones builds no deployment
// loaders. (Building every loader for every response was a twentieth of
// the gateway's CPU on the bench's workload 1.)
type group uint8

const (
	groupSelf group = iota
	groupOrganisations
	groupApplications
	groupZones
	groupDeployments
	groupInstances
	groupLoadBalancers
	groupBilling
	groupOperators
	groupCount
)

// need builds g's loaders unless they are built already.
func (l *Loaders) need(g group) {
	l.built[g].Do(func() {
		switch g {
		case groupSelf:
			l.self = newLoader(l, "self", func(ctx context.Context, k tokenKey) (*upstream.User, error) {
				return l.as(k.token).GetSelf(ctx)
			})
		case groupOrganisations:
			l.initOrganisations()
		case groupApplications:
			l.initApplications()
		case groupZones:
			l.initZones()
		case groupDeployments:
			l.initDeployments()
		case groupInstances:
			l.initInstances()
		case groupLoadBalancers:
			l.initLoadBalancers()
		case groupBilling:
			l.initBilling()
		case groupOperators:
			l.initOperators()
		}
	})
}

// filters keeps the options behind filtered list keys (whose query is
// their encoding), so that a fetch sends them as they were given.
type filters[O any] struct {
	mu sync.Mutex
	m  map[listKey]*O
}

// put keeps o for k, unless options are kept for k already: options of
// one encoding send the same query. Nil options need no keeping.
func (f *filters[O]) put(k listKey, o *O) {
	if o == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = make(map[listKey]*O)
	}
	if _, ok := f.m[k]; !ok {
		f.m[k] = o
	}
}

// get returns the options of k; nil (the upstream's default list) when
// none was put, as for the list a by-id lookup asks for.
func (f *filters[O]) get(k listKey) *O {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.m[k]
}

// query encodes options as their list key's query; nil options, the
// upstream's default list, are "".
func query[O any, PO interface {
	*O
	Values() url.Values
}](o PO) string {
	if o == nil {
		return ""
	}
	return o.Values().Encode()
}

type ctxKey struct{}

// holder builds a response's Loaders on first use: a subscription event or
// a response that needs none costs nothing. A stream needs only the
// caller's client, which it gets without building them.
type holder struct {
	once   sync.Once
	client *upstream.Client
	token  string
	opts   Options
	l      *Loaders
}

// With returns a context carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	h := &holder{client: l.client, token: l.token, l: l}
	h.once.Do(func() {})
	return context.WithValue(ctx, ctxKey{}, h)
}

// WithLazy returns a context carrying the Loaders New(client, token, opts)
// returns, built when a resolver first asks for them.
func WithLazy(ctx context.Context, client *upstream.Client, token string, opts Options) context.Context {
	return context.WithValue(ctx, ctxKey{}, &holder{client: client, token: token, opts: opts})
}

// ErrNoLoaders means a resolver ran without loaders in its context: a wiring
// bug, never a user error.
var ErrNoLoaders = errors.New("loaders: none in context")

// from returns the context's loaders.
func from(ctx context.Context, g group) (*Loaders, error) {
	h, ok := ctx.Value(ctxKey{}).(*holder)
	if !ok {
		return nil, ErrNoLoaders
	}
	h.once.Do(func() { h.l = New(h.client, h.token, h.opts) })
	h.l.need(g)
	return h.l, nil
}

// Client returns the upstream client of the response's caller, for what no
// loader caches: streams. It builds no loaders, so that a subscription
// holds none for its lifetime.
func Client(ctx context.Context) (*upstream.Client, error) {
	h, ok := ctx.Value(ctxKey{}).(*holder)
	if !ok {
		return nil, ErrNoLoaders
	}
	return h.client.WithToken(h.token), nil
}

// as returns the client that calls upstream with token: the caller's,
// built once, for the caller's token (which every key of this response
// carries).
func (l *Loaders) as(token string) *upstream.Client {
	if token == l.token {
		return l.caller
	}
	return l.client.WithToken(token)
}

// acquire takes one of the response's upstream call slots.
func (l *Loaders) acquire(ctx context.Context) error {
	select {
	case l.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Loaders) release() { <-l.sem }
