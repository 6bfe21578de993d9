package upstream

// Hand-written decoding of the lists the gateway reads most.
//
// encoding/json reads a body twice (it checks the whole document, then
// decodes it) and finds each field by reflection. Deployments and instances
// lists are fetched once per application of a query, and decoding them
// was the largest share of the gateway's CPU on workload 2 of cmd/bench;
// an organisation's applications list (80 KB for 20) comes next.
// decodeFast decodes them in one pass, without reflection, into exactly
// what encoding/json would give, or gives up at the first thing it does not
// expect (a key in another case, a repeated key, a number where a string
// goes, a null list element, malformed JSON...), and the body is decoded
// by encoding/json instead, as before. Strings with escapes or non-ASCII
// bytes, and dates, are decoded the way encoding/json decodes them.
// FuzzDecodeFast holds the two to the same result.
//
// It also allocates far less than encoding/json, which allocates each
// string, each pointer to a string or number, and each list as it grows:
// the decoded strings are parts of a few large strings, what pointers
// point to and the elements of []string lists are taken from chunks
// (slab), and a list is built in a reused buffer, then copied once at its
// length. A value decoded so shares its memory with the others of its
// body, and keeps that memory alive as long as any part of it is: the
// gateway's upstream results live as long as the request that fetched
// them.

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// decodeFast decodes b into v when v is a list it knows, and reports
// whether it did; when it did not, v is untouched.
func decodeFast(b []byte, v any) bool {
	s := &scanner{b: b}
	switch p := v.(type) {
	case *[]Deployment:
		list, ok := fastList(s, &deploymentLists, (*scanner).deployment)
		if ok && s.end() {
			*p = list
			return true
		}
	case *[]Instance:
		list, ok := fastList(s, &instanceLists, (*scanner).instance)
		if ok && s.end() {
			*p = list
			return true
		}
	case *[]Application:
		list, ok := fastList(s, &applicationLists, (*scanner).application)
		if ok && s.end() {
			*p = list
			return true
		}
	case *[]Zone:
		list, ok := fastList(s, &zoneLists, (*scanner).zone)
		if ok && s.end() {
			*p = list
			return true
		}
	case *Application:
		var a Application
		if s.peek() == '{' && s.application(&a) && s.end() {
			*p = a
			return true
		}
	}
	return false
}

// fastList reads null (a nil list) or an array of objects, each read by
// elem into a new element. It builds the list in a buffer from buffers,
// then copies it into a list of its length.
func fastList[T any](s *scanner, buffers *sync.Pool, elem func(*scanner, *T) bool) ([]T, bool) {
	if s.null() {
		return nil, true
	}
	buf, _ := buffers.Get().(*[]T)
	if buf == nil {
		buf = new([]T)
	}
	defer func() {
		clear(*buf) // no pointer into this body stays behind in the pool
		if cap(*buf) <= maxBufferedList {
			*buf = (*buf)[:0]
			buffers.Put(buf)
		}
	}()
	ok := s.array(func() bool {
		if s.peek() != '{' {
			return false // null elements and the like: encoding/json's business
		}
		*buf = append(*buf, *new(T))
		return elem(s, &(*buf)[len(*buf)-1])
	})
	if !ok {
		return nil, false
	}
	return append([]T{}, *buf...), true // [] is an empty list, not nil, as encoding/json has it
}

// The buffers fastList builds lists in, by element type; a buffer that
// grew past maxBufferedList elements is dropped rather than kept.
var deploymentLists, instanceLists, applicationLists, zoneLists sync.Pool

const maxBufferedList = 1024

