package memstore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/tenancykit/tenancy"
)

// tx is a transaction: it holds the store's write lock (taken by Update),
// reads through the embedded state, and writes straight into it, recording
// an undo closure for every change.
type tx struct {
	*state
	accessWriter
	undo []func()
	done bool
}

var _ tenancy.Tx = (*tx)(nil)

// errTxDone is returned by writes on a transaction whose function returned.
var errTxDone = errors.New("memstore: transaction has ended")

// rollback undoes every write, newest first.
func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

func alreadyExists(format string, args ...any) error {
	return fmt.Errorf("%w: %s", tenancy.ErrAlreadyExists, fmt.Sprintf(format, args...))
}

// put sets m[k] = v and records how to undo it.
func put[K comparable, V any](t *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	m[k] = v
	t.undo = append(t.undo, func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
}

// del deletes m[k] and records how to undo it.
func del[K comparable, V any](t *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	delete(m, k)
	t.undo = append(t.undo, func() { m[k] = old })
}

// putIn sets m[k][k2] = v, creating the inner map if needed.
func putIn[K, K2 comparable, V any](t *tx, m map[K]map[K2]V, k K, k2 K2, v V) {
	inner, ok := m[k]
	if !ok {
		inner = map[K2]V{}
		put(t, m, k, inner)
	}
	put(t, inner, k2, v)
}

// delIn deletes m[k][k2], and the inner map once empty.
func delIn[K, K2 comparable, V any](t *tx, m map[K]map[K2]V, k K, k2 K2) {
	inner, ok := m[k]
	if !ok {
		return
	}
	del(t, inner, k2)
	if len(inner) == 0 {
		del(t, m, k)
	}
}

// LockOrganization implements tenancy.Tx. The transaction already holds
// the store's write lock, so it only checks that the organization exists.
func (t *tx) LockOrganization(_ context.Context, orgID uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.orgs[orgID]; !ok {
		return notFound("organization %s", orgID)
	}
	return nil
}

// LockUser implements tenancy.Tx. The transaction already holds the
// store's write lock, so it only reads the user.
func (t *tx) LockUser(ctx context.Context, userID uuid.UUID) (tenancy.User, error) {
	if t.done {
		return tenancy.User{}, errTxDone
	}
	return t.User(ctx, userID)
}

// ScrubAuditEmail implements tenancy.Tx.
func (t *tx) ScrubAuditEmail(_ context.Context, email string) (int, error) {
	if t.done {
		return 0, errTxDone
	}
	n := 0
	for orgID, events := range t.audit {
		var scrubbed []tenancy.AuditEvent
		for i, e := range events {
			if !hasValue(e.Details, email) {
				continue
			}
			if scrubbed == nil {
				scrubbed = slices.Clone(events)
			}
			d := maps.Clone(e.Details)
			maps.DeleteFunc(d, func(_, v string) bool { return v == email })
			scrubbed[i].Details = d
			n++
		}
		if scrubbed != nil {
			put(t, t.audit, orgID, scrubbed)
		}
	}
	return n, nil
}

// FormerEmails implements tenancy.Tx. It reads the whole log, as
// ScrubAuditEmail does: both serve the erasure of a user, which is rare.
func (t *tx) FormerEmails(_ context.Context, userID uuid.UUID) ([]string, error) {
	if t.done {
		return nil, errTxDone
	}
	var from []string
	for _, events := range t.audit {
		for _, e := range events {
			if e.TargetID == userID && e.Action == tenancy.EventUserEmailChanged && e.Details[tenancy.DetailFrom] != "" {
				from = append(from, e.Details[tenancy.DetailFrom])
			}
		}
	}
	return from, nil
}

// AppendAudit implements tenancy.Tx.
func (t *tx) AppendAudit(_ context.Context, e tenancy.AuditEvent) error {
	if t.done {
		return errTxDone
	}
	e.Details = maps.Clone(e.Details)
	log := t.audit[e.OrgID]
	if n := len(log); n == 0 || compareAudit(log[n-1], e) < 0 {
		// The usual case: events arrive in (At, ID) order. Appending may
		// write past the length readers see, never into it.
		put(t, t.audit, e.OrgID, append(log, e))
		return nil
	}
	i, _ := slices.BinarySearchFunc(log, e, compareAudit)
	put(t, t.audit, e.OrgID, slices.Insert(slices.Clone(log), i, e))
	return nil
}

// CreateUser implements tenancy.UserWriter.
func (t *tx) CreateUser(_ context.Context, u tenancy.User) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.users[u.ID]; ok {
		return alreadyExists("user %s", u.ID)
	}
	if _, ok := t.usersByEmail[u.Email]; ok {
		return alreadyExists("user %s", u.Email)
	}
	if _, ok := t.usersByExtID[u.ExternalID]; ok && u.ExternalID != "" {
		return alreadyExists("user with external ID %q", u.ExternalID)
	}
	put(t, t.users, u.ID, u)
	put(t, t.usersByEmail, u.Email, u.ID)
	if u.ExternalID != "" {
		put(t, t.usersByExtID, u.ExternalID, u.ID)
	}
	return nil
}

