package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var auditTests = []test{
	{"AppendAudit round-trips every field", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		w := f.workspace(acme, "Sales", ann)
		full := tenancy.AuditEvent{
			ID: uuid.New(), OrgID: acme.ID, WorkspaceID: w.ID, ActorID: ann.ID, TargetID: uuid.New(),
			Action: tenancy.EventMemberRoleChanged, At: f.tick(),
			Details: map[string]string{"from": "member", "to": "admin", "email": "bob@example.com", "note": "ünïcode ✓"},
		}
		sparse := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, Action: tenancy.EventBillingChanged, At: f.tick()}
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.AppendAudit(f.ctx, full))
			return tx.AppendAudit(f.ctx, sparse)
		})
		got := listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{sparse, full}, got)
	}},
	{"events without an organization are kept apart", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		signup := tenancy.AuditEvent{ID: uuid.New(), ActorID: ann.ID, TargetID: ann.ID, Action: tenancy.EventUserSignedUp, At: f.tick(),
			Details: map[string]string{"email": ann.Email}}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, signup) })
		checkEmpty(t, listAuditEvents(f, acme.ID))
		got := listFrom(t, 10, nil, listAuditEvents(f, uuid.Nil), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{signup}, got, "uuid.Nil lists the events of no organization")
	}},
	{"an empty Details map comes back empty", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, Action: tenancy.EventOrganizationRenamed, At: f.tick(), Details: map[string]string{}}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
		got := listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor)
		require.Len(t, got, 1)
		assert.Empty(t, got[0].Details)
		got[0].Details = e.Details
		require.Equal(t, e, got[0])
	}},
	{"returned Details are copies", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		e := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, Action: tenancy.EventOrganizationRenamed, At: f.tick(),
			Details: map[string]string{"from": "Acme", "to": "Acme Corp"}}
		want := e
		want.Details = map[string]string{"from": "Acme", "to": "Acme Corp"}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
		e.Details["from"] = "scribbled" // the caller's map after the call
		got := listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{want}, got)
		got[0].Details["to"] = "scribbled"
		got[0].Details["new"] = "scribbled"
		got = listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor)
		require.Equal(t, []tenancy.AuditEvent{want}, got)
	}},
	{"ListAuditEvents lists one organization newest first, ties broken by ID", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		t1, t2, t3 := f.tick(), f.tick(), f.tick()
		var want []tenancy.AuditEvent
		// Appended out of order; several share an instant.
		for _, at := range []time.Time{t2, t1, t3, t1, t2, t1, t3} {
			want = append(want, f.event(acme.ID, at))
			f.event(globex.ID, at)
		}
		want = newestFirst(want)
		require.Equal(t, t3, want[0].At)
		checkPaging(t, want, listAuditEvents(f, acme.ID), auditCursor)
	}},
	{"ListAuditEvents paging is stable under inserts", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		var want []tenancy.AuditEvent
		for range 5 {
			at := f.tick()
			want = append(want, f.event(acme.ID, at), f.event(acme.ID, at))
		}
		want = newestFirst(want)
		first := firstPage(t, 3, listAuditEvents(f, acme.ID))
		require.Equal(t, want[:3], first)
		// A newer event sorts before the cursor; one back-dated to the
		// oldest instant sorts after it, and so does one at the cursor's
		// instant with a smaller ID.
		f.event(acme.ID, f.tick())
		old := f.event(acme.ID, want[len(want)-1].At)
		c := auditCursor(first[2])
		tie := tenancy.AuditEvent{ID: prevID(first[2].ID), OrgID: acme.ID, Action: tenancy.EventMemberAdded, At: first[2].At}
		f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, tie) })
		rest := listFrom(t, 3, &c, listAuditEvents(f, acme.ID), auditCursor)
		require.Equal(t, newestFirst(append(append([]tenancy.AuditEvent{}, want[3:]...), old, tie)), rest)
	}},
	{"ScrubAuditEmail removes the entries holding the address from every event", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		globex := f.org("Globex", "globex.com", ann)
		const email = "bob@example.com"
		event := func(orgID uuid.UUID, details map[string]string) tenancy.AuditEvent {
			e := tenancy.AuditEvent{ID: uuid.New(), OrgID: orgID, ActorID: ann.ID, TargetID: uuid.New(),
				Action: tenancy.EventMemberAdded, At: f.tick(), Details: details}
			f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
			return e
		}
		scrubbed := []tenancy.AuditEvent{
			event(acme.ID, map[string]string{"email": email}),
			event(acme.ID, map[string]string{"email": email, "role": "admin", "by": email}),
			event(globex.ID, map[string]string{"old_email": "bob@example.org", "new_email": email}),
			event(uuid.Nil, map[string]string{"email": email}), // an event of no organization
		}
		kept := []tenancy.AuditEvent{
			event(acme.ID, map[string]string{"email": "BOB@example.com"}), // compared exactly
			event(acme.ID, map[string]string{"email": "xbob@example.com", "note": "bob@example.com left"}),
			event(acme.ID, map[string]string{email: "the key is not a value"}),
			event(acme.ID, nil),
			event(globex.ID, map[string]string{}),
		}
		var n int
		f.update(func(tx tenancy.Tx) error {
			var err error
			n, err = tx.ScrubAuditEmail(f.ctx, email)
			return err
		})
		require.Equal(t, len(scrubbed), n)

		want := map[uuid.UUID]map[string]string{
			scrubbed[0].ID: {},
			scrubbed[1].ID: {"role": "admin"},
			scrubbed[2].ID: {"old_email": "bob@example.org"},
		}
		var all []tenancy.AuditEvent
		for _, o := range []tenancy.Organization{acme, globex} {
			all = append(all, listFrom(t, 10, nil, listAuditEvents(f, o.ID), auditCursor)...)
		}
		require.Len(t, all, len(scrubbed)-1+len(kept))
		for _, got := range all {
			if details, ok := want[got.ID]; ok {
				assert.Len(t, got.Details, len(details), "event %s", got.ID)
				for k, v := range details {
					assert.Equal(t, v, got.Details[k], "event %s", got.ID)
				}
				continue
			}
			require.Contains(t, kept, got, "an event without the address is untouched")
		}
		for _, e := range scrubbed[:3] {
			got := findEvent(t, all, e.ID)
			got.Details = e.Details
			require.Equal(t, e, got, "only Details change")
		}

		f.update(func(tx tenancy.Tx) error {
			var err error
			n, err = tx.ScrubAuditEmail(f.ctx, email)
			return err
		})
		require.Zero(t, n, "nothing is left to scrub")
	}},
	{"ScrubAuditEmail finds addresses that JSON escapes", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		acme := f.org("Acme", "acme.com", ann)
		emails := []string{`a&b<c>@example.com`, `"quoted\\local"@example.com`, "jörg@bücher.example", `\u0062ob@example.com`, "line\u2028sep@example.com"}
		var events []tenancy.AuditEvent
		for _, email := range emails {
			e := tenancy.AuditEvent{ID: uuid.New(), OrgID: acme.ID, Action: tenancy.EventMemberAdded, At: f.tick(),
				Details: map[string]string{"email": email, "n": email + "!"}}
			f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
			events = append(events, e)
		}
		for i, email := range emails {
			var n int
			f.update(func(tx tenancy.Tx) error {
				var err error
				n, err = tx.ScrubAuditEmail(f.ctx, email)
				return err
			})
			require.Equal(t, 1, n, email)
			got := findEvent(t, listFrom(t, 10, nil, listAuditEvents(f, acme.ID), auditCursor), events[i].ID)
			require.Equal(t, map[string]string{"n": email + "!"}, got.Details, email)
		}
	}},
	{"FormerEmails reads the from address of the user's email changes only", func(t *testing.T, f *fixture) {
		ann, bob := f.user("ann"), f.user("bob")
		acme := f.org("Acme", "acme.com", ann)
		event := func(orgID, actor, target uuid.UUID, action string, details map[string]string) {
			e := tenancy.AuditEvent{ID: uuid.New(), OrgID: orgID, ActorID: actor, TargetID: target,
				Action: action, At: f.tick(), Details: details}
			f.update(func(tx tenancy.Tx) error { return tx.AppendAudit(f.ctx, e) })
		}
		changed := tenancy.EventUserEmailChanged
		from := func(email string) map[string]string {
			return map[string]string{tenancy.DetailFrom: email, tenancy.DetailTo: "next@example.com"}
		}
		event(acme.ID, ann.ID, ann.ID, changed, from("ann@one.example"))
		event(uuid.Nil, ann.ID, ann.ID, changed, from("ann@two.example")) // of no organization
		event(acme.ID, ann.ID, ann.ID, changed, from("ann@one.example"))  // back to a former one
		event(acme.ID, ann.ID, ann.ID, changed, nil)
		event(acme.ID, ann.ID, bob.ID, changed, from("bob@one.example"))        // another target
		event(acme.ID, ann.ID, ann.ID, tenancy.EventMemberAdded, from("x@y.z")) // another action
		formerEmails := func(userID uuid.UUID) []string {
			var got []string
			f.update(func(tx tenancy.Tx) error {
				var err error
				got, err = tx.FormerEmails(f.ctx, userID)
				return err
			})
			return got
		}
		require.ElementsMatch(t, []string{"ann@one.example", "ann@two.example", "ann@one.example"}, formerEmails(ann.ID))
		require.Equal(t, []string{"bob@one.example"}, formerEmails(bob.ID))
		require.Empty(t, formerEmails(uuid.New()), "an unknown user has none")
	}},
}

// findEvent returns the event of this ID in events.
func findEvent(t *testing.T, events []tenancy.AuditEvent, id uuid.UUID) tenancy.AuditEvent {
	t.Helper()
	for _, e := range events {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("event %s not found", id)
	return tenancy.AuditEvent{}
}

func listAuditEvents(f *fixture, orgID uuid.UUID) fetchFunc[tenancy.AuditEvent] {
	return func(q tenancy.PageQuery) ([]tenancy.AuditEvent, error) { return f.s.ListAuditEvents(f.ctx, orgID, q) }
}

// prevID returns the ID just before id in byte order.
func prevID(id uuid.UUID) uuid.UUID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]--
		if id[i] != 0xff {
			break
		}
	}
	return id
}