// The keys of the objects decodeFast reads, in the order of their fields
// in its switches.
var (
	deploymentKeys = []string{"id", "ownerId", "applicationId", "startDate", "state", "steps", "version", "origin", "hasDedicatedBuild"}
	stepKeys       = []string{"state", "date"}
	versionKeys    = []string{"commitId"}
	originKeys     = []string{"action", "cause", "source", "authorId", "constraints", "priority"}
	instanceKeys   = []string{"id", "ownerId", "applicationId", "deploymentId", "name", "flavor", "index", "state", "creationDate", "deletionDate", "network", "isBuildVm", "hypervisorId"}
	networkKeys    = []string{"ip", "port"}

	applicationKeys = []string{"id", "ownerId", "name", "description", "zone", "zoneId", "creationDate", "state", "commitId", "branch",
		"archived", "stickySessions", "homogeneous", "favourite", "cancelOnPush", "separateBuild", "forceHttps", "instance", "deployment", "vhosts"}
	appInstanceKeys   = []string{"type", "version", "variant", "minInstances", "maxInstances", "lifetime"}
	variantKeys       = []string{"id", "slug", "name", "deployType", "logo"}
	appDeploymentKeys = []string{"type", "repoState", "url", "httpUrl"}
	vhostKeys         = []string{"fqdn"}

	zoneKeys = []string{"id", "name", "country", "countryCode", "city", "displayName", "lat", "lon", "outboundIPs", "tags"}
)

func (s *scanner) deployment(d *Deployment) bool {
	return s.object(deploymentKeys, func(field int) bool {
		switch field {
		case 0:
			return s.str(&d.ID)
		case 1:
			return s.str(&d.OwnerID)
		case 2:
			return s.str(&d.ApplicationID)
		case 3:
			return s.time(&d.StartDate)
		case 4:
			return s.str(&d.State)
		case 5:
			if s.null() {
				return true
			}
			d.Steps = []DeploymentStep{}
			return s.array(func() bool {
				var st DeploymentStep
				if s.peek() != '{' || !s.object(stepKeys, func(field int) bool {
					if field == 0 {
						return s.str(&st.State)
					}
					return s.time(&st.Date)
				}) {
					return false
				}
				d.Steps = appendGrow(d.Steps, st)
				return true
			})
		case 6:
			if s.null() {
				return true
			}
			return s.object(versionKeys, func(int) bool { return s.strPtr(&d.Version.CommitID) })
		case 7:
			if s.null() {
				return true
			}
			o := new(DeploymentOrigin)
			d.Origin = o
			return s.object(originKeys, func(field int) bool {
				switch field {
				case 0:
					return s.strPtr(&o.Action)
				case 1:
					return s.strPtr(&o.Cause)
				case 2:
					return s.strPtr(&o.Source)
				case 3:
					return s.strPtr(&o.AuthorID)
				case 4:
					return s.strings(&o.Constraints)
				default:
					return s.strPtr(&o.Priority)
				}
			})
		default:
			return s.boolPtr(&d.HasDedicatedBuild)
		}
	})
}

func (s *scanner) instance(in *Instance) bool {
	return s.object(instanceKeys, func(field int) bool {
		switch field {
		case 0:
			return s.str(&in.ID)
		case 1:
			return s.str(&in.OwnerID)
		case 2:
			return s.str(&in.ApplicationID)
		case 3:
			return s.strPtr(&in.DeploymentID)
		case 4:
			return s.strPtr(&in.Name)
		case 5:
			return s.strPtr(&in.Flavor)
		case 6:
			return s.intPtr(&in.Index)
		case 7:
			return s.str(&in.State)
		case 8:
			return s.time(&in.CreationDate)
		case 9:
			return s.time(&in.DeletionDate)
		case 10:
			if s.null() {
				return true
			}
			n := new(InstanceNetwork)
			in.Network = n
			return s.object(networkKeys, func(field int) bool {
				if field == 0 {
					return s.strPtr(&n.IP)
				}
				return s.intPtr(&n.Port)
			})
		case 11:
			return s.boolPtr(&in.IsBuildVM)
		default:
			return s.strPtr(&in.HypervisorID)
		}
	})
}

