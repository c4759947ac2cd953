package tenancy

import (
	"context"
	"errors"
	"slices"
)

// Permissions is the set of actions one actor may perform in one scope,
// decided at one instant from one read: what a UI needs to show or hide a
// dozen buttons without a dozen checks. The zero value allows nothing.
type Permissions struct {
	policy  *Policy
	allowed bitset // over policy.actions
}

// Allows reports whether the set holds act.
func (p Permissions) Allows(act Action) bool {
	if p.policy == nil {
		return false
	}
	i, ok := p.policy.index[act]
	return ok && p.allowed.has(i)
}

// Actions returns the actions of the set, sorted.
func (p Permissions) Actions() []Action {
	acts := []Action{}
	if p.policy == nil {
		return acts
	}
	for i, a := range p.policy.actions {
		if p.allowed.has(i) {
			acts = append(acts, a)
		}
	}
	slices.Sort(acts)
	return acts
}

// Permissions decides every action of the policy for the actor in scope,
// from one read of the store (the query Check makes): for each action,
// Allows agrees with Check. A scope that does not exist, an actor with no
// role in it, or a session the organization's security policy refuses,
// gives an empty set. The error is non-nil only when the store fails.
func (s *Service) Permissions(ctx context.Context, a Actor, sc Scope) (Permissions, error) {
	f, err := s.store.AccessFacts(ctx, a.UserID, sc)
	if errors.Is(err, ErrNotFound) {
		return Permissions{}, nil
	}
	if err != nil {
		s.storeFailed(ctx, "access facts", err)
		return Permissions{}, err
	}
	p := s.policy
	perms := Permissions{policy: p, allowed: newBitset(len(p.actions))}
	now := s.sessionClock(f.securityPolicy())
	for i, act := range p.actions {
		if p.Decide(f, a, act, now).Allowed {
			perms.allowed.set(i)
		}
	}
	return perms, nil
}
