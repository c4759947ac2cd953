package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// querier runs statements: the pool, a transaction, or a transaction
// whose statements are sent in batches (pipeTx). Its results are
// interfaces, so that the scan code below serves them all.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (rows, error)
	// QueryRowContext returns the first row of the query; its Scan
	// returns sql.ErrNoRows if there is none.
	QueryRowContext(ctx context.Context, query string, args ...any) scanner
}

// rows are the rows of a query: a *sql.Rows, or the Rows of a Batch.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// scanner is a row (a *sql.Row) or rows.
type scanner interface{ Scan(dest ...any) error }

// dbQuerier runs statements on a pool.
type dbQuerier struct{ *sql.DB }

func (q dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (rows, error) {
	return sqlRows(q.DB.QueryContext(ctx, query, args...))
}

func (q dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	return q.DB.QueryRowContext(ctx, query, args...)
}

// txQuerier runs statements in a database/sql transaction.
type txQuerier struct{ *sql.Tx }

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (rows, error) {
	return sqlRows(q.Tx.QueryContext(ctx, query, args...))
}

func (q txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) scanner {
	return q.Tx.QueryRowContext(ctx, query, args...)
}

// sqlRows returns r as rows: nil, not a nil *sql.Rows, on an error.
func sqlRows(r *sql.Rows, err error) (rows, error) {
	if err != nil {
		return nil, err
	}
	return r, nil
}

// txState is what a transaction remembers across its statements.
type txState struct {
	// retry is set when a statement failed with a transient error: the
	// transaction is then run again even if fn swallowed the error.
	retry bool
}

// reader implements tenancy.Reader on a querier. The Store reads through
// the pool, a transaction through its *sql.Tx or its pipeTx.
type reader struct {
	d     *dialect
	q     querier
	cache *policyCache
	state *txState // nil outside a transaction
	// byteUUIDs: the driver takes UUID arguments as [16]byte (see
	// Pool.ByteUUIDs).
	byteUUIDs bool
}

// uuidArg is id as an argument of a statement, in the form the driver
// encodes at least cost.
func (r *reader) uuidArg(id uuid.UUID) any {
	if r.byteUUIDs {
		return [16]byte(id)
	}
	return id
}

// err translates a driver error and notes a transient one.
func (r *reader) err(err error) error {
	err = r.d.translate(err)
	if r.state != nil && retryable(err) {
		r.state.retry = true
	}
	return err
}

// one reads a single row with scan; sql.ErrNoRows becomes missing().
func one[T any](r *reader, row scanner, scan func(scanner) (T, error), missing func() error) (T, error) {
	v, err := scan(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return v, missing()
	case err != nil:
		return v, r.err(err)
	}
	return v, nil
}

// list reads every row of query with scan. It returns a non-nil slice.
func list[T any](ctx context.Context, r *reader, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, r.err(err)
	}
	defer rows.Close()
	items := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, r.err(err)
		}
		items = append(items, v)
	}
	if err := rows.Err(); err != nil {
		return nil, r.err(err)
	}
	return items, nil
}

// paged picks the first-page or after-cursor form of p and appends the
// cursor's arguments (if any) and the limit to args. q must be valid (see
// tenancy.PageQuery.Validate).
func paged(p page, q tenancy.PageQuery, args []any, cursor func(*tenancy.Cursor) []any) (string, []any) {
	query := p.first
	if q.After != nil {
		query = p.after
		args = append(args, cursor(q.After)...)
	}
	return query, append(args, q.Limit)
}

// listPage validates q, then reads one page of a keyset-paginated list.
// A query Validate rejects (a forged cursor: invalid UTF-8, NUL bytes, an
// oversized key; a limit that is not positive) returns its error, matching
// tenancy.ErrInvalidInput, and never reaches the database.
func listPage[T any](ctx context.Context, r *reader, p page, q tenancy.PageQuery, args []any,
	cursor func(*tenancy.Cursor) []any, scan func(scanner) (T, error)) ([]T, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	query, args := paged(p, q, args, cursor)
	return list(ctx, r, query, args, scan)
}

