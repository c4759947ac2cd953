package tenancy

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Role names a set of permissions. Workspace roles are held per workspace;
// RoleOrgAdmin is held per organization.
type Role string

// The roles of the default policy.
const (
	RoleMember   Role = "member"    // workspace member
	RoleAdmin    Role = "admin"     // workspace admin
	RoleOrgAdmin Role = "org_admin" // organization admin
)

// Action is something an actor does, written "resource:verb".
type Action string

// Workspace actions: decided in a workspace scope from the actor's
// workspace role (or Organization Admin role).
const (
	ActionViewWorkspace         Action = "workspace:view"
	ActionViewWorkspaceSettings Action = "workspace_settings:view"
	ActionEditWorkspaceSettings Action = "workspace_settings:edit"
	ActionDeleteWorkspace       Action = "workspace:delete"
	ActionManageMembers         Action = "members:manage"

	ActionCreateSource Action = "source:create"
	ActionEditSource   Action = "source:edit"
	ActionDeleteSource Action = "source:delete"

	ActionCreateDestination Action = "destination:create"
	ActionEditDestination   Action = "destination:edit"
	ActionDeleteDestination Action = "destination:delete"

	ActionCreateSegment Action = "segment:create"
	ActionEditSegment   Action = "segment:edit"
	ActionDeleteSegment Action = "segment:delete"

	ActionCreateEntity Action = "entity:create"
	ActionEditEntity   Action = "entity:edit"
	ActionDeleteEntity Action = "entity:delete"

	ActionCreateActivation Action = "activation:create"
	ActionEditActivation   Action = "activation:edit"
	ActionDeleteActivation Action = "activation:delete"
)

// Organization actions: only RoleOrgAdmin can be granted them.
const (
	ActionCreateWorkspace    Action = "workspace:create"
	ActionManageOrgUsers     Action = "org_users:manage"
	ActionEditOrganization   Action = "organization:edit"
	ActionEditSecurityPolicy Action = "security_policy:edit"
	ActionManageBilling      Action = "billing:manage"
	ActionViewAuditLog       Action = "audit_log:view"
)

// orgActions are the actions that only an organization role may hold.
var orgActions = []Action{
	ActionCreateWorkspace, ActionManageOrgUsers, ActionEditOrganization,
	ActionEditSecurityPolicy, ActionManageBilling, ActionViewAuditLog,
}

// memberActions are what a workspace Member may do by default.
var memberActions = []Action{
	ActionViewWorkspace,
	ActionCreateDestination, ActionEditDestination, ActionDeleteDestination,
	ActionCreateSegment, ActionEditSegment, ActionDeleteSegment,
	ActionCreateEntity, ActionEditEntity, ActionDeleteEntity,
	ActionCreateActivation, ActionEditActivation, ActionDeleteActivation,
}

// adminOnlyActions are what a workspace Admin may do beyond a Member.
var adminOnlyActions = []Action{
	ActionCreateSource, ActionEditSource, ActionDeleteSource,
	ActionViewWorkspaceSettings, ActionEditWorkspaceSettings, ActionDeleteWorkspace,
	ActionManageMembers,
}

// Scope is what an action is about: a workspace or an organization. Set
// one of the two; when WorkspaceID is set it wins.
type Scope struct{ OrgID, WorkspaceID uuid.UUID }

// InWorkspace returns the scope of a workspace.
func InWorkspace(id uuid.UUID) Scope { return Scope{WorkspaceID: id} }

// InOrganization returns the scope of an organization.
func InOrganization(id uuid.UUID) Scope { return Scope{OrgID: id} }

// Decision is the outcome of an authorization check.
type Decision struct {
	Allowed bool
	Action  Action
	Role    Role       // the role that decided, "" if none
	Reason  string     // one human-readable sentence, for logs and error messages
	Code    DenialCode // why it was denied, for programs; "" when allowed
}

// DenialCode says, for programs, why a decision denied: a UI asks for a
// multi-factor step-up on DeniedMFA and a fresh sign-in on
// DeniedSessionAge, and shows "no access" on DeniedPermission. The set may
// grow; treat an unknown code like DeniedPermission.
type DenialCode string

