package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// tx is a tenancy.Tx on a *sql.Tx.
//
// Inserts that may meet a duplicate use ON CONFLICT DO NOTHING and read
// "no row inserted" as the conflict, then find out which sentinel applies
// with a lookup. A unique violation would abort a PostgreSQL transaction;
// this way a sentinel error leaves the transaction usable, as on SQLite.
// Inserts that reference other rows take them from a SELECT, so a missing
// row is also "no row inserted" rather than a foreign key violation. The
// database's constraints remain the backstop, translated by the dialect.
type tx struct {
	reader
	// pipe is the transaction's pipeTx when its statements are
	// pipelined, nil otherwise.
	pipe *pipeTx
}

var _ tenancy.Tx = (*tx)(nil)

// exec runs a write and returns the number of rows it affected.
func (t *tx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := t.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, t.err(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, t.err(err)
	}
	return n, nil
}

// exists runs a SELECT EXISTS query.
func (t *tx) exists(ctx context.Context, query string, args ...any) (bool, error) {
	b, err := scanBool(t.q.QueryRowContext(ctx, query, args...))
	if err != nil {
		return false, t.err(err)
	}
	return b, nil
}

// LockOrganization locks the organization's row until the transaction
// ends (SELECT … FOR NO KEY UPDATE on PostgreSQL, which conflicts with
// itself and with updates of the row but not with the key-share locks
// that inserts referencing the organization take; on SQLite the immediate
// transaction already excludes every other writer). It returns ErrNotFound
// if the organization does not exist.
func (t *tx) LockOrganization(ctx context.Context, orgID uuid.UUID) error {
	var one int
	err := t.q.QueryRowContext(ctx, t.d.q.lockOrg, orgID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return notFound("organization %s", orgID)
	case err != nil:
		return t.err(err)
	}
	return nil
}

// LockUser locks the user's row until the transaction ends, as
// LockOrganization locks an organization's, and reads the user once the
// lock is held (READ COMMITTED: the statement's snapshot is taken again
// after a wait). It returns ErrNotFound if the user does not exist.
func (t *tx) LockUser(ctx context.Context, userID uuid.UUID) (tenancy.User, error) {
	return one(&t.reader, t.q.QueryRowContext(ctx, t.d.q.lockUser, userID), scanOneUser,
		func() error { return notFound("user %s", userID) })
}

// LockAccessFacts locks the organization of scope, then reads the access
// facts once the lock is held (see tenancy.FactsLocker). On PostgreSQL
// these are two statements, each reading a snapshot taken when it starts
// (READ COMMITTED), so the facts see what was committed before the lock
// was granted: a pipelined transaction sends both in one batch, the
// database/sql one in two round trips (instead of three: Workspace,
// LockOrganization, AccessFacts). On SQLite the immediate transaction
// already excludes every other writer: only the facts are read. It
// returns ErrNotFound if the workspace or organization does not exist.
func (t *tx) LockAccessFacts(ctx context.Context, userID uuid.UUID, scope tenancy.Scope) (tenancy.Facts, error) {
	if !t.d.postgres {
		return t.AccessFacts(ctx, userID, scope)
	}
	lock := Statement{SQL: t.d.q.lockOrg, Args: []any{scope.OrgID}}
	if scope.WorkspaceID != uuid.Nil {
		lock = Statement{SQL: t.d.q.lockWorkspaceOrg, Args: []any{scope.WorkspaceID}}
	}
	query, args := t.factsStatement(userID, scope)
	if t.pipe != nil {
		found, row := t.pipe.lockThenQueryRow(ctx, lock, Statement{SQL: query, Args: args})
		f, err := t.scanFacts(row, scope)
		switch {
		case err != nil:
			return tenancy.Facts{}, err
		case !found:
			// The workspace was created after the lock missed it: it
			// could not be locked.
			return tenancy.Facts{}, scopeNotFound(scope)
		}
		return f, nil
	}
	var one int
	err := t.q.QueryRowContext(ctx, lock.SQL, lock.Args...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tenancy.Facts{}, scopeNotFound(scope)
	case err != nil:
		return tenancy.Facts{}, t.err(err)
	}
	return t.scanFacts(t.q.QueryRowContext(ctx, query, args...), scope)
}

var _ tenancy.FactsLocker = (*tx)(nil)