// UpdateUser implements tenancy.UserWriter.
func (t *tx) UpdateUser(_ context.Context, u tenancy.User) error {
	if t.done {
		return errTxDone
	}
	old, ok := t.users[u.ID]
	if !ok {
		return notFound("user %s", u.ID)
	}
	if id, ok := t.usersByEmail[u.Email]; ok && id != u.ID {
		return alreadyExists("user %s", u.Email)
	}
	if id, ok := t.usersByExtID[u.ExternalID]; ok && id != u.ID && u.ExternalID != "" {
		return alreadyExists("user with external ID %q", u.ExternalID)
	}
	if old.Email != u.Email {
		del(t, t.usersByEmail, old.Email)
		put(t, t.usersByEmail, u.Email, u.ID)
		t.reindexEmail(u.ID, old.Email, u.Email)
	}
	if old.ExternalID != u.ExternalID {
		del(t, t.usersByExtID, old.ExternalID)
		if u.ExternalID != "" {
			put(t, t.usersByExtID, u.ExternalID, u.ID)
		}
	}
	old.Email, old.Name, old.EmailVerified, old.ExternalID = u.Email, u.Name, u.EmailVerified, u.ExternalID
	put(t, t.users, u.ID, old)
	return nil
}

// VerifyUserEmail implements tenancy.UserWriter.
func (t *tx) VerifyUserEmail(_ context.Context, userID uuid.UUID, email string) (bool, error) {
	if t.done {
		return false, errTxDone
	}
	u, ok := t.users[userID]
	if !ok {
		return false, notFound("user %s", userID)
	}
	if u.Email != email || u.EmailVerified {
		return false, nil
	}
	u.EmailVerified = true
	put(t, t.users, userID, u)
	return true, nil
}

// DeleteUser implements tenancy.UserWriter. It removes the user's
// memberships and Organization Admin roles.
func (t *tx) DeleteUser(_ context.Context, id uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	u, ok := t.users[id]
	if !ok {
		return notFound("user %s", id)
	}
	for _, wsID := range slices.Collect(maps.Keys(t.userWorkspaces[id])) {
		t.removeMember(t.workspaces[wsID].OrgID, wsID, id)
	}
	for _, orgID := range slices.Collect(maps.Keys(t.userAdminOrgs[id])) {
		t.removeOrgAdmin(orgID, id)
	}
	del(t, t.usersByEmail, u.Email)
	if u.ExternalID != "" {
		del(t, t.usersByExtID, u.ExternalID)
	}
	del(t, t.users, id)
	return nil
}

// CreateOrganization implements tenancy.OrganizationWriter.
func (t *tx) CreateOrganization(_ context.Context, o tenancy.Organization) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.orgs[o.ID]; ok {
		return alreadyExists("organization %s", o.ID)
	}
	if _, ok := t.orgsByDomain[o.Domain]; ok && o.Domain != "" {
		return fmt.Errorf("%w: %s", tenancy.ErrDomainTaken, o.Domain)
	}
	o = o.Clone()
	put(t, t.orgs, o.ID, &o)
	t.refreshOrgAccess(o.ID)
	if o.Domain != "" {
		put(t, t.orgsByDomain, o.Domain, o.ID)
	}
	return nil
}

