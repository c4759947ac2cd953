package tenancyhttp

import "strings"

// Routes lists the API's operations as "method /path", the method in
// lower case as OpenAPI writes it.
func Routes() []string {
	out := make([]string, 0, len(routes))
	for _, r := range routes {
		out = append(out, strings.ToLower(r.method)+" "+r.path)
	}
	return out
}