func (s *scanner) application(a *Application) bool {
	return s.object(applicationKeys, func(field int) bool {
		switch field {
		case 0:
			return s.str(&a.ID)
		case 1:
			return s.str(&a.OwnerID)
		case 2:
			return s.str(&a.Name)
		case 3:
			return s.strPtr(&a.Description)
		case 4:
			return s.str(&a.ZoneName)
		case 5:
			return s.str(&a.ZoneID)
		case 6:
			return s.time(&a.CreationDate)
		case 7:
			return s.strPtr(&a.State)
		case 8:
			return s.strPtr(&a.CommitID)
		case 9:
			return s.strPtr(&a.Branch)
		case 10:
			return s.boolPtr(&a.Archived)
		case 11:
			return s.boolPtr(&a.StickySessions)
		case 12:
			return s.boolPtr(&a.Homogeneous)
		case 13:
			return s.boolPtr(&a.Favourite)
		case 14:
			return s.boolPtr(&a.CancelOnPush)
		case 15:
			return s.boolPtr(&a.SeparateBuild)
		case 16:
			return s.strPtr(&a.ForceHTTPS)
		case 17:
			if s.null() {
				a.Instance = nil
				return true
			}
			in := new(ApplicationInstance)
			a.Instance = in
			return s.object(appInstanceKeys, func(field int) bool {
				switch field {
				case 0:
					return s.strPtr(&in.Type)
				case 1:
					return s.strPtr(&in.Version)
				case 2:
					if s.null() {
						in.Variant = nil
						return true
					}
					v := new(InstanceVariant)
					in.Variant = v
					return s.object(variantKeys, func(field int) bool {
						switch field {
						case 0:
							return s.strPtr(&v.ID)
						case 1:
							return s.strPtr(&v.Slug)
						case 2:
							return s.strPtr(&v.Name)
						case 3:
							return s.strPtr(&v.DeployType)
						default:
							return s.strPtr(&v.Logo)
						}
					})
				case 3:
					return s.intPtr(&in.MinInstances)
				case 4:
					return s.intPtr(&in.MaxInstances)
				default:
					return s.strPtr(&in.Lifetime)
				}
			})
		case 18:
			if s.null() {
				a.Deployment = nil
				return true
			}
			d := new(ApplicationDeployment)
			a.Deployment = d
			return s.object(appDeploymentKeys, func(field int) bool {
				switch field {
				case 0:
					return s.strPtr(&d.Type)
				case 1:
					return s.strPtr(&d.RepoState)
				case 2:
					return s.strPtr(&d.URL)
				default:
					return s.strPtr(&d.HTTPURL)
				}
			})
		default:
			if s.null() {
				a.Vhosts = nil
				return true
			}
			a.Vhosts = []Vhost{}
			return s.array(func() bool {
				var v Vhost
				if s.peek() != '{' || !s.object(vhostKeys, func(int) bool { return s.str(&v.FQDN) }) {
					return false
				}
				a.Vhosts = appendGrow(a.Vhosts, v)
				return true
			})
		}
	})
}

func (s *scanner) zone(z *Zone) bool {
	return s.object(zoneKeys, func(field int) bool {
		switch field {
		case 0:
			return s.str(&z.ID)
		case 1:
			return s.str(&z.Name)
		case 2:
			return s.strPtr(&z.Country)
		case 3:
			return s.strPtr(&z.CountryCode)
		case 4:
			return s.strPtr(&z.City)
		case 5:
			return s.strPtr(&z.DisplayName)
		case 6:
			return s.floatPtr(&z.Lat)
		case 7:
			return s.floatPtr(&z.Lon)
		case 8:
			return s.strings(&z.OutboundIPs)
		default:
			return s.strings(&z.Tags)
		}
	})
}

// strings reads null (nil) or an array of strings into *v, its elements
// in the scanner's string slab.
func (s *scanner) strings(v *[]string) bool {
	if s.null() {
		*v = nil
		return true
	}
	run := s.strs.startRun()
	ok := s.array(func() bool {
		if s.peek() != '"' {
			return false
		}
		str, ok := s.stringValue()
		if ok {
			s.strs.appendRun(&run, str)
		}
		return ok
	})
	*v = s.strs.run(run)
	return ok
}

// appendGrow is append, starting at 4 elements as encoding/json does
// rather than at 1.
func appendGrow[T any](list []T, e T) []T {
	if cap(list) == 0 {
		list = make([]T, 0, 4)
	}
	return append(list, e)
}

// scanner reads one JSON document for decodeFast. Its methods report false
// for anything they do not expect, and the caller gives up.
type scanner struct {
	b []byte
	i int

	// text holds the plain strings (no escape, printable ASCII) decoded,
	// one after the other: each is a part of it, not an allocation of its
	// own.
	text strings.Builder
	// What the pointers decoded point to, and the elements of []string
	// values.
	strs   slab[string]
	floats slab[float64]
	ints   slab[int]
	bools  slab[bool]
}

