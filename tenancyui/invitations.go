package tenancyui

import (
	"errors"
	"net/http"

	"github.com/tenancykit/tenancy"
)

// invitationsData is the data of invitations.html.
type invitationsData struct {
	Invitations []tenancy.InvitationDetails
	// Verified is false while the user's address is unverified: no
	// invitation is listed before.
	Verified bool
}

// invitations lists the user's pending invitations with Accept and
// Decline.
func (h *handler) invitations(q *request) error {
	ctx := q.r.Context()
	u, err := h.svc.User(ctx, q.actor.UserID)
	if err != nil {
		return err
	}
	invs, err := h.svc.UserInvitations(ctx, q.actor.UserID)
	if err != nil {
		return err
	}
	return q.render("invitations.html", http.StatusOK, Page{Title: "Invitations", Section: "invitations",
		Data: invitationsData{Invitations: invs, Verified: u.EmailVerified}})
}

// acceptInvitation accepts one of the user's pending invitations.
func (h *handler) acceptInvitation(q *request) error {
	id, err := q.pathID("inv")
	if err != nil {
		return err
	}
	m, err := h.svc.AcceptInvitationByID(q.r.Context(), q.actor, id)
	if err != nil {
		return q.invitationError("/invitations", err)
	}
	return q.joined(m)
}

// declineInvitation turns down one of the user's pending invitations.
func (h *handler) declineInvitation(q *request) error {
	id, err := q.pathID("inv")
	if err != nil {
		return err
	}
	if err := h.svc.DeclineInvitation(q.r.Context(), q.actor, id); err != nil {
		return q.invitationError("/invitations", err)
	}
	return q.done("/invitations", "Invitation declined.")
}

// joined opens the workspace just joined.
func (q *request) joined(m tenancy.Member) error {
	text := "You joined the workspace as " + roleLabel(m.Role) + "."
	if ws, err := q.h.svc.Workspace(q.r.Context(), q.actor, m.WorkspaceID); err == nil {
		text = "You joined " + ws.Name + " as " + roleLabel(m.Role) + "."
	}
	return q.done("/workspaces/"+m.WorkspaceID.String(), text)
}

// invitationError answers a failed accept or decline.
func (q *request) invitationError(back string, err error) error {
	switch {
	case errors.Is(err, tenancy.ErrInvitation):
		return q.redirect(back, &Flash{Error: true, Text: "This invitation is no longer valid: it expired, was revoked or replaced, or is not addressed to you."})
	case errors.Is(err, tenancy.ErrAlreadyExists):
		return q.redirect(back, &Flash{Error: true, Text: "You are already a member of this workspace."})
	}
	return q.formError(back, err)
}

// joinData is the data of join.html.
type joinData struct {
	Details tenancy.InvitationDetails
	// Token is the invitation's secret, for the accept form's action.
	Token string
	// SignedIn reports whether a session is present, Email its address.
	SignedIn bool
	Email    string
	// ForMe reports whether the signed-in user's address is the
	// invitation's.
	ForMe bool
	// Verified reports whether the signed-in user's address is verified
	// (declining needs it).
	Verified bool
}

// join previews the invitation a link carries; a signed-in invitee can
// accept it.
func (h *handler) join(q *request) error {
	ctx := q.r.Context()
	token := q.r.PathValue("token")
	det, err := h.svc.InvitationByToken(ctx, token)
	if err != nil {
		return err
	}
	d := joinData{Details: det, Token: token, SignedIn: q.signedIn}
	if q.signedIn {
		u, err := h.svc.User(ctx, q.actor.UserID)
		switch {
		case err == nil:
			d.Email, d.Verified = u.Email, u.EmailVerified
			d.ForMe = u.Email == det.Invitation.Email
		case errors.Is(err, tenancy.ErrNotFound):
			d.SignedIn, q.signedIn = false, false
		default:
			return err
		}
	}
	title := "Join " + det.WorkspaceName
	return q.render("join.html", http.StatusOK, Page{Title: title, Section: "invitations", Data: d})
}

// acceptByToken accepts the invitation of a link.
func (h *handler) acceptByToken(q *request) error {
	token := q.r.PathValue("token")
	m, err := h.svc.AcceptInvitation(q.r.Context(), q.actor, token)
	if errors.Is(err, tenancy.ErrAlreadyExists) {
		return q.redirect("/", &Flash{Error: true, Text: "You are already a member of this workspace."})
	}
	if err != nil {
		return err
	}
	return q.joined(m)
}
