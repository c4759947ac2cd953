package tenancyui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tenancykit/tenancy"
	"golang.org/x/net/html"
)

// TestPagesAreAccessible checks on every page what a screen reader or a
// keyboard needs and a template could break: a language, one h1, a
// labelled control for every input, unique IDs, named buttons, the
// aria-live region for messages, and a skip link to the main content.
func TestPagesAreAccessible(t *testing.T) {
	f := newFixture(t)
	ws := f.workspace("Marketing", map[tenancy.User]tenancy.Role{f.bob: tenancy.RoleMember})
	ctx := context.Background()
	_, token, err := f.svc.Invite(ctx, actor(f.ann), ws.ID, "dan@acme.com", tenancy.RoleMember)
	require.NoError(t, err)
	_, _, err = f.svc.Invite(ctx, actor(f.ann), ws.ID, "carol@gmail.com", tenancy.RoleAdmin)
	require.NoError(t, err)
	org, w := "/console/orgs/"+f.org.ID.String(), "/console/workspaces/"+ws.ID.String()
	pages := map[*browser][]string{
		f.as(f.ann): {
			"/console/", "/console/workspaces", "/console/workspaces/new", w, w + "/settings", w + "/delete",
			"/console/invitations", "/console/join/" + token, org, org + "/leave", org + "/users",
			org + "/security", org + "/billing", org + "/audit", "/console/orgs/nope",
		},
		f.as(f.bob):   {w, w + "/settings", w + "/leave", org + "/billing"},
		f.as(f.carol): {"/console/", "/console/invitations"},
		f.anonymous(): {"/console/join/" + token, "/console/join/unknown"},
	}
	controls := 0
	for b, paths := range pages {
		for _, path := range paths {
			p := b.get(path)
			require.Less(t, p.Status, 500, path)
			controls += checkAccessible(t, path, p.Body)
		}
	}
	require.Greater(t, controls, 30, "the pages checked hold the console's forms")
}

// checkAccessible checks one page and returns how many form controls it
// holds.
func checkAccessible(t *testing.T, path, body string) int {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	require.NoError(t, err, path)
	var (
		h1s      int
		ids      = map[string]int{}
		labels   = map[string]bool{}
		controls []*html.Node
		live     bool
		skip     bool
		lang     bool
	)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			a := attrs(n)
			if id := a["id"]; id != "" {
				ids[id]++
			}
			switch n.Data {
			case "html":
				lang = a["lang"] != ""
			case "h1":
				h1s++
			case "label":
				labels[a["for"]] = true
			case "input":
				if a["type"] != "hidden" {
					controls = append(controls, n)
				}
			case "select", "textarea":
				controls = append(controls, n)
			case "button":
				if strings.TrimSpace(textOf(n)) == "" && a["aria-label"] == "" {
					t.Errorf("%s: a button has no name", path)
				}
			case "a":
				if a["href"] == "#main" {
					skip = true
				}
			}
			if a["aria-live"] != "" {
				live = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if !lang {
		t.Errorf("%s: no lang on html", path)
	}
	if h1s != 1 {
		t.Errorf("%s: %d h1 elements, want 1", path, h1s)
	}
	if !live {
		t.Errorf("%s: no aria-live region", path)
	}
	if !skip {
		t.Errorf("%s: no skip link", path)
	}
	if ids["main"] != 1 {
		t.Errorf("%s: no main landmark with id main", path)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("%s: id %q used %d times", path, id, n)
		}
	}
	for _, c := range controls {
		a := attrs(c)
		if a["id"] == "" || !labels[a["id"]] {
			if a["aria-label"] == "" {
				t.Errorf("%s: <%s name=%q> has no label", path, c.Data, a["name"])
			}
		}
	}
	return len(controls)
}

func attrs(n *html.Node) map[string]string {
	m := make(map[string]string, len(n.Attr))
	for _, a := range n.Attr {
		m[a.Key] = a.Val
	}
	return m
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}