// The denial codes.
const (
	// DeniedNoRole: the actor holds no role in the organization (or the
	// scope does not exist).
	DeniedNoRole DenialCode = "no_role"
	// DeniedPermission: the actor's roles do not grant the action, or do
	// not cover the role it tries to grant.
	DeniedPermission DenialCode = "permission"
	// DeniedMFA: the organization requires multi-factor authentication.
	DeniedMFA DenialCode = "mfa_required"
	// DeniedSSO: the organization requires its single sign-on.
	DeniedSSO DenialCode = "sso_required"
	// DeniedSessionAge: the session authenticated too long ago.
	DeniedSessionAge DenialCode = "session_too_old"
	// DeniedIP: the request comes from an address the organization does
	// not allow.
	DeniedIP DenialCode = "ip_not_allowed"
	// DeniedEmailDomain: the organization's allowed email domains exclude
	// the address being invited, added, or granted a role.
	DeniedEmailDomain DenialCode = "email_domain_not_allowed"
	// DeniedUnknownAction: the policy does not define the action.
	DeniedUnknownAction DenialCode = "unknown_action"
)

// Reasons that do not depend on the role or action. They are constants so
// that a decision never allocates.
const (
	reasonNoRole        = "the user holds no role in this organization"
	reasonAnyRole       = "any role in the organization allows it"
	reasonNotMember     = "the user is not a member of this workspace"
	reasonUnknownAction = "the action is not defined by the policy"
	reasonMFA           = "the organization requires multi-factor authentication and the session did not use it"
	reasonSSO           = "the organization requires single sign-on and the session did not use it"
	reasonSessionAge    = "the session is older than the organization's maximum session age"
	reasonIP            = "the request does not come from an IP address the organization allows"
)

// Policy is an authorization matrix: which role may perform which action.
// RoleOrgAdmin is the organization role; every other role is a workspace
// role. An Organization Admin holds, in every workspace of its
// organization, the rights of RoleAdmin as well as its own. A Policy is
// immutable and safe for concurrent use.
type Policy struct {
	index    map[Action]int
	lookup   actionTable // index, without hashing the whole action
	actions  []Action
	orgBits  bitset // which action indexes are organization actions
	roles    map[Role]*policyRole
	wsRoles  []Role
	orgAdmin *policyRole   // roles[RoleOrgAdmin]
	wsRoleOf []*policyRole // wsRoleOf[i] is roles[wsRoles[i]]
	noneDeny []string      // per action: reason when the actor holds no role that applies
}

type policyRole struct {
	bits  bitset
	allow []string // per action: reason when allowed
	deny  []string // per action: reason when denied
}

// DefaultPolicy returns the default matrix: Member, Admin and Org Admin as
// the product defines them. Policies are immutable, so every call returns
// the same one.
func DefaultPolicy() *Policy { return defaultPolicy() }

var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := NewPolicy(map[Role][]Action{
		RoleMember:   memberActions,
		RoleAdmin:    slices.Concat(memberActions, adminOnlyActions),
		RoleOrgAdmin: orgActions,
	})
	if err != nil {
		panic("tenancy: default policy: " + err.Error()) // unreachable: the matrix is a constant, covered by tests
	}
	return p
})

// NewPolicy builds a custom matrix from roles to the actions they allow.
// It must define RoleAdmin and RoleOrgAdmin. RoleOrgAdmin also receives
// every action of RoleAdmin. Organization actions (ActionCreateWorkspace,
// ActionManageOrgUsers, ActionEditOrganization, ActionEditSecurityPolicy,
// ActionManageBilling, ActionViewAuditLog) may only be given to
// RoleOrgAdmin. Role names and the two halves of an action are lower-case
// letters, digits and underscores. It returns an error matching
// ErrInvalidInput for a matrix that breaks these rules.
func NewPolicy(roles map[Role][]Action) (*Policy, error) {
	if _, ok := roles[RoleAdmin]; !ok {
		return nil, invalid("policy must define role %q", RoleAdmin)
	}
	if _, ok := roles[RoleOrgAdmin]; !ok {
		return nil, invalid("policy must define role %q", RoleOrgAdmin)
	}
	p := &Policy{index: map[Action]int{}, roles: map[Role]*policyRole{}}
	add := func(a Action) {
		if _, ok := p.index[a]; !ok {
			p.index[a] = len(p.actions)
			p.actions = append(p.actions, a)
		}
	}
	for _, a := range orgActions {
		add(a)
	}
	names := slices.Sorted(maps.Keys(roles))
	for _, r := range names {
		if !validIdent(string(r)) {
			return nil, invalid("role name %s: use lower-case letters, digits and underscores", quote(string(r)))
		}
		for _, a := range roles[r] {
			if !validAction(a) {
				return nil, invalid("action %s: write it resource:verb", quote(string(a)))
			}
			add(a)
		}
	}
	n := len(p.actions)
	p.orgBits = newBitset(n)
	for _, a := range orgActions {
		p.orgBits.set(p.index[a])
	}
	for _, r := range names {
		bits := newBitset(n)
		for _, a := range roles[r] {
			i := p.index[a]
			if r != RoleOrgAdmin && p.orgBits.has(i) {
				return nil, invalid("organization action %q can only be given to %q, not %q", a, RoleOrgAdmin, r)
			}
			bits.set(i)
		}
		p.roles[r] = &policyRole{bits: bits}
		if r != RoleOrgAdmin {
			p.wsRoles = append(p.wsRoles, r)
		}
	}
	p.roles[RoleOrgAdmin].bits.union(p.roles[RoleAdmin].bits)
	p.orgAdmin = p.roles[RoleOrgAdmin]
	p.lookup = newActionTable(p.actions)
	for _, r := range p.wsRoles {
		p.wsRoleOf = append(p.wsRoleOf, p.roles[r])
	}
	p.noneDeny = make([]string, n)
	for i, a := range p.actions {
		p.noneDeny[i] = fmt.Sprintf("no role the user holds here grants %s", a)
	}
	for r, pr := range p.roles {
		pr.allow = make([]string, n)
		pr.deny = make([]string, n)
		for i, a := range p.actions {
			pr.allow[i] = fmt.Sprintf("role %s grants %s", r, a)
			pr.deny[i] = fmt.Sprintf("role %s lacks permission %s", r, a)
		}
	}
	return p, nil
}

