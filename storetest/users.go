package storetest

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/tenancykit/tenancy"
)

var userTests = []test{
	{"CreateUser round-trips every field", func(t *testing.T, f *fixture) {
		verified := f.newUser("ann")
		verified.EmailVerified = true
		unverified := f.newUser("bob")
		unverified.EmailVerified = false
		f.update(func(tx tenancy.Tx) error {
			require.NoError(t, tx.CreateUser(f.ctx, verified))
			return tx.CreateUser(f.ctx, unverified)
		})
		for _, u := range []tenancy.User{verified, unverified} {
			got, err := f.s.User(f.ctx, u.ID)
			require.NoError(t, err)
			require.Equal(t, u, got)
			got, err = f.s.UserByEmail(f.ctx, u.Email)
			require.NoError(t, err)
			require.Equal(t, u, got)
		}
	}},
	{"User and UserByEmail return ErrNotFound when absent", func(t *testing.T, f *fixture) {
		f.user("ann")
		_, err := f.s.User(f.ctx, uuid.New())
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, "bob@example.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		_, err = f.s.UserByEmail(f.ctx, "")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateUser rejects a taken ID", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.newUser("bob")
		bob.ID = ann.ID
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, bob) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		_, err = f.s.UserByEmail(f.ctx, bob.Email)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"CreateUser rejects a taken email", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		again := f.newUser("ann")
		err := f.fail(func(tx tenancy.Tx) error { return tx.CreateUser(f.ctx, again) })
		require.ErrorIs(t, err, tenancy.ErrAlreadyExists)
		got, err := f.s.UserByEmail(f.ctx, ann.Email)
		require.NoError(t, err)
		require.Equal(t, ann, got)
		_, err = f.s.User(f.ctx, again.ID)
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
	{"UpdateUser replaces only Name and EmailVerified", func(t *testing.T, f *fixture) {
		ann := f.user("ann")
		bob := f.user("bob")
		change := ann
		change.Name = "Ann Changed"
		change.EmailVerified = !ann.EmailVerified
		change.Email = "other@example.com"
		change.CreatedAt = f.tick()
		f.update(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, change) })

		want := ann
		want.Name, want.EmailVerified = change.Name, change.EmailVerified
		got, err := f.s.User(f.ctx, ann.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = f.s.UserByEmail(f.ctx, ann.Email)
		require.NoError(t, err)
		require.Equal(t, want, got)
		_, err = f.s.UserByEmail(f.ctx, "other@example.com")
		require.ErrorIs(t, err, tenancy.ErrNotFound)
		got, err = f.s.User(f.ctx, bob.ID)
		require.NoError(t, err)
		require.Equal(t, bob, got, "other users are untouched")
	}},
	{"UpdateUser returns ErrNotFound when absent", func(t *testing.T, f *fixture) {
		err := f.fail(func(tx tenancy.Tx) error { return tx.UpdateUser(f.ctx, f.newUser("ann")) })
		require.ErrorIs(t, err, tenancy.ErrNotFound)
	}},
}