// nullString is a text argument stored as NULL when it is empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateUser returns ErrAlreadyExists if the ID, the email or a non-empty
// ExternalID is taken.
func (t *tx) CreateUser(ctx context.Context, u tenancy.User) error {
	n, err := t.exec(ctx, t.d.q.createUser, u.ID, u.Email, u.Name, u.EmailVerified, t.d.ts(u.CreatedAt),
		nullString(u.ExternalID))
	if err != nil {
		return err
	}
	if n == 0 {
		return alreadyExists("user %s, email %s or external ID %q", u.ID, u.Email, u.ExternalID)
	}
	return nil
}

// UpdateUser replaces the user's Email, Name, EmailVerified and
// ExternalID, and the copies of the email kept with its memberships and
// Organization Admin roles. It returns ErrNotFound if absent,
// ErrAlreadyExists if another user has the email or the non-empty
// ExternalID.
func (t *tx) UpdateUser(ctx context.Context, u tenancy.User) error {
	ext := nullString(u.ExternalID)
	n, err := t.exec(ctx, t.d.q.updateUser, u.Email, u.Name, u.EmailVerified, ext, u.ID, u.Email, u.ID, ext, u.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		found, err := t.exists(ctx, t.d.q.userExists, u.ID)
		switch {
		case err != nil:
			return err
		case !found:
			return notFound("user %s", u.ID)
		}
		return alreadyExists("email %s or external ID %q", u.Email, u.ExternalID)
	}
	if _, err := t.exec(ctx, t.d.q.updateMemberEmails, u.Email, u.ID, u.Email); err != nil {
		return err
	}
	_, err = t.exec(ctx, t.d.q.updateOrgAdminEmails, u.Email, u.ID, u.Email)
	return err
}

// VerifyUserEmail marks the user's address verified if it is still email
// and not yet verified, and reports whether this call changed it: one
// conditional UPDATE, so of racing calls exactly one reports true. It
// returns ErrNotFound if the user is absent.
func (t *tx) VerifyUserEmail(ctx context.Context, userID uuid.UUID, email string) (bool, error) {
	n, err := t.exec(ctx, t.d.q.verifyUserEmail, true, userID, email)
	if err != nil || n == 1 {
		return n == 1, err
	}
	found, err := t.exists(ctx, t.d.q.userExists, userID)
	switch {
	case err != nil:
		return false, err
	case !found:
		return false, notFound("user %s", userID)
	}
	return false, nil
}

// DeleteUser deletes the user with its memberships and Organization Admin
// roles; invitations and audit events stay. It returns ErrNotFound if
// absent. The schema cascades too; the explicit deletes keep a pool opened
// without foreign keys correct.
func (t *tx) DeleteUser(ctx context.Context, id uuid.UUID) error {
	for _, query := range []string{t.d.q.deleteUserMembers, t.d.q.deleteUserOrgAdmins} {
		if _, err := t.exec(ctx, query, id); err != nil {
			return err
		}
	}
	n, err := t.exec(ctx, t.d.q.deleteUser, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("user %s", id)
	}
	return nil
}

// CreateOrganization returns ErrDomainTaken if o.Domain is not empty and
// another organization claims it, ErrAlreadyExists if the ID is taken.
//
// Racing claims of one domain are settled by the partial unique index on
// the domain: on PostgreSQL the second insert waits for the first
// transaction and, once it commits, inserts nothing; the lookup that
// follows then sees the winner.
func (t *tx) CreateOrganization(ctx context.Context, o tenancy.Organization) error {
	policy, err := encodePolicy(o.Policy)
	if err != nil {
		return err
	}
	n, err := t.exec(ctx, t.d.q.createOrg, o.ID, o.Name, o.Domain, o.Billing.Email, o.Billing.CustomerRef,
		policy, t.d.ts(o.CreatedAt))
	if err != nil || n == 1 {
		return err
	}
	if o.Domain != "" {
		var owner uuid.UUID
		err := t.q.QueryRowContext(ctx, t.d.q.orgIDByDomain, o.Domain).Scan(&owner)
		switch {
		case err == nil && owner != o.ID:
			return fmt.Errorf("%w: %s", tenancy.ErrDomainTaken, o.Domain)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return t.err(err)
		}
	}
	return alreadyExists("organization %s", o.ID)
}