// Allows reports whether role r grants act. It is false for unknown roles
// and actions.
func (p *Policy) Allows(r Role, act Action) bool {
	pr, ok := p.roles[r]
	if !ok {
		return false
	}
	i, ok := p.index[act]
	return ok && pr.bits.has(i)
}

// AdminRole returns the workspace role that administers a workspace: the
// one a workspace's creator receives, and the one a workspace must never
// run out of (ErrLastAdmin). It is RoleAdmin, which every Policy defines.
func (p *Policy) AdminRole() Role { return RoleAdmin }

// WorkspaceRoles returns the policy's workspace roles, sorted.
func (p *Policy) WorkspaceRoles() []Role { return slices.Clone(p.wsRoles) }

// IsWorkspaceRole reports whether r is one of the policy's workspace roles.
func (p *Policy) IsWorkspaceRole(r Role) bool {
	_, ok := p.roles[r]
	return ok && r != RoleOrgAdmin
}

// Decide turns facts into a decision; it does no I/O. An actor with no
// role in the organization is denied first; then the organization's
// session requirements are checked, whatever the role; then the role's
// permission. now is the time the session age is measured against.
func (p *Policy) Decide(f Facts, a Actor, act Action, now time.Time) Decision {
	var d Decision
	p.decide(&d, &f, &a, act, now)
	return d
}

// decide is Decide with its operands and result passed by address, which
// the Service's hot path does not copy. d must be the zero Decision.
func (p *Policy) decide(d *Decision, f *Facts, a *Actor, act Action, now time.Time) {
	wsRole, denied := p.gate(d, f, a, act, now)
	if denied {
		return
	}
	orgAdmin := p.orgAdmin
	i, ok := p.lookup.find(act)
	if !ok {
		d.Reason, d.Code = reasonUnknownAction, DeniedUnknownAction
		return
	}
	if wsRole != nil && wsRole.bits.has(i) {
		d.Allowed, d.Reason = true, wsRole.allow[i]
		return
	}
	if f.OrgAdmin && orgAdmin.bits.has(i) {
		d.Allowed, d.Role, d.Reason = true, RoleOrgAdmin, orgAdmin.allow[i]
		return
	}
	d.Code = DeniedPermission
	switch {
	case wsRole != nil:
		d.Reason = wsRole.deny[i]
	case f.OrgAdmin:
		d.Reason = orgAdmin.deny[i]
	case f.WorkspaceID != uuid.Nil && !p.orgBits.has(i):
		d.Reason = reasonNotMember
	default:
		d.Reason = p.noneDeny[i]
	}
}

// gate applies what every decision applies before any permission: the
// actor must hold a role in the organization, then its session must meet
// the organization's requirements. It fills in d so far (with the role
// that decides), and returns the actor's workspace role in a workspace
// scope and whether d is already a denial.
func (p *Policy) gate(d *Decision, f *Facts, a *Actor, act Action, now time.Time) (wsRole *policyRole, denied bool) {
	d.Action = act
	if !f.HasRole() {
		d.Reason, d.Code = reasonNoRole, DeniedNoRole
		return nil, true
	}
	if f.WorkspaceID != uuid.Nil && f.WorkspaceRole != "" {
		wsRole = p.workspaceRole(f.WorkspaceRole)
	}
	switch {
	case wsRole != nil:
		d.Role = f.WorkspaceRole
	case f.OrgAdmin:
		d.Role = RoleOrgAdmin
	}
	if code, reason := sessionFailure(f.securityPolicy(), f.OrgID, a, now); code != "" {
		d.Reason, d.Code = reason, code
		return wsRole, true
	}
	return wsRole, false
}

