package tenancy

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"time"

	"github.com/google/uuid"
)

// Service is the tenancy model of one application: sign-up, organizations,
// workspaces, members, invitations, security policies, authorization and
// the audit log, over a Store. It is safe for concurrent use; many
// Services (in one process or many) may share one database.
type Service struct {
	store      Store
	now        func() time.Time
	policy     *Policy
	classifier EmailClassifier
	log        *slog.Logger
	onEvent    func(context.Context, AuditEvent)
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the source of the current time (default time.Now). Every
// time the Service records or compares comes from it.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithPolicy replaces the default authorization matrix.
func WithPolicy(p *Policy) Option { return func(s *Service) { s.policy = p } }

// WithEmailClassifier replaces the classifier that tells personal and
// disposable addresses from professional ones at sign-up.
func WithEmailClassifier(c EmailClassifier) Option { return func(s *Service) { s.classifier = c } }

// WithLogger sets the logger (default: discard). Denials are logged at
// debug level with the decision's fields, store failures at error level.
// Tokens and secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithEventHandler registers a function called with every audit event
// after the transaction that recorded it has committed, in order, on the
// calling goroutine. It is not called for operations that fail.
func WithEventHandler(h func(context.Context, AuditEvent)) Option {
	return func(s *Service) { s.onEvent = h }
}

// New returns a Service over store. Nil options are ignored.
func New(store Store, opts ...Option) *Service {
	s := &Service{
		store:      store,
		now:        time.Now,
		policy:     DefaultPolicy(),
		classifier: DefaultEmailClassifier(),
		log:        slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.policy == nil {
		s.policy = DefaultPolicy()
	}
	if s.classifier == nil {
		s.classifier = DefaultEmailClassifier()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Actor is the acting session, as the host's authentication layer vouches
// for it. The Service checks these facts against the organization's
// SecurityPolicy; it cannot check the facts themselves.
type Actor struct {
	UserID uuid.UUID
	// MFA reports that the session's sign-in used a second factor. SSO
	// reports that it signed in through single sign-on: the one of
	// SSOOrg when that is set, and otherwise of whatever organization a
	// call acts in.
	MFA, SSO bool
	// SSOOrg is the organization whose single sign-on the session went
	// through. When set, SSO satisfies RequireSSO in that organization
	// only, so that a sign-in through one organization's identity
	// provider passes no other's, whatever the call acts on (a host
	// cannot tell a workspace's organization before the call). With
	// uuid.Nil, SSO counts in every organization: a host whose users hold
	// roles in several organizations must then set SSO per call, from the
	// provider the organization acted in uses.
	SSOOrg uuid.UUID
	// AuthenticatedAt is when the user last proved its identity (password,
	// identity provider, link), not when the session or its token was last
	// refreshed, which would keep MaxSessionAge from ever denying. The zero
	// time fails any MaxSessionAge.
	AuthenticatedAt time.Time
	// IP is the client's address; behind a proxy, the one the host's own
	// proxy reports, never a header the client can set. The zero Addr fails
	// any AllowedIPs.
	IP netip.Addr
}

// Logger returns the Service's logger (WithLogger), for packages that
// log on its behalf, such as tenancyhttp.
func (s *Service) Logger() *slog.Logger { return s.log }

// Policy returns the Service's authorization matrix.
func (s *Service) Policy() *Policy { return s.policy }

// sessionClock returns the time a decision measures session age against:
// the zero time when the policy sets no MaxSessionAge, which is then the
// only thing that reads it. Skipping the clock keeps it off the hot path.
func (s *Service) sessionClock(sp *SecurityPolicy) time.Time {
	if sp.MaxSessionAge == 0 {
		return time.Time{}
	}
	return s.clock()
}

// clock returns the current time in UTC with the microsecond precision
// every store keeps.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Check decides whether the actor may perform act in scope. The error is
// non-nil only when the store fails; a missing workspace or organization,
// or an actor with no role in it, is a denied Decision (DeniedNoRole). It
// reads the store once and never caches, so a revoked role is denied on
// the next call.
func (s *Service) Check(ctx context.Context, a Actor, act Action, sc Scope) (Decision, error) {
	var f Facts
	var d Decision
	if err := s.decide(ctx, s.store, &a, act, sc, &f, &d); errors.Is(err, ErrNotFound) {
		d = noRoleDecision(act)
	} else if err != nil {
		return Decision{}, err
	}
	if !d.Allowed {
		s.logDenial(ctx, &a, &d, &f)
	}
	return d, nil
}

// Authorize is Check as an error: nil when allowed, otherwise a
// *DeniedError matching ErrForbidden (and ErrNotFound when the actor holds
// no role in the organization, or it does not exist), or a store failure.
func (s *Service) Authorize(ctx context.Context, a Actor, act Action, sc Scope) error {
	var f Facts
	var d Decision
	err := s.decide(ctx, s.store, &a, act, sc, &f, &d)
	switch {
	case errors.Is(err, ErrNotFound):
		return s.deny(ctx, a, noRoleDecision(act), Facts{})
	case err != nil:
		return err
	case d.Allowed:
		return nil
	}
	return s.deny(ctx, a, d, f)
}

// noRoleDecision denies act to an actor holding no role in the scope's
// organization, or in a scope that does not exist.
func noRoleDecision(act Action) Decision {
	return Decision{Action: act, Reason: reasonNoRole, Code: DeniedNoRole}
}

// decide reads the facts through r into f and decides into d (the zero
// Decision). It returns ErrNotFound if the scope does not exist. f and d
// are filled in place, and handed to the policy by address, because Check
// must not copy them more than it has to.
func (s *Service) decide(ctx context.Context, r Reader, a *Actor, act Action, sc Scope, f *Facts, d *Decision) error {
	var err error
	*f, err = r.AccessFacts(ctx, a.UserID, sc)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.storeFailed(ctx, "access facts", err)
		}
		*f = Facts{}
		return err
	}
	s.policy.decide(d, f, a, act, s.sessionClock(f.securityPolicy()))
	return nil
}

// deny logs a denial at debug level and returns it as an error. An actor
// without a role gets an error that also matches ErrNotFound.
func (s *Service) deny(ctx context.Context, a Actor, d Decision, f Facts) *DeniedError {
	s.logDenial(ctx, &a, &d, &f)
	return &DeniedError{Decision: d, noRole: d.Code == DeniedNoRole, logged: true}
}

// logDenial logs a denied decision at debug level.
func (s *Service) logDenial(ctx context.Context, a *Actor, d *Decision, f *Facts) {
	if !s.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	s.log.LogAttrs(ctx, slog.LevelDebug, "tenancy: denied",
		slog.String("user", a.UserID.String()),
		slog.String("action", clip(string(d.Action))),
		slog.String("role", clip(string(d.Role))),
		slog.String("code", string(d.Code)),
		slog.String("reason", d.Reason),
		slog.String("org", f.OrgID.String()),
		slog.String("workspace", f.WorkspaceID.String()))
}

// authorize is the gate of every Service method: it returns the facts when
// the actor may perform act in scope, ErrNotFound when the scope does not
// exist or the actor holds no role in its organization, and a *DeniedError
// otherwise.
func (s *Service) authorize(ctx context.Context, r Reader, a Actor, act Action, sc Scope) (Facts, error) {
	var f Facts
	var d Decision
	err := s.decide(ctx, r, &a, act, sc, &f, &d)
	switch {
	case errors.Is(err, ErrNotFound), err == nil && !f.HasRole():
		return Facts{}, notFound(sc)
	case err != nil:
		return Facts{}, err
	case !d.Allowed:
		return f, s.deny(ctx, a, d, f)
	}
	return f, nil
}

// authorizeWrite is authorize for a transaction that writes: it first
// locks the scope's organization, so that the facts the decision reads
// (and every count the caller reads after it, such as the number of
// admins) cannot change before the transaction commits.
//
// A Tx that is a FactsLocker locks and reads in one step (its facts are
// read once the lock is held, as a separate read would be).
func (s *Service) authorizeWrite(ctx context.Context, tx Tx, a Actor, act Action, sc Scope) (Facts, error) {
	if l, ok := tx.(FactsLocker); ok {
		return s.authorize(ctx, lockingReader{Tx: tx, l: l}, a, act, sc)
	}
	if _, err := s.lockScope(ctx, tx, sc); err != nil {
		return Facts{}, err
	}
	return s.authorize(ctx, tx, a, act, sc)
}

// lockingReader is a transaction whose AccessFacts locks the scope's
// organization first (FactsLocker.LockAccessFacts), for authorizeWrite.
type lockingReader struct {
	Tx
	l FactsLocker
}

func (r lockingReader) AccessFacts(ctx context.Context, userID uuid.UUID, sc Scope) (Facts, error) {
	return r.l.LockAccessFacts(ctx, userID, sc)
}

// lockScope locks the organization of a workspace or organization scope
// and returns its ID; ErrNotFound if the scope does not exist.
func (s *Service) lockScope(ctx context.Context, tx Tx, sc Scope) (uuid.UUID, error) {
	orgID := sc.OrgID
	if sc.WorkspaceID != uuid.Nil {
		ws, err := tx.Workspace(ctx, sc.WorkspaceID)
		if errors.Is(err, ErrNotFound) {
			return uuid.Nil, notFound(sc)
		}
		if err != nil {
			return uuid.Nil, err
		}
		orgID = ws.OrgID
	}
	if err := tx.LockOrganization(ctx, orgID); errors.Is(err, ErrNotFound) {
		return uuid.Nil, notFound(sc)
	} else if err != nil {
		return uuid.Nil, err
	}
	return orgID, nil
}

func notFound(sc Scope) error {
	if sc.WorkspaceID != uuid.Nil {
		return wrapf(ErrNotFound, "workspace %s", sc.WorkspaceID)
	}
	return wrapf(ErrNotFound, "organization %s", sc.OrgID)
}

// update runs fn in a store transaction with a fresh audit recorder, then
// hands the recorded events to the event handler once committed.
func (s *Service) update(ctx context.Context, fn func(tx Tx, rec *recorder) error) error {
	var rec recorder
	err := s.store.Update(ctx, func(tx Tx) error {
		rec = recorder{now: s.clock()}
		return fn(tx, &rec)
	})
	if err != nil {
		var denied *DeniedError
		switch {
		case errors.As(err, &denied):
			if !denied.logged {
				s.logDenial(ctx, &Actor{}, &denied.Decision, &Facts{})
				denied.logged = true
			}
		case !isDomainError(err):
			s.storeFailed(ctx, "transaction", err)
		}
		return err
	}
	if s.onEvent != nil {
		for _, e := range rec.events {
			s.onEvent(ctx, e)
		}
	}
	return nil
}

// storeFailed logs a store failure.
func (s *Service) storeFailed(ctx context.Context, op string, err error) {
	s.log.LogAttrs(ctx, slog.LevelError, "tenancy: store failure", slog.String("op", op), slog.Any("error", err))
}

// isDomainError reports whether err is nil or one of the package's
// sentinels (an expected outcome) rather than a store failure.
func isDomainError(err error) bool {
	if err == nil {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	for _, e := range Sentinels() {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
