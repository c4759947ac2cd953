package sqlstore

// The SQL of every statement, written once with ? placeholders for both
// dialects and rebound at package initialization (see dialect.bind). The
// dialect-specific parts are the row lock of LockOrganization and the JSON
// functions of ScrubAuditEmail and FormerEmails.

import "github.com/tenancykit/tenancy"

// page holds the two forms of a keyset-paginated list: the first page, and
// a page after a cursor. Both take the same arguments, the cursor's
// fields added before the limit in the second.
type page struct{ first, after string }

// queries are the statements of one dialect.
type queries struct {
	user, lockUser, userByEmail, userByExternalID, userExists, createUser, updateUser string
	updateMemberEmails, updateOrgAdminEmails, verifyUserEmail                         string
	deleteUser, deleteUserMembers, deleteUserOrgAdmins, userOrgs                      string

	org, orgByDomain, orgIDByDomain, orgExists, createOrg, updateOrg, lockOrg string
	lockWorkspaceOrg                                                          string
	isOrgAdmin, countOrgAdmins, adminOrgs, addOrgAdmin, removeOrgAdmin        string
	countSeats, deleteOrg, deleteOrgMembers, deleteOrgInvitations             string
	deleteOrgAdmins, deleteOrgWorkspaces                                      string
	orgUsers                                                                  page

	workspace, workspaceExists, createWorkspace, updateWorkspace        string
	deleteWorkspace, deleteWorkspaceMembers, deleteWorkspaceInvitations string
	orgWorkspaces, orgMemberWorkspaces                                  page
	nameCollisions                                                      string

	member, countMembersWithRole, addMember, setMemberRole, removeMember string
	updateMemberNameKeys                                                 string
	userOrgMemberships                                                   string
	members, userMemberships                                             page

	invitation, invitationByHash, invitationByEmail, createInvitation, deleteInvitation string
	invitationsTo, invitationsBy, invitationsByInOrg                                    string
	invitations                                                                         page

	// The strict forms of the writes a pipelined transaction defers (see
	// deferredTx): plain inserts, which fail on a conflict or a missing
	// row instead of inserting nothing.
	createOrgStrict, addOrgAdminStrict, addMemberStrict string

	appendAudit, scrubAudit, formerEmails string
	auditEvents                           page
	auditEventsNoOrg                      page

	factsWorkspace, factsOrg string

	// all lists every statement above.
	all []string
}

// Column lists, in the order the scan functions read them.
const (
	userCols   = `u.id, u.email, u.name, u.email_verified, u.created_at, COALESCE(u.external_id, '')`
	orgCols    = `o.id, o.name, o.domain, o.billing_email, o.billing_customer_ref, o.policy, o.created_at`
	wsCols     = `w.id, w.org_id, w.name, w.created_by, w.created_at`
	memberCols = `m.workspace_id, m.user_id, m.email, m.role, m.created_at`
	invCols    = `i.id, i.workspace_id, i.org_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.token_hash`
	auditCols  = `e.id, e.org_id, e.workspace_id, e.actor_id, e.target_id, e.action, e.at, e.details`
)