// UpdateOrganization replaces Name, Domain, Billing and Policy. It returns
// ErrNotFound if absent, ErrDomainTaken if o.Domain is not empty and
// another organization claims it.
//
// A claim racing with another transaction's on PostgreSQL passes the
// guard, then waits on the domain's unique index and fails with a unique
// violation once the other commits. The domain's is the only unique index
// this UPDATE can violate (the ID does not change), so that violation is
// reported as ErrDomainTaken.
func (t *tx) UpdateOrganization(ctx context.Context, o tenancy.Organization) error {
	policy, err := encodePolicy(o.Policy)
	if err != nil {
		return err
	}
	n, err := t.exec(ctx, t.d.q.updateOrg, o.Name, o.Domain, o.Billing.Email, o.Billing.CustomerRef, policy,
		o.ID, o.Domain, o.ID)
	var dbErr *dbError
	switch {
	case errors.As(err, &dbErr) && errors.Is(dbErr.sentinel, tenancy.ErrAlreadyExists):
		return &dbError{sentinel: tenancy.ErrDomainTaken, err: dbErr.err}
	case err != nil:
		return err
	case n == 1:
		return nil
	}
	found, err := t.exists(ctx, t.d.q.orgExists, o.ID)
	switch {
	case err != nil:
		return err
	case !found:
		return notFound("organization %s", o.ID)
	}
	return fmt.Errorf("%w: %s", tenancy.ErrDomainTaken, o.Domain)
}

// DeleteOrganization deletes the organization with its workspaces, their
// memberships and invitations, and its Organization Admins; its audit
// events stay. It returns ErrNotFound if absent. The schema cascades too;
// the explicit deletes keep a pool opened without foreign keys correct.
func (t *tx) DeleteOrganization(ctx context.Context, id uuid.UUID) error {
	for _, query := range []string{t.d.q.deleteOrgMembers, t.d.q.deleteOrgInvitations, t.d.q.deleteOrgAdmins, t.d.q.deleteOrgWorkspaces} {
		if _, err := t.exec(ctx, query, id); err != nil {
			return err
		}
	}
	n, err := t.exec(ctx, t.d.q.deleteOrg, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("organization %s", id)
	}
	return nil
}

// AddOrgAdmin returns ErrAlreadyExists if the user is already an
// Organization Admin, ErrNotFound if the user or organization is absent.
func (t *tx) AddOrgAdmin(ctx context.Context, orgID, userID uuid.UUID, at time.Time) error {
	n, err := t.exec(ctx, t.d.q.addOrgAdmin, t.d.ts(at), orgID, userID)
	if err != nil || n == 1 {
		return err
	}
	admin, err := t.exists(ctx, t.d.q.isOrgAdmin, orgID, userID)
	switch {
	case err != nil:
		return err
	case admin:
		return alreadyExists("user %s is an admin of organization %s", userID, orgID)
	}
	return notFound("organization %s or user %s", orgID, userID)
}

// RemoveOrgAdmin returns ErrNotFound if the user is not an Organization
// Admin of orgID.
func (t *tx) RemoveOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) error {
	n, err := t.exec(ctx, t.d.q.removeOrgAdmin, orgID, userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("user %s is not an admin of organization %s", userID, orgID)
	}
	return nil
}

// CreateWorkspace returns ErrAlreadyExists if the organization already has
// a workspace with the same NameKey (or the ID is taken), ErrNotFound if
// the organization is absent.
func (t *tx) CreateWorkspace(ctx context.Context, w tenancy.Workspace) error {
	n, err := t.exec(ctx, t.d.q.createWorkspace, w.ID, w.Name, tenancy.NameKey(w.Name), w.CreatedBy,
		t.d.ts(w.CreatedAt), w.OrgID)
	if err != nil || n == 1 {
		return err
	}
	found, err := t.exists(ctx, t.d.q.orgExists, w.OrgID)
	switch {
	case err != nil:
		return err
	case !found:
		return notFound("organization %s", w.OrgID)
	}
	return alreadyExists("workspace %q in organization %s", w.Name, w.OrgID)
}

// UpdateWorkspace replaces the name; ErrNotFound if absent,
// ErrAlreadyExists if the name is taken in the organization. A workspace
// whose name collided with an older one's (see NameCollisions) holds its
// new name's key from then on.
func (t *tx) UpdateWorkspace(ctx context.Context, w tenancy.Workspace) error {
	key := tenancy.NameKey(w.Name)
	n, err := t.exec(ctx, t.d.q.updateWorkspace, w.Name, key, false, w.ID, key)
	if err != nil {
		return err
	}
	if n == 1 {
		_, err := t.exec(ctx, t.d.q.updateMemberNameKeys, key, w.ID, key)
		return err
	}
	found, err := t.exists(ctx, t.d.q.workspaceExists, w.ID)
	switch {
	case err != nil:
		return err
	case !found:
		return notFound("workspace %s", w.ID)
	}
	return alreadyExists("workspace %q in its organization", w.Name)
}

