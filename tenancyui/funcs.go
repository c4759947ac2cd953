package tenancyui

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/tenancykit/tenancy"
)

// funcs are the functions the templates may call.
var funcs = template.FuncMap{
	"role":    roleLabel,
	"date":    formatTime,
	"event":   eventLabel,
	"can":     actionLabel,
	"sameID":  func(a, b uuid.UUID) bool { return a == b },
	"isNil":   func(id uuid.UUID) bool { return id == uuid.Nil },
	"add":     func(a, b int) int { return a + b },
	"plural":  plural,
	"expired": func(t time.Time) bool { return !t.After(time.Now()) },
}

// roleLabel names a role for people: "Member", "Admin", "Organization
// Admin", or a custom role's name with spaces and a capital.
func roleLabel(r tenancy.Role) string {
	switch r {
	case tenancy.RoleMember:
		return "Member"
	case tenancy.RoleAdmin:
		return "Admin"
	case tenancy.RoleOrgAdmin:
		return "Organization Admin"
	case "":
		return "None"
	}
	s := strings.ReplaceAll(string(r), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// formatTime shows a time in UTC, to the minute.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// eventLabel names an audit event's action: "workspace.created" becomes
// "Workspace created".
func eventLabel(action string) string {
	s := strings.NewReplacer(".", " ", "_", " ").Replace(action)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// actionLabel says what an action lets a person do: "source:create"
// becomes "create sources".
func actionLabel(a tenancy.Action) string {
	resource, verb, ok := strings.Cut(string(a), ":")
	if !ok {
		return string(a)
	}
	var object string
	switch resource {
	case "workspace", "organization", "audit_log", "security_policy":
		object = "the " + strings.ReplaceAll(resource, "_", " ")
	case "workspace_settings", "members", "billing":
		object = strings.ReplaceAll(resource, "_", " ")
	case "org_users":
		object = "the organization's users"
	default:
		object = pluralNoun(strings.ReplaceAll(resource, "_", " "))
	}
	return verb + " " + object
}

// pluralNoun is the plural of an English noun, for resource names.
func pluralNoun(s string) string {
	switch {
	case strings.HasSuffix(s, "y") && !strings.HasSuffix(s, "ay") && !strings.HasSuffix(s, "ey"):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(s, "s"):
		return s
	}
	return s + "s"
}

// plural writes a count with its noun: "1 workspace", "3 workspaces".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + pluralNoun(noun)
}