// keep returns p as a string, copied into the scanner's text. When the
// text has no room left, a new one starts, sized by what is left of the
// body, up to textChunk; the strings of the full one keep it alive, and
// nothing writes over them: a Builder only ever writes after its length.
func (s *scanner) keep(p []byte) string {
	if s.text.Cap()-s.text.Len() < len(p) {
		s.text = strings.Builder{}
		s.text.Grow(max(len(p), min(len(s.b)-s.i+len(p), textChunk)))
	}
	start := s.text.Len()
	s.text.Write(p)
	return s.text.String()[start:]
}

// textChunk bounds the size of a scanner's text, so that a long body
// does not get one large allocation of which a few strings are kept.
const textChunk = 16 << 10

// A slab hands out elements of T from chunks it allocates, one chunk for
// many pointers or list elements instead of one allocation each. An element
// keeps its whole chunk alive.
type slab[T any] struct {
	chunk  []T
	chunks int
}

// Chunks start small, for a body with few values, and grow to a bound.
const (
	firstChunk = 8
	largeChunk = 128
)

// grow starts a new chunk with room for at least n elements more.
func (sl *slab[T]) grow(n int) {
	size := min(firstChunk<<sl.chunks, largeChunk)
	sl.chunks++
	sl.chunk = make([]T, 0, max(size, n))
}

// new returns a pointer to an element holding v.
func (sl *slab[T]) new(v T) *T {
	if len(sl.chunk) == cap(sl.chunk) {
		sl.grow(1)
	}
	sl.chunk = append(sl.chunk, v)
	return &sl.chunk[len(sl.chunk)-1]
}

// startRun starts a list whose elements follow each other in the slab:
// between startRun and run, nothing else may take from the slab. It
// returns the index of the list's first element in the current chunk.
func (sl *slab[T]) startRun() int {
	if sl.chunk == nil {
		sl.grow(0)
	}
	return len(sl.chunk)
}

// appendRun appends v to the list started at *start, moving the list to a
// new chunk (and *start with it) when the current one is full.
func (sl *slab[T]) appendRun(start *int, v T) {
	if len(sl.chunk) == cap(sl.chunk) {
		list := sl.chunk[*start:]
		sl.grow(2*len(list) + 1)
		sl.chunk = append(sl.chunk, list...)
		*start = 0
	}
	sl.chunk = append(sl.chunk, v)
}