func buildQueries(d *dialect) *queries {
	var all []string
	b := func(query string) string {
		query = d.bind(query)
		all = append(all, query)
		return query
	}
	// keyset builds a list from its head (up to the WHERE conditions), the
	// cursor condition added to them after a cursor, and its tail.
	keyset := func(head, cond, tail string) page {
		return page{first: b(head + tail), after: b(head + " AND " + cond + tail)}
	}
	q := &queries{
		user:        b(`SELECT ` + userCols + ` FROM tenancy_users u WHERE u.id = ?`),
		lockUser:    b(`SELECT ` + userCols + ` FROM tenancy_users u WHERE u.id = ?` + d.forUpdate()),
		userByEmail: b(`SELECT ` + userCols + ` FROM tenancy_users u WHERE u.email = ?`),
		// NULL stands for no external ID, so that the partial unique
		// index covers only those set.
		userByExternalID: b(`SELECT ` + userCols + ` FROM tenancy_users u WHERE u.external_id = ?`),
		userExists:       b(`SELECT EXISTS (SELECT 1 FROM tenancy_users WHERE id = ?)`),
		createUser: b(`INSERT INTO tenancy_users (id, email, name, email_verified, created_at, external_id)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		// The NOT EXISTS guards report a taken email or external ID as "no
		// row updated" instead of a unique violation, which would abort a
		// PostgreSQL transaction; the unique indexes stay the backstop.
		updateUser: b(`UPDATE tenancy_users SET email = ?, name = ?, email_verified = ?, external_id = ?
WHERE id = ?
	AND NOT EXISTS (SELECT 1 FROM tenancy_users o WHERE o.email = ? AND o.id <> ?)
	AND NOT EXISTS (SELECT 1 FROM tenancy_users o WHERE o.external_id = ? AND o.id <> ?)`),
		// The copies of the email beside the user's roles, which order the
		// lists of members and organization users.
		updateMemberEmails:   b(`UPDATE tenancy_members SET email = ? WHERE user_id = ? AND email <> ?`),
		updateOrgAdminEmails: b(`UPDATE tenancy_org_admins SET email = ? WHERE user_id = ? AND email <> ?`),
		// Of racing calls, one updates the row; on PostgreSQL the others
		// wait for its lock, then find the condition false.
		verifyUserEmail:     b(`UPDATE tenancy_users SET email_verified = ? WHERE id = ? AND email = ? AND NOT email_verified`),
		deleteUserMembers:   b(`DELETE FROM tenancy_members WHERE user_id = ?`),
		deleteUserOrgAdmins: b(`DELETE FROM tenancy_org_admins WHERE user_id = ?`),
		deleteUser:          b(`DELETE FROM tenancy_users WHERE id = ?`),
		// The organizations come from the per-user indexes of both roles.
		// Arguments: the user four times.
		userOrgs: b(`SELECT ` + orgCols + `,
	EXISTS (SELECT 1 FROM tenancy_org_admins a WHERE a.org_id = o.id AND a.user_id = ?),
	(SELECT count(*) FROM tenancy_members m WHERE m.user_id = ? AND m.org_id = o.id)
FROM tenancy_organizations o
WHERE o.id IN (
	SELECT org_id FROM tenancy_org_admins WHERE user_id = ?
	UNION
	SELECT org_id FROM tenancy_members WHERE user_id = ?
)
ORDER BY o.name, o.id`),

		org: b(`SELECT ` + orgCols + ` FROM tenancy_organizations o WHERE o.id = ?`),
		// domain <> '' lets the partial unique index serve the lookup.
		orgByDomain:   b(`SELECT ` + orgCols + ` FROM tenancy_organizations o WHERE o.domain = ? AND o.domain <> ''`),
		orgIDByDomain: b(`SELECT id FROM tenancy_organizations WHERE domain = ? AND domain <> ''`),
		orgExists:     b(`SELECT EXISTS (SELECT 1 FROM tenancy_organizations WHERE id = ?)`),
		createOrg: b(`INSERT INTO tenancy_organizations (id, name, domain, billing_email, billing_customer_ref, policy, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		// The NOT EXISTS guard reports a domain claimed by another
		// organization as "no row updated"; the partial unique index on the
		// domain stays the backstop.
		updateOrg: b(`UPDATE tenancy_organizations SET name = ?, domain = ?, billing_email = ?, billing_customer_ref = ?, policy = ?
WHERE id = ? AND NOT EXISTS (
	SELECT 1 FROM tenancy_organizations o WHERE o.domain = ? AND o.domain <> '' AND o.id <> ?)`),
		// An organization's rows, each through an index on the
		// organization.
		deleteOrgMembers:     b(`DELETE FROM tenancy_members WHERE org_id = ?`),
		deleteOrgInvitations: b(`DELETE FROM tenancy_invitations WHERE org_id = ?`),
		deleteOrgAdmins:      b(`DELETE FROM tenancy_org_admins WHERE org_id = ?`),
		deleteOrgWorkspaces:  b(`DELETE FROM tenancy_workspaces WHERE org_id = ?`),
		deleteOrg:            b(`DELETE FROM tenancy_organizations WHERE id = ?`),
		lockOrg:              b(`SELECT 1 FROM tenancy_organizations WHERE id = ?` + d.forUpdate()),
		// The organization of a workspace, locked (the workspace is only
		// read).
		lockWorkspaceOrg: b(`SELECT 1 FROM tenancy_organizations o
WHERE o.id = (SELECT w.org_id FROM tenancy_workspaces w WHERE w.id = ?)` + d.forUpdate()),

		isOrgAdmin:     b(`SELECT EXISTS (SELECT 1 FROM tenancy_org_admins WHERE org_id = ? AND user_id = ?)`),
		countOrgAdmins: b(`SELECT count(*) FROM tenancy_org_admins WHERE org_id = ?`),
		adminOrgs: b(`SELECT ` + orgCols + ` FROM tenancy_org_admins a JOIN tenancy_organizations o ON o.id = a.org_id
WHERE a.user_id = ? ORDER BY o.name, o.id`),
		// The user must exist: the SELECT yields no row otherwise, and
		// ON CONFLICT leaves the transaction usable on a duplicate.
		addOrgAdmin: b(`INSERT INTO tenancy_org_admins (org_id, user_id, email, created_at)
SELECT o.id, u.id, u.email, ? FROM tenancy_organizations o, tenancy_users u WHERE o.id = ? AND u.id = ?
ON CONFLICT DO NOTHING`),
		removeOrgAdmin: b(`DELETE FROM tenancy_org_admins WHERE org_id = ? AND user_id = ?`),
		countSeats: b(`SELECT count(*) FROM (
	SELECT user_id FROM tenancy_org_admins WHERE org_id = ?
	UNION
	SELECT user_id FROM tenancy_members WHERE org_id = ?
) s`),
		// The page of (email, user) keys is taken from the two keyset
		// indexes, then joined to the users.
		orgUsers: page{
			first: b(orgUsersQuery("", "")),
			after: b(orgUsersQuery(" AND (email, user_id) > (?, ?)", " AND (email, user_id) > (?, ?)")),
		},

		workspace:       b(`SELECT ` + wsCols + ` FROM tenancy_workspaces w WHERE w.id = ?`),
		workspaceExists: b(`SELECT EXISTS (SELECT 1 FROM tenancy_workspaces WHERE id = ?)`),
		createWorkspace: b(`INSERT INTO tenancy_workspaces (id, org_id, name, name_key, created_by, created_at)
SELECT ?, o.id, ?, ?, ?, ? FROM tenancy_organizations o WHERE o.id = ?
ON CONFLICT DO NOTHING`),
		// The NOT EXISTS guard reports a taken name as "no row updated"
		// instead of a unique violation, which would abort a PostgreSQL
		// transaction; the unique index stays the backstop. A renamed
		// workspace holds its new key: its collision mark (see
		// namekeys.go) is cleared, and marked workspaces hold no key.
		updateWorkspace: b(`UPDATE tenancy_workspaces SET name = ?, name_key = ?, name_collision = ?
WHERE id = ? AND NOT EXISTS (
	SELECT 1 FROM tenancy_workspaces o
	WHERE o.org_id = tenancy_workspaces.org_id AND o.name_key = ? AND NOT o.name_collision
		AND o.id <> tenancy_workspaces.id)`),
		deleteWorkspaceMembers:     b(`DELETE FROM tenancy_members WHERE workspace_id = ?`),
		deleteWorkspaceInvitations: b(`DELETE FROM tenancy_invitations WHERE workspace_id = ?`),
		deleteWorkspace:            b(`DELETE FROM tenancy_workspaces WHERE id = ?`),
		orgWorkspaces: keyset(`SELECT `+wsCols+`, COALESCE(m.role, '')
FROM tenancy_workspaces w LEFT JOIN tenancy_members m ON m.workspace_id = w.id AND m.user_id = ?
WHERE w.org_id = ?`, `(w.name_key, w.id) > (?, ?)`, `
ORDER BY w.name_key, w.id LIMIT ?`),
		// The memberships carry their workspace's name key, so the page
		// is read in order off (user_id, org_id, name_key, workspace_id).
		orgMemberWorkspaces: keyset(`SELECT `+wsCols+`, m.role
FROM tenancy_members m JOIN tenancy_workspaces w ON w.id = m.workspace_id
WHERE m.user_id = ? AND m.org_id = ?`, `(m.name_key, m.workspace_id) > (?, ?)`, `
ORDER BY m.name_key, m.workspace_id LIMIT ?`),

		nameCollisions: b(`SELECT ` + wsCols + `, w.name_key, k.id
FROM tenancy_workspaces w LEFT JOIN tenancy_workspaces k
	ON k.org_id = w.org_id AND k.name_key = w.name_key AND NOT k.name_collision
WHERE w.name_collision
ORDER BY w.org_id, w.name_key, w.id`),

		member:               b(`SELECT ` + memberCols + ` FROM tenancy_members m WHERE m.workspace_id = ? AND m.user_id = ?`),
		countMembersWithRole: b(`SELECT count(*) FROM tenancy_members WHERE workspace_id = ? AND role = ?`),
		// The organization, the email and the name key are copied from
		// the workspace and the user; no row is inserted if either is
		// missing.
		addMember: b(`INSERT INTO tenancy_members (workspace_id, user_id, org_id, email, name_key, role, created_at)
SELECT w.id, u.id, w.org_id, u.email, w.name_key, ?, ? FROM tenancy_workspaces w, tenancy_users u WHERE w.id = ? AND u.id = ?
ON CONFLICT DO NOTHING`),
		// A renamed workspace's key, in the copies beside its memberships.
		updateMemberNameKeys: b(`UPDATE tenancy_members SET name_key = ? WHERE workspace_id = ? AND name_key <> ?`),
		setMemberRole:        b(`UPDATE tenancy_members SET role = ? WHERE workspace_id = ? AND user_id = ?`),
		removeMember:         b(`DELETE FROM tenancy_members WHERE workspace_id = ? AND user_id = ?`),
		userOrgMemberships: b(`SELECT ` + memberCols + ` FROM tenancy_members m
WHERE m.user_id = ? AND m.org_id = ? ORDER BY m.workspace_id`),
		members: keyset(`SELECT `+memberCols+` FROM tenancy_members m WHERE m.workspace_id = ?`,
			`(m.email, m.user_id) > (?, ?)`, ` ORDER BY m.email, m.user_id LIMIT ?`),
		userMemberships: keyset(`SELECT `+wsCols+`, m.role
FROM tenancy_members m JOIN tenancy_workspaces w ON w.id = m.workspace_id
WHERE m.user_id = ?`, `(m.name_key, m.workspace_id) > (?, ?)`, `
ORDER BY m.name_key, m.workspace_id LIMIT ?`),

		invitation:        b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.id = ?`),
		invitationByHash:  b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.token_hash = ?`),
		invitationByEmail: b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.workspace_id = ? AND i.email = ?`),
		createInvitation: b(`INSERT INTO tenancy_invitations (id, workspace_id, org_id, email, role, invited_by, created_at, expires_at, token_hash)
SELECT ?, w.id, ?, ?, ?, ?, ?, ?, ? FROM tenancy_workspaces w WHERE w.id = ?
ON CONFLICT DO NOTHING`),
		deleteInvitation: b(`DELETE FROM tenancy_invitations WHERE id = ?`),
		invitations: keyset(`SELECT `+invCols+` FROM tenancy_invitations i WHERE i.workspace_id = ?`,
			`(i.email, i.id) > (?, ?)`, ` ORDER BY i.email, i.id LIMIT ?`),
		invitationsTo: b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.email = ?
ORDER BY i.created_at, i.id`),
		invitationsBy: b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.invited_by = ?
ORDER BY i.created_at, i.id`),
		invitationsByInOrg: b(`SELECT ` + invCols + ` FROM tenancy_invitations i WHERE i.invited_by = ? AND i.org_id = ?
ORDER BY i.created_at, i.id`),

		// A deferred write is sent ahead of later statements, or with
		// COMMIT, in one batch: it must abort the transaction on a
		// conflict, so that nothing after it runs and COMMIT does not
		// happen. "No row inserted", which the forms above read as the
		// conflict, would let COMMIT run. So these fail in SQL: a unique
		// violation (the organization's ID or domain, which the
		// constraint's name tells apart; an admin or a membership
		// already there), or a foreign key violation for a missing
		// organization, workspace or user. The values copied from other
		// rows fall back to non-NULL stand-ins for a missing row, so
		// that its foreign key, not a NOT NULL constraint, reports it.
		createOrgStrict: b(`INSERT INTO tenancy_organizations (id, name, domain, billing_email, billing_customer_ref, policy, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)`),
		// Arguments: the organization, the user twice, the time.
		addOrgAdminStrict: b(`INSERT INTO tenancy_org_admins (org_id, user_id, email, created_at)
VALUES (?, ?, COALESCE((SELECT u.email FROM tenancy_users u WHERE u.id = ?), ''), ?)`),
		// Arguments: the workspace, the user, the workspace twice (the
		// second the stand-in of its organization), the user, the
		// workspace, the role, the time.
		addMemberStrict: b(`INSERT INTO tenancy_members (workspace_id, user_id, org_id, email, name_key, role, created_at)
VALUES (?, ?, COALESCE((SELECT w.org_id FROM tenancy_workspaces w WHERE w.id = ?), ?),
	COALESCE((SELECT u.email FROM tenancy_users u WHERE u.id = ?), ''),
	COALESCE((SELECT w.name_key FROM tenancy_workspaces w WHERE w.id = ?), ''), ?, ?)`),

		appendAudit: b(`INSERT INTO tenancy_audit_events (id, org_id, workspace_id, actor_id, target_id, action, at, details)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		scrubAudit:   b(scrubAuditQuery(d)),
		formerEmails: b(formerEmailsQuery(d)),
		auditEvents: keyset(`SELECT `+auditCols+` FROM tenancy_audit_events e WHERE e.org_id = ?`,
			`(e.at, e.id) < (?, ?)`, ` ORDER BY e.at DESC, e.id DESC LIMIT ?`),
		// The events of no organization (sign-ups that joined none, user
		// renames): org_id is NULL for uuid.Nil.
		auditEventsNoOrg: keyset(`SELECT `+auditCols+` FROM tenancy_audit_events e WHERE e.org_id IS NULL`,
			`(e.at, e.id) < (?, ?)`, ` ORDER BY e.at DESC, e.id DESC LIMIT ?`),

		// AccessFacts: one statement per scope gathers every fact, in the
		// same five columns. Arguments: the user (three times for a
		// workspace, twice for an organization), then the scope's ID.
		// A role in the workspace makes the user a member of its
		// organization, so the organization's memberships are probed only
		// without one (see factsRoleJoin).
		factsWorkspace: b(`SELECT w.org_id, o.policy,
	EXISTS (SELECT 1 FROM tenancy_org_admins a WHERE a.org_id = w.org_id AND a.user_id = ?),
	COALESCE(r.role, ''),
	CASE WHEN r.role IS NOT NULL THEN TRUE
	ELSE EXISTS (SELECT 1 FROM tenancy_members m WHERE m.user_id = ? AND m.org_id = w.org_id) END
FROM tenancy_workspaces w JOIN tenancy_organizations o ON o.id = w.org_id
` + factsRoleJoin(d) + `
WHERE w.id = ?`),
		factsOrg: b(`SELECT o.id, o.policy,
	EXISTS (SELECT 1 FROM tenancy_org_admins a WHERE a.org_id = o.id AND a.user_id = ?),
	'',
	EXISTS (SELECT 1 FROM tenancy_members m WHERE m.user_id = ? AND m.org_id = o.id)
FROM tenancy_organizations o
WHERE o.id = ?`),
	}
	q.all = all
	return q
}