// keyID is the cursor of the lists ordered by (key, ID).
func keyID(c *tenancy.Cursor) []any { return []any{c.Key, c.ID} }

func scanInt(s scanner) (int, error) {
	var n int
	err := s.Scan(&n)
	return n, err
}

func scanBool(s scanner) (bool, error) {
	var b bool
	err := s.Scan(&b)
	return b, err
}

// Users.

// scanUser reads the columns of userCols, then extra.
func scanUser(s scanner, extra ...any) (tenancy.User, error) {
	var u tenancy.User
	err := s.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.EmailVerified, timeDest{&u.CreatedAt}, &u.ExternalID}, extra...)...)
	return u, err
}

func scanOneUser(s scanner) (tenancy.User, error) { return scanUser(s) }

// User returns ErrNotFound if no user has this ID.
func (r *reader) User(ctx context.Context, id uuid.UUID) (tenancy.User, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.user, id), scanOneUser,
		func() error { return notFound("user %s", id) })
}

// UserByEmail returns ErrNotFound if no user has this email.
func (r *reader) UserByEmail(ctx context.Context, email string) (tenancy.User, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.userByEmail, email), scanOneUser,
		func() error { return notFound("user with email %s", email) })
}

// UserByExternalID returns ErrNotFound if no user has this non-empty
// external ID (never for "").
func (r *reader) UserByExternalID(ctx context.Context, externalID string) (tenancy.User, error) {
	missing := func() error { return notFound("user with external ID %q", externalID) }
	if externalID == "" {
		return tenancy.User{}, missing()
	}
	return one(r, r.q.QueryRowContext(ctx, r.d.q.userByExternalID, externalID), scanOneUser, missing)
}

// UserOrganizations lists the organizations where userID holds any role,
// with whether it is an Organization Admin and how many of their
// workspaces it is a member of, ordered by (name, ID), in one query. It
// returns an empty list for an unknown user.
func (r *reader) UserOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.OrgMembership, error) {
	return list(ctx, r, r.d.q.userOrgs, []any{userID, userID, userID, userID}, func(s scanner) (tenancy.OrgMembership, error) {
		var m tenancy.OrgMembership
		o, err := scanOrg(s, &m.OrgAdmin, &m.Workspaces)
		m.Organization = o
		return m, err
	})
}

// Organizations.

// scanOrg reads the columns of orgCols, then extra.
func scanOrg(s scanner, extra ...any) (tenancy.Organization, error) {
	var o tenancy.Organization
	err := s.Scan(append([]any{&o.ID, &o.Name, &o.Domain, &o.Billing.Email, &o.Billing.CustomerRef,
		policyDest{&o.Policy}, timeDest{&o.CreatedAt}}, extra...)...)
	return o, err
}

func scanOneOrg(s scanner) (tenancy.Organization, error) { return scanOrg(s) }

// Organization returns ErrNotFound if no organization has this ID.
func (r *reader) Organization(ctx context.Context, id uuid.UUID) (tenancy.Organization, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.org, id), scanOneOrg,
		func() error { return notFound("organization %s", id) })
}

// OrganizationByDomain returns ErrNotFound if no organization claims the
// domain (never for "").
func (r *reader) OrganizationByDomain(ctx context.Context, domain string) (tenancy.Organization, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.orgByDomain, domain), scanOneOrg,
		func() error { return notFound("organization with domain %s", domain) })
}

// IsOrgAdmin reports whether userID is an Organization Admin of orgID.
func (r *reader) IsOrgAdmin(ctx context.Context, orgID, userID uuid.UUID) (bool, error) {
	b, err := scanBool(r.q.QueryRowContext(ctx, r.d.q.isOrgAdmin, orgID, userID))
	if err != nil {
		return false, r.err(err)
	}
	return b, nil
}