// UpdateOrganization implements tenancy.OrganizationWriter.
func (t *tx) UpdateOrganization(_ context.Context, o tenancy.Organization) error {
	if t.done {
		return errTxDone
	}
	old, ok := t.orgs[o.ID]
	if !ok {
		return notFound("organization %s", o.ID)
	}
	if old.Domain != o.Domain {
		if id, ok := t.orgsByDomain[o.Domain]; ok && o.Domain != "" && id != o.ID {
			return fmt.Errorf("%w: %s", tenancy.ErrDomainTaken, o.Domain)
		}
		if old.Domain != "" {
			del(t, t.orgsByDomain, old.Domain)
		}
		if o.Domain != "" {
			put(t, t.orgsByDomain, o.Domain, o.ID)
		}
	}
	n := *old
	n.Name, n.Domain, n.Billing, n.Policy = o.Name, o.Domain, o.Billing, o.Policy.Clone()
	put(t, t.orgs, o.ID, &n)
	t.refreshOrgAccess(o.ID)
	return nil
}

// DeleteOrganization implements tenancy.OrganizationWriter. It removes
// the organization's workspaces (with their memberships and invitations)
// and its Organization Admins; its audit events stay.
func (t *tx) DeleteOrganization(ctx context.Context, id uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	o, ok := t.orgs[id]
	if !ok {
		return notFound("organization %s", id)
	}
	for _, wsID := range slices.Collect(maps.Keys(t.orgWorkspaces[id])) {
		if err := t.DeleteWorkspace(ctx, wsID); err != nil {
			return err
		}
	}
	for _, userID := range slices.Collect(maps.Keys(t.orgAdmins[id])) {
		t.removeOrgAdmin(id, userID)
	}
	if o.Domain != "" {
		del(t, t.orgsByDomain, o.Domain)
	}
	del(t, t.orgs, id)
	t.delOrgAccess(id)
	return nil
}

// AddOrgAdmin implements tenancy.OrganizationWriter.
func (t *tx) AddOrgAdmin(_ context.Context, orgID, userID uuid.UUID, at time.Time) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.orgs[orgID]; !ok {
		return notFound("organization %s", orgID)
	}
	if _, ok := t.users[userID]; !ok {
		return notFound("user %s", userID)
	}
	if _, ok := t.orgAdmins[orgID][userID]; ok {
		return alreadyExists("user %s is already an admin of organization %s", userID, orgID)
	}
	if t.orgMembers[orgID][userID] == 0 {
		indexAdd(t, t.orgUsers, orgID, entry{t.users[userID].Email, userID})
	}
	putIn(t, t.orgAdmins, orgID, userID, at)
	putIn(t, t.userAdminOrgs, userID, orgID, struct{}{})
	t.setOrgRole(orgID, userID, func(r *orgRole) { r.admin = true })
	t.refreshOrgAccess(orgID)
	return nil
}

// RemoveOrgAdmin implements tenancy.OrganizationWriter.
func (t *tx) RemoveOrgAdmin(_ context.Context, orgID, userID uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.orgAdmins[orgID][userID]; !ok {
		return notFound("user %s is not an admin of organization %s", userID, orgID)
	}
	t.removeOrgAdmin(orgID, userID)
	return nil
}

// removeOrgAdmin drops an Organization Admin role that exists.
func (t *tx) removeOrgAdmin(orgID, userID uuid.UUID) {
	delIn(t, t.orgAdmins, orgID, userID)
	delIn(t, t.userAdminOrgs, userID, orgID)
	t.setOrgRole(orgID, userID, func(r *orgRole) { r.admin = false })
	t.refreshOrgAccess(orgID)
	if t.orgMembers[orgID][userID] == 0 {
		indexRemove(t, t.orgUsers, orgID, entry{t.users[userID].Email, userID})
	}
}

// reindexEmail moves a user's entries in the indexes sorted by email.
func (t *tx) reindexEmail(userID uuid.UUID, from, to string) {
	for wsID := range t.userWorkspaces[userID] {
		indexRemove(t, t.membersByEmail, wsID, entry{from, userID})
		indexAdd(t, t.membersByEmail, wsID, entry{to, userID})
	}
	orgs := map[uuid.UUID]struct{}{}
	for orgID := range t.userAdminOrgs[userID] {
		orgs[orgID] = struct{}{}
	}
	for wsID := range t.userWorkspaces[userID] {
		orgs[t.workspaces[wsID].OrgID] = struct{}{}
	}
	for orgID := range orgs {
		indexRemove(t, t.orgUsers, orgID, entry{from, userID})
		indexAdd(t, t.orgUsers, orgID, entry{to, userID})
	}
}