// orgUsersQuery lists the users holding a role in an organization: the
// union of its org admins and the members of its workspaces. Each arm
// takes its own first page, read in (email, user) order off its keyset
// index (the members arm drops a user's repeats, one per workspace, as
// they stream by), so the merge never sees more than two pages whatever
// the size of the organization. Arguments: the organization three times
// (flag, count, admins arm), the admins arm's cursor, the limit, the
// organization again (members arm), that arm's cursor, the limit, and the
// limit of the merge.
func orgUsersQuery(adminsAfter, membersAfter string) string {
	return `SELECT ` + userCols + `,
	EXISTS (SELECT 1 FROM tenancy_org_admins a WHERE a.org_id = ? AND a.user_id = u.id),
	(SELECT count(*) FROM tenancy_members m WHERE m.user_id = u.id AND m.org_id = ?)
FROM (
	SELECT email, user_id FROM (
		SELECT email, user_id FROM tenancy_org_admins WHERE org_id = ?` + adminsAfter + `
		ORDER BY email, user_id LIMIT ?
	) a
	UNION
	SELECT email, user_id FROM (
		SELECT DISTINCT email, user_id FROM tenancy_members WHERE org_id = ?` + membersAfter + `
		ORDER BY email, user_id LIMIT ?
	) m
	ORDER BY email, user_id LIMIT ?
) k JOIN tenancy_users u ON u.id = k.user_id
ORDER BY k.email, k.user_id`
}