// CountOrgAdmins counts the Organization Admins of orgID.
func (r *reader) CountOrgAdmins(ctx context.Context, orgID uuid.UUID) (int, error) {
	n, err := scanInt(r.q.QueryRowContext(ctx, r.d.q.countOrgAdmins, orgID))
	if err != nil {
		return 0, r.err(err)
	}
	return n, nil
}

// AdminOrganizations lists the organizations where userID is an
// Organization Admin, ordered by name then ID.
func (r *reader) AdminOrganizations(ctx context.Context, userID uuid.UUID) ([]tenancy.Organization, error) {
	return list(ctx, r, r.d.q.adminOrgs, []any{userID}, scanOneOrg)
}

// ListOrgUsers lists the distinct users holding a role in orgID, ordered
// by (email, ID). It returns an error matching ErrInvalidInput if q is
// invalid.
func (r *reader) ListOrgUsers(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.OrgUser, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	// The cursor applies to both arms of the union.
	query, args := r.d.q.orgUsers.first, []any{orgID, orgID, orgID, q.Limit, orgID, q.Limit, q.Limit}
	if q.After != nil {
		query = r.d.q.orgUsers.after
		args = []any{orgID, orgID, orgID, q.After.Key, q.After.ID, q.Limit, orgID, q.After.Key, q.After.ID, q.Limit, q.Limit}
	}
	return list(ctx, r, query, args, func(s scanner) (tenancy.OrgUser, error) {
		var ou tenancy.OrgUser
		u, err := scanUser(s, &ou.OrgAdmin, &ou.Workspaces)
		ou.User = u
		return ou, err
	})
}

// CountSeats counts the distinct users holding a role in orgID.
func (r *reader) CountSeats(ctx context.Context, orgID uuid.UUID) (int, error) {
	n, err := scanInt(r.q.QueryRowContext(ctx, r.d.q.countSeats, orgID, orgID))
	if err != nil {
		return 0, r.err(err)
	}
	return n, nil
}

// Workspaces.

func scanWorkspace(s scanner, extra ...any) (tenancy.Workspace, error) {
	var w tenancy.Workspace
	err := s.Scan(append([]any{&w.ID, &w.OrgID, &w.Name, &w.CreatedBy, timeDest{&w.CreatedAt}}, extra...)...)
	return w, err
}

func scanMembership(s scanner) (tenancy.Membership, error) {
	var role string
	w, err := scanWorkspace(s, &role)
	return tenancy.Membership{Workspace: w, Role: tenancy.Role(role)}, err
}

// Workspace returns ErrNotFound if no workspace has this ID.
func (r *reader) Workspace(ctx context.Context, id uuid.UUID) (tenancy.Workspace, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.workspace, id),
		func(s scanner) (tenancy.Workspace, error) { return scanWorkspace(s) },
		func() error { return notFound("workspace %s", id) })
}

// ListOrgWorkspaces lists the workspaces of orgID with userID's role in
// each, ordered by (NameKey of the name, ID); only those where userID is
// a member if onlyMember. It returns an error matching ErrInvalidInput if
// q is invalid.
func (r *reader) ListOrgWorkspaces(ctx context.Context, orgID, userID uuid.UUID, onlyMember bool, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	p := r.d.q.orgWorkspaces
	if onlyMember {
		p = r.d.q.orgMemberWorkspaces
	}
	return listPage(ctx, r, p, q, []any{userID, orgID}, keyID, scanMembership)
}

// Members.

func scanMember(s scanner) (tenancy.Member, error) {
	var m tenancy.Member
	var role string
	err := s.Scan(&m.WorkspaceID, &m.UserID, &m.Email, &role, timeDest{&m.CreatedAt})
	m.Role = tenancy.Role(role)
	return m, err
}

// Member returns ErrNotFound if userID is not a member of wsID.
func (r *reader) Member(ctx context.Context, wsID, userID uuid.UUID) (tenancy.Member, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.member, wsID, userID), scanMember,
		func() error { return notFound("user %s in workspace %s", userID, wsID) })
}

