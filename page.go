package tenancy

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"time"
)

// Page asks for one page of a list. Limit 0 means DefaultPageSize; the
// maximum is MaxPageSize. After is the Next of the previous page, "" for
// the first.
type Page struct {
	Limit int
	After string
}

// List is one page of results. Next is "" on the last page; otherwise pass
// it as Page.After to get the next one. Lists are keyset-paginated, so
// items inserted meanwhile never make a page repeat or skip older items.
type List[T any] struct {
	Items []T
	Next  string
}

// Page size limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// cursorKind tags a cursor with the list it belongs to, so that a cursor
// of one list is rejected by another.
type cursorKind byte

const (
	cursorMembers cursorKind = iota + 1
	cursorInvitations
	cursorOrgWorkspaces
	cursorUserWorkspaces
	cursorOrgUsers
	cursorAudit
)

// query validates the page and decodes its cursor. Errors match
// ErrInvalidInput. The returned Limit is one more than the page size, so
// that the caller learns whether another page follows.
func (p Page) query(kind cursorKind) (PageQuery, error) {
	switch {
	case p.Limit < 0:
		return PageQuery{}, invalid("page limit %d is negative", p.Limit)
	case p.Limit > MaxPageSize:
		return PageQuery{}, invalid("page limit %d is over %d", p.Limit, MaxPageSize)
	}
	limit := p.Limit
	if limit == 0 {
		limit = DefaultPageSize
	}
	q := PageQuery{Limit: limit + 1}
	if p.After != "" {
		c, err := decodeCursor(kind, p.After)
		if err != nil {
			return PageQuery{}, err
		}
		q.After = &c
	}
	return q, q.Validate()
}

// paginate cuts items (fetched with limit+1) to a page and builds Next from
// the last item kept.
func paginate[T any](items []T, fetched int, kind cursorKind, key func(T) Cursor) List[T] {
	if items == nil {
		items = []T{}
	}
	if len(items) < fetched {
		return List[T]{Items: items}
	}
	items = items[:fetched-1]
	return List[T]{Items: items, Next: encodeCursor(kind, key(items[len(items)-1]))}
}

// A cursor is base64url(kind, id[16], unix nanoseconds[8], key...).
const cursorHeader = 1 + 16 + 8

func encodeCursor(kind cursorKind, c Cursor) string {
	b := make([]byte, cursorHeader, cursorHeader+len(c.Key))
	b[0] = byte(kind)
	copy(b[1:17], c.ID[:])
	var nanos int64
	if !c.At.IsZero() {
		nanos = c.At.UnixNano()
	}
	binary.BigEndian.PutUint64(b[17:25], uint64(nanos))
	b = append(b, c.Key...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(kind cursorKind, s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < cursorHeader || cursorKind(b[0]) != kind || len(s) > base64.RawURLEncoding.EncodedLen(cursorHeader+MaxCursorKeyLength) {
		return Cursor{}, invalid("malformed page cursor")
	}
	var c Cursor
	copy(c.ID[:], b[1:17])
	if nanos := int64(binary.BigEndian.Uint64(b[17:25])); nanos != 0 {
		c.At = time.Unix(0, nanos).UTC()
	}
	c.Key = string(b[cursorHeader:])
	return c, nil
}

// listPage serves one page of a list: it validates the page, runs the
// authorization gate, reads one item more than the page holds, and cuts.
func listPage[T any](ctx context.Context, s *Service, p Page, kind cursorKind, gate func() error,
	list func(PageQuery) ([]T, error), key func(T) Cursor) (List[T], error) {
	q, err := p.query(kind)
	if err != nil {
		return List[T]{}, err
	}
	if err := gate(); err != nil {
		return List[T]{}, err
	}
	items, err := list(q)
	if err != nil {
		return List[T]{}, s.readFailed(ctx, err)
	}
	return paginate(items, q.Limit, kind, key), nil
}

// readFailed logs a store failure on a read path and returns err.
func (s *Service) readFailed(ctx context.Context, err error) error {
	if !isDomainError(err) {
		s.storeFailed(ctx, "read", err)
	}
	return err
}