// DecideAnyRole decides an action that needs no permission, only a role
// in the organization (any role) and a session that meets the
// organization's requirements: reading the organization, leaving it or
// one of its workspaces. It applies the same first steps as Decide.
func (p *Policy) DecideAnyRole(f Facts, a Actor, act Action, now time.Time) Decision {
	var d Decision
	if _, denied := p.gate(&d, &f, &a, act, now); !denied {
		d.Allowed, d.Reason = true, reasonAnyRole
	}
	return d
}

// workspaceRole returns the workspace role r, nil if the policy has none
// such. A policy has a handful of roles: a scan of their names costs less
// than hashing one.
func (p *Policy) workspaceRole(r Role) *policyRole {
	for i, name := range p.wsRoles {
		if name == r {
			return p.wsRoleOf[i]
		}
	}
	return nil
}

// covers reports whether an actor holding wsRole (possibly "") in a
// workspace, and the Organization Admin role if orgAdmin, already holds
// every right of role r: nobody grants more than they hold.
func (p *Policy) covers(wsRole Role, orgAdmin bool, r Role) bool {
	want, ok := p.roles[r]
	if !ok {
		return false
	}
	held := newBitset(len(p.actions))
	if pr, ok := p.roles[wsRole]; ok {
		held.union(pr.bits)
	}
	if orgAdmin {
		held.union(p.roles[RoleOrgAdmin].bits)
	}
	return want.bits.subsetOf(held)
}

// sessionFailure returns the code and reason the actor's session fails
// the requirements of orgID's policy sp, or "" if it passes.
func sessionFailure(sp *SecurityPolicy, orgID uuid.UUID, a *Actor, now time.Time) (DenialCode, string) {
	switch {
	case sp.RequireMFA && !a.MFA:
		return DeniedMFA, reasonMFA
	case sp.RequireSSO && (!a.SSO || a.SSOOrg != uuid.Nil && a.SSOOrg != orgID):
		return DeniedSSO, reasonSSO
	case sp.MaxSessionAge > 0 && (a.AuthenticatedAt.IsZero() || now.Sub(a.AuthenticatedAt) > sp.MaxSessionAge):
		return DeniedSessionAge, reasonSessionAge
	case len(sp.AllowedIPs) > 0 && !ipAllowed(sp.AllowedIPs, a.IP):
		return DeniedIP, reasonIP
	}
	return "", ""
}

func ipAllowed(prefixes []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return false
	}
	for _, p := range prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validAction(a Action) bool {
	res, verb, ok := strings.Cut(string(a), ":")
	return ok && validIdent(res) && validIdent(verb)
}

// bitset is a fixed-size set of action indexes.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) union(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) subsetOf(o bitset) bool {
	for i := range b {
		if b[i]&^o[i] != 0 {
			return false
		}
	}
	return true
}

// actionTable interns a policy's actions to their indexes. It is an open
// addressing table keyed by a hash of an action's length and three of its
// bytes, far cheaper than hashing the whole string; every hit is confirmed
// by comparing the whole action, so a lookup is always exact.
type actionTable struct {
	slots []int32 // action index + 1; 0 is an empty slot
	names []Action
	mask  uint32
}

func newActionTable(actions []Action) actionTable {
	n := 8
	for n < 4*len(actions) {
		n *= 2
	}
	t := actionTable{slots: make([]int32, n), names: actions, mask: uint32(n - 1)}
	for i, a := range actions {
		h := actionHash(a) & t.mask
		for t.slots[h] != 0 {
			h = (h + 1) & t.mask
		}
		t.slots[h] = int32(i + 1)
	}
	return t
}

func actionHash(a Action) uint32 {
	n := len(a)
	if n == 0 {
		return 0
	}
	h := uint32(n)*0x9e3779b1 ^ uint32(a[0])*0x85ebca6b ^ uint32(a[n/2])*0xc2b2ae35 ^ uint32(a[n-1])*0x27d4eb2f
	return h ^ h>>15
}

// find returns the index of act, and false if the policy does not define
// it.
func (t *actionTable) find(act Action) (int, bool) {
	for h := actionHash(act) & t.mask; ; h = (h + 1) & t.mask {
		s := t.slots[h]
		if s == 0 {
			return 0, false
		}
		if t.names[s-1] == act {
			return int(s - 1), true
		}
	}
}