// CountMembersWithRole counts the members of wsID holding role ro.
func (r *reader) CountMembersWithRole(ctx context.Context, wsID uuid.UUID, ro tenancy.Role) (int, error) {
	n, err := scanInt(r.q.QueryRowContext(ctx, r.d.q.countMembersWithRole, wsID, string(ro)))
	if err != nil {
		return 0, r.err(err)
	}
	return n, nil
}

// ListMembers lists a workspace's members ordered by (email, user ID). It
// returns an error matching ErrInvalidInput if q is invalid.
func (r *reader) ListMembers(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Member, error) {
	return listPage(ctx, r, r.d.q.members, q, []any{wsID}, keyID, scanMember)
}

// ListUserMemberships lists every workspace userID is a member of, ordered
// by (NameKey of the name, workspace ID). It returns an error matching
// ErrInvalidInput if q is invalid.
func (r *reader) ListUserMemberships(ctx context.Context, userID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Membership, error) {
	return listPage(ctx, r, r.d.q.userMemberships, q, []any{userID}, keyID, scanMembership)
}

// UserOrgMemberships lists userID's memberships in the workspaces of orgID,
// ordered by workspace ID.
func (r *reader) UserOrgMemberships(ctx context.Context, orgID, userID uuid.UUID) ([]tenancy.Member, error) {
	return list(ctx, r, r.d.q.userOrgMemberships, []any{userID, orgID}, scanMember)
}

// Invitations.

func scanInvitationRecord(s scanner) (tenancy.InvitationRecord, error) {
	var rec tenancy.InvitationRecord
	var role string
	i := &rec.Invitation
	err := s.Scan(&i.ID, &i.WorkspaceID, &i.OrgID, &i.Email, &role, &i.InvitedBy,
		timeDest{&i.CreatedAt}, timeDest{&i.ExpiresAt}, &rec.TokenHash)
	i.Role = tenancy.Role(role)
	return rec, err
}

// Invitation returns ErrNotFound if no invitation has this ID.
func (r *reader) Invitation(ctx context.Context, id uuid.UUID) (tenancy.InvitationRecord, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.invitation, id), scanInvitationRecord,
		func() error { return notFound("invitation %s", id) })
}

// InvitationByTokenHash returns ErrNotFound if no invitation has this
// token hash.
func (r *reader) InvitationByTokenHash(ctx context.Context, hash []byte) (tenancy.InvitationRecord, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.invitationByHash, hash), scanInvitationRecord,
		func() error { return notFound("invitation with this token") })
}

// InvitationByEmail returns the invitation of email to wsID; ErrNotFound
// if none.
func (r *reader) InvitationByEmail(ctx context.Context, wsID uuid.UUID, email string) (tenancy.InvitationRecord, error) {
	return one(r, r.q.QueryRowContext(ctx, r.d.q.invitationByEmail, wsID, email), scanInvitationRecord,
		func() error { return notFound("invitation of %s to workspace %s", email, wsID) })
}

func scanInvitation(s scanner) (tenancy.Invitation, error) {
	rec, err := scanInvitationRecord(s)
	return rec.Invitation, err
}

// ListInvitations lists a workspace's invitations ordered by (email, ID).
// It returns an error matching ErrInvalidInput if q is invalid.
func (r *reader) ListInvitations(ctx context.Context, wsID uuid.UUID, q tenancy.PageQuery) ([]tenancy.Invitation, error) {
	return listPage(ctx, r, r.d.q.invitations, q, []any{wsID}, keyID, scanInvitation)
}

// ListInvitationsTo lists the invitations to email in every workspace,
// expired ones included, ordered by (CreatedAt, ID).
func (r *reader) ListInvitationsTo(ctx context.Context, email string) ([]tenancy.Invitation, error) {
	return list(ctx, r, r.d.q.invitationsTo, []any{email}, scanInvitation)
}

