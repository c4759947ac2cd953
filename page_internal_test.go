package tenancy

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, c := range []Cursor{
		{},
		{Key: "ann@acme.com", ID: uuid.New()},
		{At: time.Date(2026, 11, 28, 9, 0, 0, 123000, time.UTC), ID: uuid.New()},
		{Key: "équipe ☃", At: time.Unix(0, 1).UTC(), ID: uuid.New()},
	} {
		got, err := decodeCursor(cursorAudit, encodeCursor(cursorAudit, c))
		require.NoError(t, err)
		require.Equal(t, c, got)
		_, err = decodeCursor(cursorMembers, encodeCursor(cursorAudit, c))
		require.ErrorIs(t, err, ErrInvalidInput, "a cursor of another list")
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(cursorMembers, Cursor{Key: "ann@acme.com", ID: uuid.New()}))
	f.Add("")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(cursorMembers, s)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidInput)
			return
		}
		again, err := decodeCursor(cursorMembers, encodeCursor(cursorMembers, c))
		require.NoError(t, err)
		require.Equal(t, c, again)
	})
}