// DeleteWorkspace deletes the workspace with its memberships and
// invitations; ErrNotFound if absent. The schema cascades too; the
// explicit deletes keep a pool opened without foreign keys correct.
func (t *tx) DeleteWorkspace(ctx context.Context, id uuid.UUID) error {
	if _, err := t.exec(ctx, t.d.q.deleteWorkspaceMembers, id); err != nil {
		return err
	}
	if _, err := t.exec(ctx, t.d.q.deleteWorkspaceInvitations, id); err != nil {
		return err
	}
	n, err := t.exec(ctx, t.d.q.deleteWorkspace, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("workspace %s", id)
	}
	return nil
}

// AddMember returns ErrAlreadyExists if the user is already a member,
// ErrNotFound if the workspace or user is absent. m.Email is ignored: the
// user's email is stored.
func (t *tx) AddMember(ctx context.Context, m tenancy.Member) error {
	n, err := t.exec(ctx, t.d.q.addMember, string(m.Role), t.d.ts(m.CreatedAt), m.WorkspaceID, m.UserID)
	if err != nil || n == 1 {
		return err
	}
	_, err = t.Member(ctx, m.WorkspaceID, m.UserID)
	switch {
	case err == nil:
		return alreadyExists("user %s in workspace %s", m.UserID, m.WorkspaceID)
	case !errors.Is(err, tenancy.ErrNotFound):
		return err
	}
	return notFound("workspace %s or user %s", m.WorkspaceID, m.UserID)
}

// SetMemberRole returns ErrNotFound if the user is not a member.
func (t *tx) SetMemberRole(ctx context.Context, wsID, userID uuid.UUID, r tenancy.Role) error {
	n, err := t.exec(ctx, t.d.q.setMemberRole, string(r), wsID, userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("user %s in workspace %s", userID, wsID)
	}
	return nil
}

// RemoveMember returns ErrNotFound if the user is not a member.
func (t *tx) RemoveMember(ctx context.Context, wsID, userID uuid.UUID) error {
	n, err := t.exec(ctx, t.d.q.removeMember, wsID, userID)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("user %s in workspace %s", userID, wsID)
	}
	return nil
}

// CreateInvitation returns ErrAlreadyExists if the workspace already has an
// invitation for the email, or the ID or token hash is taken; ErrNotFound
// if the workspace is absent.
func (t *tx) CreateInvitation(ctx context.Context, r tenancy.InvitationRecord) error {
	i := r.Invitation
	n, err := t.exec(ctx, t.d.q.createInvitation, i.ID, i.OrgID, i.Email, string(i.Role), i.InvitedBy,
		t.d.ts(i.CreatedAt), t.d.ts(i.ExpiresAt), r.TokenHash, i.WorkspaceID)
	if err != nil || n == 1 {
		return err
	}
	found, err := t.exists(ctx, t.d.q.workspaceExists, i.WorkspaceID)
	switch {
	case err != nil:
		return err
	case !found:
		return notFound("workspace %s", i.WorkspaceID)
	}
	return alreadyExists("invitation of %s to workspace %s", i.Email, i.WorkspaceID)
}

// DeleteInvitation returns ErrNotFound if absent.
func (t *tx) DeleteInvitation(ctx context.Context, id uuid.UUID) error {
	n, err := t.exec(ctx, t.d.q.deleteInvitation, id)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("invitation %s", id)
	}
	return nil
}

// AppendAudit records an event. IDs of value uuid.Nil are stored as NULL,
// and a nil Details map as NULL, so both read back as they were written.
func (t *tx) AppendAudit(ctx context.Context, e tenancy.AuditEvent) error {
	details, err := encodeDetails(e.Details)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, t.d.q.appendAudit, e.ID, nullUUID(e.OrgID), nullUUID(e.WorkspaceID), nullUUID(e.ActorID),
		nullUUID(e.TargetID), e.Action, t.d.ts(e.At), details)
	return err
}

// ScrubAuditEmail removes, from the details of every audit event, each
// entry whose value is email, in one statement run by the database (see
// scrubAuditQuery), and returns the number of events changed.
func (t *tx) ScrubAuditEmail(ctx context.Context, email string) (int, error) {
	args := []any{email, email}
	if !t.d.postgres {
		args = []any{email, scrubNeedle(email), email}
	}
	n, err := t.exec(ctx, t.d.q.scrubAudit, args...)
	return int(n), err
}

// FormerEmails returns the from address of userID's email changes, off
// a partial index of those events (migration 7).
func (t *tx) FormerEmails(ctx context.Context, userID uuid.UUID) ([]string, error) {
	return list(ctx, &t.reader, t.d.q.formerEmails, []any{userID}, func(s scanner) (string, error) {
		var email string
		return email, s.Scan(&email)
	})
}