// factsRoleJoin joins to a workspace w the user's membership r of it, if
// any (the user is the statement's third argument).
//
// On SQLite it is read off the (user_id, org_id, name_key, workspace_id)
// index: the probe for the user's memberships in the organization, when
// there is no role, then finds its answer on the index page just read,
// where reading the role off the primary key would descend two B-trees.
// At scale L (bench/scale), that brought a check of a user with no role in
// the organization from 1.28-1.39x its S time to 1.23-1.28x. The membership's
// name_key is the workspace's: AddMember copies it and UpdateWorkspace
// rewrites it, in SQLite's one write transaction at a time. PostgreSQL
// reads the primary key, which does not depend on that copy under
// concurrent writes.
func factsRoleJoin(d *dialect) string {
	if d.postgres {
		return `LEFT JOIN tenancy_members r ON r.workspace_id = w.id AND r.user_id = ?`
	}
	return `LEFT JOIN tenancy_members r INDEXED BY tenancy_members_user_org_name
	ON r.user_id = ? AND r.org_id = w.org_id AND r.name_key = w.name_key AND r.workspace_id = w.id`
}

// formerEmailsQuery selects the from address of a user's email changes:
// the target and the action are those of the partial index of migration
// 7, which the planner matches only against the literal action.
// Argument: the user.
func formerEmailsQuery(d *dialect) string {
	from := `json_extract(details, '$.` + tenancy.DetailFrom + `')`
	if d.postgres {
		from = `details->>'` + tenancy.DetailFrom + `'`
	}
	return `SELECT ` + from + ` FROM tenancy_audit_events
WHERE target_id = ? AND action = '` + tenancy.EventUserEmailChanged + `' AND ` + from + ` IS NOT NULL`
}