// CreateWorkspace implements tenancy.WorkspaceWriter.
func (t *tx) CreateWorkspace(_ context.Context, w tenancy.Workspace) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.orgs[w.OrgID]; !ok {
		return notFound("organization %s", w.OrgID)
	}
	if _, ok := t.workspaces[w.ID]; ok {
		return alreadyExists("workspace %s", w.ID)
	}
	key := tenancy.NameKey(w.Name)
	if _, ok := t.workspaceNames[orgName{w.OrgID, key}]; ok {
		return alreadyExists("workspace %q in organization %s", w.Name, w.OrgID)
	}
	put(t, t.workspaces, w.ID, workspace{Workspace: w, key: key})
	t.addWsAccess(w.ID, w.OrgID)
	putIn(t, t.orgWorkspaces, w.OrgID, w.ID, struct{}{})
	put(t, t.workspaceNames, orgName{w.OrgID, key}, w.ID)
	indexAdd(t, t.wsByName, w.OrgID, entry{key, w.ID})
	return nil
}

// UpdateWorkspace implements tenancy.WorkspaceWriter.
func (t *tx) UpdateWorkspace(_ context.Context, w tenancy.Workspace) error {
	if t.done {
		return errTxDone
	}
	old, ok := t.workspaces[w.ID]
	if !ok {
		return notFound("workspace %s", w.ID)
	}
	key := tenancy.NameKey(w.Name)
	if id, ok := t.workspaceNames[orgName{old.OrgID, key}]; ok && id != w.ID {
		return alreadyExists("workspace %q in organization %s", w.Name, old.OrgID)
	}
	del(t, t.workspaceNames, orgName{old.OrgID, old.key})
	put(t, t.workspaceNames, orgName{old.OrgID, key}, w.ID)
	if key != old.key {
		indexRemove(t, t.wsByName, old.OrgID, entry{old.key, w.ID})
		indexAdd(t, t.wsByName, old.OrgID, entry{key, w.ID})
		for userID := range t.wsMembers[w.ID] {
			indexRemove(t, t.userWsByName, userID, entry{old.key, w.ID})
			indexAdd(t, t.userWsByName, userID, entry{key, w.ID})
		}
	}
	old.Name, old.key = w.Name, key
	put(t, t.workspaces, w.ID, old)
	return nil
}

// DeleteWorkspace implements tenancy.WorkspaceWriter. It removes the
// workspace's memberships and invitations; its audit events stay.
func (t *tx) DeleteWorkspace(_ context.Context, id uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	w, ok := t.workspaces[id]
	if !ok {
		return notFound("workspace %s", id)
	}
	for _, userID := range slices.Collect(maps.Keys(t.wsMembers[id])) {
		t.removeMember(w.OrgID, id, userID)
	}
	for _, invID := range slices.Collect(maps.Keys(t.wsInvitations[id])) {
		t.deleteInvitation(t.invitations[invID])
	}
	del(t, t.workspaceNames, orgName{w.OrgID, w.key})
	indexRemove(t, t.wsByName, w.OrgID, entry{w.key, id})
	delIn(t, t.orgWorkspaces, w.OrgID, id)
	del(t, t.workspaces, id)
	t.delWsAccess(id)
	return nil
}

// AddMember implements tenancy.MemberWriter.
func (t *tx) AddMember(_ context.Context, m tenancy.Member) error {
	if t.done {
		return errTxDone
	}
	w, ok := t.workspaces[m.WorkspaceID]
	if !ok {
		return notFound("workspace %s", m.WorkspaceID)
	}
	if _, ok := t.users[m.UserID]; !ok {
		return notFound("user %s", m.UserID)
	}
	k := wsUser{m.WorkspaceID, m.UserID}
	if _, ok := t.members[k]; ok {
		return alreadyExists("user %s is already a member of workspace %s", m.UserID, m.WorkspaceID)
	}
	email := t.users[m.UserID].Email
	put(t, t.members, k, member{role: m.Role, createdAt: m.CreatedAt})
	t.setRoleAccess(m.WorkspaceID, m.UserID, m.Role)
	putIn(t, t.wsMembers, m.WorkspaceID, m.UserID, struct{}{})
	putIn(t, t.userWorkspaces, m.UserID, m.WorkspaceID, struct{}{})
	indexAdd(t, t.membersByEmail, m.WorkspaceID, entry{email, m.UserID})
	indexAdd(t, t.userWsByName, m.UserID, entry{w.key, w.ID})
	n := t.orgMembers[w.OrgID][m.UserID]
	if _, admin := t.orgAdmins[w.OrgID][m.UserID]; n == 0 && !admin {
		indexAdd(t, t.orgUsers, w.OrgID, entry{email, m.UserID})
	}
	putIn(t, t.orgMembers, w.OrgID, m.UserID, n+1)
	if n == 0 {
		t.setOrgRole(w.OrgID, m.UserID, func(r *orgRole) { r.member = true })
	}
	return nil
}