// ListInvitationsBy lists the invitations issued by inviterID in the
// workspaces of orgID, or of every organization when orgID is uuid.Nil,
// ordered by (CreatedAt, ID).
func (r *reader) ListInvitationsBy(ctx context.Context, orgID, inviterID uuid.UUID) ([]tenancy.Invitation, error) {
	if orgID == uuid.Nil {
		return list(ctx, r, r.d.q.invitationsBy, []any{inviterID}, scanInvitation)
	}
	return list(ctx, r, r.d.q.invitationsByInOrg, []any{inviterID, orgID}, scanInvitation)
}

// Audit.

// ListAuditEvents lists an organization's events ordered by (At, ID)
// descending; uuid.Nil lists the events of no organization. It returns an
// error matching ErrInvalidInput if q is invalid.
func (r *reader) ListAuditEvents(ctx context.Context, orgID uuid.UUID, q tenancy.PageQuery) ([]tenancy.AuditEvent, error) {
	cursor := func(c *tenancy.Cursor) []any { return []any{r.d.ts(c.At), c.ID} }
	query, args := r.d.q.auditEvents, []any{orgID}
	if orgID == uuid.Nil {
		query, args = r.d.q.auditEventsNoOrg, nil
	}
	return listPage(ctx, r, query, q, args, cursor, func(s scanner) (tenancy.AuditEvent, error) {
		var e tenancy.AuditEvent
		err := s.Scan(&e.ID, nullUUIDDest{&e.OrgID}, nullUUIDDest{&e.WorkspaceID}, nullUUIDDest{&e.ActorID},
			nullUUIDDest{&e.TargetID}, &e.Action, timeDest{&e.At}, detailsDest{&e.Details})
		return e, err
	})
}

// Authorization.

// AccessFacts gathers every fact an authorization decision needs about
// userID in scope, in one query. It returns ErrNotFound if the workspace
// or organization does not exist.
func (r *reader) AccessFacts(ctx context.Context, userID uuid.UUID, scope tenancy.Scope) (tenancy.Facts, error) {
	query, args := r.factsStatement(userID, scope)
	return r.scanFacts(r.q.QueryRowContext(ctx, query, args...), scope)
}

// factsStatement returns the AccessFacts query of scope and its
// arguments.
func (r *reader) factsStatement(userID uuid.UUID, scope tenancy.Scope) (string, []any) {
	u := r.uuidArg(userID)
	if scope.WorkspaceID != uuid.Nil {
		return r.d.q.factsWorkspace, []any{u, u, u, r.uuidArg(scope.WorkspaceID)}
	}
	return r.d.q.factsOrg, []any{u, u, r.uuidArg(scope.OrgID)}
}

// scanFacts reads the facts of scope from row; ErrNotFound if there is
// none.
func (r *reader) scanFacts(row scanner, scope tenancy.Scope) (tenancy.Facts, error) {
	// One allocation holds every scan destination.
	v := &struct {
		f    tenancy.Facts
		role string
		pd   cachedPolicyDest
	}{}
	v.pd = cachedPolicyDest{c: r.cache, p: &v.f.Policy}
	v.f.WorkspaceID = scope.WorkspaceID
	err := row.Scan(&v.f.OrgID, &v.pd, &v.f.OrgAdmin, &v.role, &v.f.OrgMember)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return tenancy.Facts{}, scopeNotFound(scope)
	case err != nil:
		return tenancy.Facts{}, r.err(err)
	}
	v.f.WorkspaceRole = tenancy.Role(v.role)
	return v.f, nil
}

// scopeNotFound is the ErrNotFound of a missing workspace or organization.
func scopeNotFound(scope tenancy.Scope) error {
	if scope.WorkspaceID != uuid.Nil {
		return notFound("workspace %s", scope.WorkspaceID)
	}
	return notFound("organization %s", scope.OrgID)
}