// scrubAuditQuery rewrites, in one statement, the details of the events
// holding a value equal to an address, without those entries, and
// returns nothing; the rows it affects are the events changed. The
// database does the JSON work, so the log is never loaded into memory.
//
// On PostgreSQL details are jsonb, read entry by entry. Arguments: the
// address twice.
//
// On SQLite details are JSON text. A substring of the address that no
// JSON encoder escapes (see scrubNeedle) picks the candidate rows cheaply
// (instr compares bytes); json_each then decides exactly. Arguments: the
// address, the needle, the address.
func scrubAuditQuery(d *dialect) string {
	if d.postgres {
		return `UPDATE tenancy_audit_events
SET details = (SELECT COALESCE(jsonb_object_agg(j.key, j.value), '{}'::jsonb)
	FROM jsonb_each_text(details) j WHERE j.value <> ?)
WHERE EXISTS (SELECT 1 FROM jsonb_each_text(details) j WHERE j.value = ?)`
	}
	return `UPDATE tenancy_audit_events
SET details = (SELECT json_group_object(j.key, j.value)
	FROM json_each(tenancy_audit_events.details) j WHERE j.value IS NOT ?)
WHERE details IS NOT NULL AND instr(details, ?) > 0
	AND EXISTS (SELECT 1 FROM json_each(tenancy_audit_events.details) j WHERE j.value = ?)`
}