// run returns the list started at start: a slice of the slab with no room
// to grow into, so that appending to it copies it rather than overwrite
// what follows.
func (sl *slab[T]) run(start int) []T {
	return sl.chunk[start:len(sl.chunk):len(sl.chunk)]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// peek returns the next byte that is not white space (0 at the end).
func (s *scanner) peek() byte {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
	if s.i == len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// end reports whether only white space is left.
func (s *scanner) end() bool { return s.peek() == 0 && s.i == len(s.b) }

func (s *scanner) literal(word string) bool {
	if s.peek() != word[0] || !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// null consumes a null if one comes next.
func (s *scanner) null() bool { return s.literal("null") }

// object reads an object whose keys are among keys, each once, calling
// field with its index to read its value; unknown keys are skipped, unless
// they match a known key in another case (encoding/json would take them).
func (s *scanner) object(keys []string, field func(int) bool) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true
	}
	var seen uint64
	for {
		key, ok := s.key()
		if !ok || s.peek() != ':' {
			return false
		}
		s.i++
		k := -1
		for j, name := range keys {
			if string(key) == name {
				k = j
				break
			}
			if bytes.EqualFold(key, []byte(name)) {
				return false
			}
		}
		switch {
		case k < 0:
			if !s.skip() {
				return false
			}
		case seen&(1<<k) != 0:
			return false // a repeated key: encoding/json's rules apply
		default:
			seen |= 1 << k
			if !field(k) {
				return false
			}
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// key reads an object key made of printable ASCII without escapes.
func (s *scanner) key() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// array reads an array, calling elem for each element.
func (s *scanner) array(elem func() bool) bool {
	if s.peek() != '[' {
		return false
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		return true
	}
	for {
		if !elem() {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// token returns the bytes of the string that comes next, quotes
// included, and whether it needs encoding/json's decoding (an escape or
// a byte outside printable ASCII).
func (s *scanner) token() (tok []byte, plain bool, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	start := s.i
	plain = true
	for j := start + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '\\':
			plain = false
			j++ // the escaped byte cannot end the string
		case c == '"':
			s.i = j + 1
			return s.b[start:s.i], plain, true
		case c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return nil, false, false
}

// str reads a string into *v; null leaves *v as it is.
func (s *scanner) str(v *string) bool {
	if s.null() {
		return true
	}
	str, ok := s.stringValue()
	if ok {
		*v = str
	}
	return ok
}

// stringValue reads a string. It returns it rather than store it through
// a pointer, which encoding/json's fallback would make escape, and with it
// a heap string header for each string of a list.
func (s *scanner) stringValue() (string, bool) {
	tok, plain, ok := s.token()
	if !ok {
		return "", false
	}
	if plain {
		return s.keep(tok[1 : len(tok)-1]), true
	}
	var v string
	if json.Unmarshal(tok, &v) != nil {
		return "", false
	}
	return v, true
}

// strPtr reads a string or null into *v.
func (s *scanner) strPtr(v **string) bool {
	if s.null() {
		*v = nil
		return true
	}
	str, ok := s.stringValue()
	if !ok {
		return false
	}
	*v = s.strs.new(str)
	return true
}

// boolPtr reads true, false or null into *v.
func (s *scanner) boolPtr(v **bool) bool {
	switch {
	case s.null():
		*v = nil
	case s.literal("true"):
		*v = s.bools.new(true)
	case s.literal("false"):
		*v = s.bools.new(false)
	default:
		return false
	}
	return true
}

// intPtr reads an integer (no fraction, no exponent) or null into *v.
func (s *scanner) intPtr(v **int) bool {
	if s.null() {
		*v = nil
		return true
	}
	start := s.i
	j := start
	if j < len(s.b) && s.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9' {
		j++
	}
	if j == digits || s.b[digits] == '0' && j-digits > 1 {
		return false // no digits, or a leading zero
	}
	if j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		return false
	}
	n, err := strconv.Atoi(string(s.b[start:j]))
	if err != nil {
		return false
	}
	s.i = j
	*v = s.ints.new(n)
	return true
}

// floatPtr reads a number or null into *v, as strconv.ParseFloat reads
// it (encoding/json's way); a number out of range is left to encoding/json.
func (s *scanner) floatPtr(v **float64) bool {
	if s.null() {
		*v = nil
		return true
	}
	tok, ok := s.number()
	if !ok {
		return false
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return false
	}
	*v = s.floats.new(f)
	return true
}

// number reads the number that comes next, checked as JSON.
func (s *scanner) number() ([]byte, bool) {
	if c := s.peek(); c != '-' && (c < '0' || c > '9') {
		return nil, false
	}
	j := s.i
	for j < len(s.b) && inNumber(s.b[j]) {
		j++
	}
	tok := s.b[s.i:j]
	if !json.Valid(tok) {
		return nil, false
	}
	s.i = j
	return tok, true
}

// time reads a date the way encoding/json does: Time's UnmarshalJSON gets
// the value's bytes, null included.
func (s *scanner) time(t *Time) bool {
	c := s.peek()
	start := s.i
	switch {
	case c == '"':
		// encoding/json checks a string before UnmarshalJSON sees it.
		if tok, plain, ok := s.token(); !ok || !plain && !json.Valid(tok) {
			return false
		}
	case c == 'n':
		if !s.null() {
			return false
		}
	case c == '-' || c >= '0' && c <= '9':
		if _, ok := s.number(); !ok {
			return false
		}
	default:
		return false
	}
	return t.UnmarshalJSON(s.b[start:s.i]) == nil
}

// skip steps over one value, checking its syntax.
func (s *scanner) skip() bool {
	switch c := s.peek(); {
	case c == '{':
		return s.object(nil, func(int) bool { return false })
	case c == '[':
		return s.array(s.skip)
	case c == '"':
		tok, plain, ok := s.token()
		return ok && (plain || json.Valid(tok))
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.null()
	case c == '-' || c >= '0' && c <= '9':
		_, ok := s.number()
		return ok
	}
	return false
}

// inNumber reports whether c may be part of a JSON number.
func inNumber(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}