// SetMemberRole implements tenancy.MemberWriter.
func (t *tx) SetMemberRole(_ context.Context, wsID, userID uuid.UUID, r tenancy.Role) error {
	if t.done {
		return errTxDone
	}
	k := wsUser{wsID, userID}
	m, ok := t.members[k]
	if !ok {
		return notFound("member %s of workspace %s", userID, wsID)
	}
	m.role = r
	put(t, t.members, k, m)
	t.setRoleAccess(wsID, userID, r)
	return nil
}

// RemoveMember implements tenancy.MemberWriter.
func (t *tx) RemoveMember(_ context.Context, wsID, userID uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.members[wsUser{wsID, userID}]; !ok {
		return notFound("member %s of workspace %s", userID, wsID)
	}
	t.removeMember(t.workspaces[wsID].OrgID, wsID, userID)
	return nil
}

func (t *tx) removeMember(orgID, wsID, userID uuid.UUID) {
	email := t.users[userID].Email
	del(t, t.members, wsUser{wsID, userID})
	t.delRoleAccess(wsID, userID)
	delIn(t, t.wsMembers, wsID, userID)
	delIn(t, t.userWorkspaces, userID, wsID)
	indexRemove(t, t.membersByEmail, wsID, entry{email, userID})
	indexRemove(t, t.userWsByName, userID, entry{t.workspaces[wsID].key, wsID})
	if n := t.orgMembers[orgID][userID]; n > 1 {
		putIn(t, t.orgMembers, orgID, userID, n-1)
	} else {
		delIn(t, t.orgMembers, orgID, userID)
		t.setOrgRole(orgID, userID, func(r *orgRole) { r.member = false })
		if _, admin := t.orgAdmins[orgID][userID]; !admin {
			indexRemove(t, t.orgUsers, orgID, entry{email, userID})
		}
	}
}

// CreateInvitation implements tenancy.InvitationWriter.
func (t *tx) CreateInvitation(_ context.Context, r tenancy.InvitationRecord) error {
	if t.done {
		return errTxDone
	}
	if _, ok := t.workspaces[r.WorkspaceID]; !ok {
		return notFound("workspace %s", r.WorkspaceID)
	}
	if _, ok := t.invByEmail[wsEmail{r.WorkspaceID, r.Email}]; ok {
		return alreadyExists("invitation of %s to workspace %s", r.Email, r.WorkspaceID)
	}
	if _, ok := t.invByHash[string(r.TokenHash)]; ok {
		return alreadyExists("invitation token hash")
	}
	if _, ok := t.invitations[r.ID]; ok {
		return alreadyExists("invitation %s", r.ID)
	}
	r = cloneInvitation(r)
	put(t, t.invitations, r.ID, r)
	put(t, t.invByHash, string(r.TokenHash), r.ID)
	put(t, t.invByEmail, wsEmail{r.WorkspaceID, r.Email}, r.ID)
	putIn(t, t.wsInvitations, r.WorkspaceID, r.ID, struct{}{})
	indexAdd(t, t.invsByEmail, r.WorkspaceID, entry{r.Email, r.ID})
	return nil
}

// DeleteInvitation implements tenancy.InvitationWriter.
func (t *tx) DeleteInvitation(_ context.Context, id uuid.UUID) error {
	if t.done {
		return errTxDone
	}
	r, ok := t.invitations[id]
	if !ok {
		return notFound("invitation %s", id)
	}
	t.deleteInvitation(r)
	return nil
}

func (t *tx) deleteInvitation(r tenancy.InvitationRecord) {
	del(t, t.invitations, r.ID)
	del(t, t.invByHash, string(r.TokenHash))
	del(t, t.invByEmail, wsEmail{r.WorkspaceID, r.Email})
	delIn(t, t.wsInvitations, r.WorkspaceID, r.ID)
	indexRemove(t, t.invsByEmail, r.WorkspaceID, entry{r.Email, r.ID})
}

// hasValue reports whether some entry of m has value v.
func hasValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}