// scrubNeedle returns the longest run of email that every JSON text
// holding email as a string value contains verbatim: it stops at the
// characters an encoder may escape (quotes, backslashes, control
// characters, and <, > and & which encoding/json escapes for HTML) and at
// every non-ASCII character (U+2028 and U+2029 among them), to be safe
// with any encoder. It may be empty, which selects every event.
func scrubNeedle(email string) string {
	best := ""
	for run := range strings.FieldsFuncSeq(email, func(r rune) bool {
		return r < 0x20 || r >= 0x7f || strings.ContainsRune(`"\<>&`, r)
	}) {
		if len(run) > len(best) {
			best = run
		}
	}
	return best
}

// Deferred returns the transaction's deferred writer (see
// tenancy.WriteDeferrer): on a pipelined transaction its writes are
// queued and sent with the next statement or with COMMIT; otherwise it is
// the transaction itself, which writes at once.
func (t *tx) Deferred() tenancy.DeferredWriter {
	if t.pipe == nil {
		return t
	}
	return deferredTx{t}
}

var _ tenancy.WriteDeferrer = (*tx)(nil)

// deferredTx queues the writes of a pipelined transaction, in their
// strict forms (see queries.go): a conflict or a missing row fails the
// statement, the server aborts the transaction, and the error, translated
// to the sentinel the Tx method documents, is returned by the call that
// sent it or by Update.
type deferredTx struct{ t *tx }

// orgPrimaryKey is the constraint of the organizations' IDs; the other
// unique index of the table is the domain's.
const orgPrimaryKey = "tenancy_organizations_pkey"

// CreateOrganization queues the insert of o. A unique violation is
// ErrDomainTaken unless it is the ID's (ErrAlreadyExists); a store that
// does not name the constraint violated is taken to report the domain's
// when o claims one.
func (d deferredTx) CreateOrganization(_ context.Context, o tenancy.Organization) error {
	policy, err := encodePolicy(o.Policy)
	if err != nil {
		return err
	}
	t := d.t
	t.pipe.deferWrite(Statement{SQL: t.d.q.createOrgStrict, Args: []any{o.ID, o.Name, o.Domain, o.Billing.Email,
		o.Billing.CustomerRef, policy, t.d.ts(o.CreatedAt)}}, func(err error) error {
		var dbErr *dbError
		if errors.As(err, &dbErr) && errors.Is(dbErr.sentinel, tenancy.ErrAlreadyExists) &&
			o.Domain != "" && dbErr.constraint != orgPrimaryKey {
			return &dbError{sentinel: tenancy.ErrDomainTaken, constraint: dbErr.constraint, err: dbErr.err}
		}
		return err
	})
	return nil
}

// AddOrgAdmin queues the insert of the admin: ErrAlreadyExists if the
// user is one already, ErrNotFound if the user or organization is absent.
func (d deferredTx) AddOrgAdmin(_ context.Context, orgID, userID uuid.UUID, at time.Time) error {
	t := d.t
	t.pipe.deferWrite(Statement{SQL: t.d.q.addOrgAdminStrict, Args: []any{orgID, userID, userID, t.d.ts(at)}}, nil)
	return nil
}

// AddMember queues the insert of the membership: ErrAlreadyExists if the
// user is a member already, ErrNotFound if the workspace or user is
// absent. m.Email is ignored: the user's email is stored.
func (d deferredTx) AddMember(_ context.Context, m tenancy.Member) error {
	t := d.t
	t.pipe.deferWrite(Statement{SQL: t.d.q.addMemberStrict, Args: []any{m.WorkspaceID, m.UserID, m.WorkspaceID,
		m.WorkspaceID, m.UserID, m.WorkspaceID, string(m.Role), t.d.ts(m.CreatedAt)}}, nil)
	return nil
}

// AppendAudit queues the insert of the event, as Tx.AppendAudit writes it.
func (d deferredTx) AppendAudit(_ context.Context, e tenancy.AuditEvent) error {
	details, err := encodeDetails(e.Details)
	if err != nil {
		return err
	}
	t := d.t
	t.pipe.deferWrite(Statement{SQL: t.d.q.appendAudit, Args: []any{e.ID, nullUUID(e.OrgID), nullUUID(e.WorkspaceID),
		nullUUID(e.ActorID), nullUUID(e.TargetID), e.Action, t.d.ts(e.At), details}}, nil)
	return nil
}
