// Command emaillists rebuilds the personal-address lists that the tenancy
// package embeds, and measures how much of each public list the embedded
// classifier blocks. Run it through scripts/update-email-lists from the
// module root; it needs the npm client to fetch the pinned packages.
//
// Without flags it fetches every source that data/sources.tsv marks
// "merge", checks each tarball against its pinned integrity hash,
// normalizes and merges the domains with data/free-curated.txt, applies
// data/relay.txt and data/exceptions.txt, writes data/free.txt.gz and
// data/disposable.txt.gz and the sources' licence texts under
// data/licenses/, and prints what changed.
//
// With -coverage it fetches every source, merged or not, and prints, as a
// Markdown table, the share of each list's domains that the compiled-in
// default classifier blocks. Run it after an update in a new process (the
// script does), so the classifier holds the new data.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/tenancykit/tenancy"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("update-email-lists: ")
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	dataDir := flag.String("data", "data", "the data directory to read and write")
	cache := flag.String("cache", "", "keep fetched tarballs in this directory (default: a temporary one)")
	coverage := flag.Bool("coverage", false, "measure the embedded classifier against every source instead of updating")
	flag.Parse()

	dir := *cache
	if dir == "" {
		tmp, err := os.MkdirTemp("", "email-lists-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	srcs, err := readSources(filepath.Join(*dataDir, "sources.tsv"))
	if err != nil {
		return err
	}
	if *coverage {
		return measure(os.Stdout, *dataDir, dir, srcs)
	}
	return update(os.Stdout, *dataDir, dir, srcs)
}

// source is one row of data/sources.tsv.
type source struct {
	Package, Version, License, List, Use, Format, Path, Integrity string
}

func (s source) id() string { return s.Package + "@" + s.Version }

// readSources parses data/sources.tsv.
func readSources(path string) ([]source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var srcs []source
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 8 {
			return nil, fmt.Errorf("%s:%d: %d columns, want 8", path, n, len(c))
		}
		s := source{c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]}
		if s.List != "free" && s.List != "disposable" || s.Use != "merge" && s.Use != "measure" {
			return nil, fmt.Errorf("%s:%d: list %q or use %q unknown", path, n, s.List, s.Use)
		}
		srcs = append(srcs, s)
	}
	return srcs, sc.Err()
}

// fetch returns the path of the source's tarball in dir, packing it with
// npm unless it is there, and checks its integrity hash.
func fetch(dir string, s source) (string, error) {
	name := strings.NewReplacer("@", "", "/", "-").Replace(s.Package) + "-" + s.Version + ".tgz"
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		cmd := exec.Command("npm", "pack", s.id(), "--pack-destination", dir, "--silent")
		cmd.Stderr = os.Stderr
		if out, err := cmd.Output(); err != nil {
			return "", fmt.Errorf("npm pack %s: %w (%s)", s.id(), err, bytes.TrimSpace(out))
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha512.Sum512(data)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != s.Integrity {
		return "", fmt.Errorf("%s: integrity %s, pinned %s", s.id(), got, s.Integrity)
	}
	return path, nil
}

// tarFile returns the content of the file at path in a .tgz, or of the
// first file whose name matches re when path is "".
func tarFile(tgz, path string, re *regexp.Regexp) ([]byte, string, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, "", fmt.Errorf("%s: no file %q", tgz, path)
		}
		if err != nil {
			return nil, "", err
		}
		if h.Typeflag == tar.TypeReg && (h.Name == path || path == "" && re.MatchString(h.Name)) {
			b, err := io.ReadAll(tr)
			return b, h.Name, err
		}
	}
}

var (
	jsSet    = regexp.MustCompile(`(?s)new Set\(\[(.*?)\]\)`)
	jsString = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	license  = regexp.MustCompile(`(?i)^package/(licen[cs]e|copying)(\.md|\.txt)?$`)
)

// entries returns the raw domain strings of a source file.
func entries(s source, data []byte) ([]string, error) {
	var out []string
	switch format, arg, _ := strings.Cut(s.Format, "="); format {
	case "json":
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.id(), s.Path, err)
		}
	case "json-keys":
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s %s: %w", s.id(), s.Path, err)
		}
		for k, v := range m {
			if v == arg {
				out = append(out, k)
			}
		}
		slices.Sort(out)
	case "lines":
		for line := range strings.Lines(string(data)) {
			line, _, _ = strings.Cut(line, "#")
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	case "js-set":
		m := jsSet.FindSubmatch(data)
		if m == nil {
			return nil, fmt.Errorf("%s %s: no new Set([...])", s.id(), s.Path)
		}
		for _, sm := range jsString.FindAllSubmatch(m[1], -1) {
			var str string
			if err := json.Unmarshal(append(append([]byte{'"'}, sm[1]...), '"'), &str); err != nil {
				return nil, fmt.Errorf("%s %s: %w", s.id(), s.Path, err)
			}
			out = append(out, str)
		}
	default:
		return nil, fmt.Errorf("%s: unknown format %q", s.id(), s.Format)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s %s: no domains", s.id(), s.Path)
	}
	return out, nil
}

// load fetches a source and returns its raw entries.
func load(dir string, s source) ([]string, error) {
	tgz, err := fetch(dir, s)
	if err != nil {
		return nil, err
	}
	data, _, err := tarFile(tgz, s.Path, nil)
	if err != nil {
		return nil, err
	}
	return entries(s, data)
}

// readList reads a curated list with tenancy.ReadDomainList, which rejects
// any line that is not a normalized domain.
func readList(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := tenancy.ReadDomainList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// readGz returns the domains of a generated list, or nil if it is absent.
func readGz(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := tenancy.ReadDomainList(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return toSet(l), nil
}

func toSet(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, d := range l {
		m[d] = true
	}
	return m
}

// isSuffix reports whether d is itself a public suffix, ICANN or private:
// listing it would cover every domain registered under it.
func isSuffix(d string) bool {
	ps, _ := publicsuffix.PublicSuffix(d)
	return ps == d
}

// restricted reports whether d is under a top-level domain that only
// governments may register, so no mail provider can run it.
func restricted(d string) bool {
	return strings.HasSuffix(d, ".gov") || strings.HasSuffix(d, ".mil")
}

// reverseKey returns d with its labels in reverse order, so that sorting
// by it keeps a domain next to its subdomains.
func reverseKey(d string) string {
	l := strings.Split(d, ".")
	slices.Reverse(l)
	return strings.Join(l, ".")
}

// parents yields the parents of d that have at least two labels, nearest
// first.
func parents(d string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for {
			i := strings.IndexByte(d, '.')
			if i < 0 || strings.IndexByte(d[i+1:], '.') < 0 {
				return
			}
			d = d[i+1:]
			if !yield(d) {
				return
			}
		}
	}
}

// stats counts what happened to one source's entries.
type stats struct {
	raw, invalid, suffix, restricted, excepted, relay, kept, only int
}

func update(w io.Writer, dataDir, dir string, srcs []source) error {
	curated, err := readList(filepath.Join(dataDir, "free-curated.txt"))
	if err != nil {
		return err
	}
	relay, err := readList(filepath.Join(dataDir, "relay.txt"))
	if err != nil {
		return err
	}
	exceptions, err := readList(filepath.Join(dataDir, "exceptions.txt"))
	if err != nil {
		return err
	}
	relaySet, exceptSet := toSet(relay), toSet(exceptions)

	// Which sources list each domain, and in which list.
	seen := map[string][]int{}
	disposable := map[string]bool{}
	st := make([]stats, len(srcs))
	var merged []int
	for i, s := range srcs {
		if s.Use != "merge" {
			continue
		}
		merged = append(merged, i)
		raw, err := load(dir, s)
		if err != nil {
			return err
		}
		st[i].raw = len(raw)
		for _, e := range raw {
			d, err := tenancy.NormalizeDomain(e)
			switch {
			case err != nil:
				st[i].invalid++
			case isSuffix(d):
				st[i].suffix++
			case restricted(d):
				st[i].restricted++
			case exceptSet[d]:
				st[i].excepted++
			case relaySet[d]:
				st[i].relay++
			default:
				if ids := seen[d]; len(ids) == 0 || ids[len(ids)-1] != i {
					seen[d] = append(ids, i)
				}
				if s.List == "disposable" {
					disposable[d] = true
				}
			}
		}
	}
	for _, d := range curated {
		if exceptSet[d] || relaySet[d] {
			return fmt.Errorf("free-curated.txt: %s is also in relay.txt or exceptions.txt", d)
		}
	}

	// One category per domain: curated free, else disposable if any
	// disposable list has it, else free.
	const (
		catFree = iota + 1
		catDisposable
		catRelay
		catException
	)
	cat := map[string]int{}
	for d := range seen {
		cat[d] = catFree
		if disposable[d] {
			cat[d] = catDisposable
		}
	}
	for _, d := range curated {
		cat[d] = catFree
	}
	for _, d := range relay {
		cat[d] = catRelay
	}
	for _, d := range exceptions {
		cat[d] = catException
	}

	// Drop entries whose nearest listed parent already gives them the
	// same category: they add nothing, since entries cover subdomains.
	var free, disp []string
	covered := 0
	for d, c := range cat {
		if c != catFree && c != catDisposable {
			continue
		}
		redundant := false
		for p := range parents(d) {
			if pc, ok := cat[p]; ok {
				redundant = pc == c
				break
			}
		}
		if redundant {
			covered++
			continue
		}
		if c == catFree {
			free = append(free, d)
		} else {
			disp = append(disp, d)
		}
		if ids := seen[d]; len(ids) == 1 {
			st[ids[0]].only++
		}
		for _, i := range seen[d] {
			st[i].kept++
		}
	}

	// Write the lists and report the change.
	fmt.Fprintf(w, "Sources merged (entries read; dropped as invalid, public suffix, .gov/.mil, exception, relay; kept; only in this source):\n")
	for _, i := range merged {
		s, c := srcs[i], st[i]
		fmt.Fprintf(w, "  %-45s %-10s %7d; %5d %4d %4d %4d %4d; %7d; %6d\n", s.id()+" "+s.Path[strings.LastIndexByte(s.Path, '/')+1:], s.List,
			c.raw, c.invalid, c.suffix, c.restricted, c.excepted, c.relay, c.kept, c.only)
	}
	fmt.Fprintf(w, "  curated free providers: %d; relays: %d; exceptions: %d; subdomains dropped as covered by a listed parent: %d\n",
		len(curated), len(relay), len(exceptions), covered)
	for _, out := range []struct {
		file, title string
		list        []string
	}{
		{"free.txt.gz", "Free and personal mail providers", free},
		{"disposable.txt.gz", "Disposable-address providers", disp},
	} {
		path := filepath.Join(dataDir, out.file)
		old, err := readGz(path)
		if err != nil {
			return err
		}
		added, removed := 0, 0
		now := toSet(out.list)
		for d := range now {
			if !old[d] {
				added++
			}
		}
		for d := range old {
			if !now[d] {
				removed++
			}
		}
		fmt.Fprintf(w, "%s: %d domains (%+d added, %d removed)\n", out.file, len(out.list), added, removed)
		if added == 0 && removed == 0 && old != nil {
			continue // keep the file byte for byte
		}
		if err := writeGz(path, out.title, out.list); err != nil {
			return err
		}
	}
	return copyLicenses(w, dataDir, dir, srcs, merged)
}

// writeGz writes a generated list: a header, then the domains sorted by
// their labels read right to left, gzip-compressed without a timestamp
// so the same list always gives the same bytes.
func writeGz(path, title string, list []string) error {
	keys := make([]string, len(list))
	for i, d := range list {
		keys[i] = reverseKey(d)
	}
	slices.Sort(keys)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	fmt.Fprintf(bw, "# %s: %d domains.\n", title, len(list))
	fmt.Fprintf(bw, "# Generated by scripts/update-email-lists from the sources in data/sources.tsv\n")
	fmt.Fprintf(bw, "# (see data/README.md); do not edit. One domain per line, sorted by labels\n")
	fmt.Fprintf(bw, "# read right to left. Each entry covers the domain and its subdomains.\n")
	for _, k := range keys {
		bw.WriteString(reverseKey(k))
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// copyLicenses writes the licence file of each merged package to
// data/licenses/PACKAGE.txt.
func copyLicenses(w io.Writer, dataDir, dir string, srcs []source, merged []int) error {
	ldir := filepath.Join(dataDir, "licenses")
	if err := os.MkdirAll(ldir, 0o755); err != nil {
		return err
	}
	done := map[string]bool{}
	for _, i := range merged {
		s := srcs[i]
		if done[s.Package] {
			continue
		}
		done[s.Package] = true
		tgz, err := fetch(dir, s)
		if err != nil {
			return err
		}
		text, name, err := tarFile(tgz, "", license)
		if err != nil {
			return fmt.Errorf("%s has no licence file: %w", s.id(), err)
		}
		head := fmt.Sprintf("Licence of the npm package %s (%s), copied verbatim from %s\nin its tarball. Its domain list is merged into tenancy's data/ (see data/README.md).\n\n", s.id(), s.License, name)
		if err := os.WriteFile(filepath.Join(ldir, s.Package+".txt"), append([]byte(head), text...), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "licences: %d files in %s\n", len(done), ldir)
	return nil
}

// measure prints the share of each source's valid entries that the
// default classifier classifies as personal.
func measure(w io.Writer, dataDir, dir string, srcs []source) error {
	exceptions, err := readList(filepath.Join(dataDir, "exceptions.txt"))
	if err != nil {
		return err
	}
	c := tenancy.DefaultDomainClassifier()
	fmt.Fprintln(w, "| list | version | licence | kind | merged | valid entries | blocked | share | not blocked: exception / public suffix / .gov,.mil / other |")
	fmt.Fprintln(w, "|---|---|---|---|---|---:|---:|---:|---|")
	for _, s := range srcs {
		raw, err := load(dir, s)
		if err != nil {
			return err
		}
		valid, blocked, exc, suf, gov, other := 0, 0, 0, 0, 0, 0
		var missed []string
		for _, r := range raw {
			e, err := tenancy.ParseEmail("x@" + strings.TrimSpace(r))
			if err != nil {
				continue
			}
			valid++
			d := e.Domain()
			switch {
			case c.IsPersonal(e):
				blocked++
			case slices.ContainsFunc(exceptions, e.InDomain):
				exc++
			case isSuffix(d):
				suf++
			case restricted(d):
				gov++
			default:
				other++
				if len(missed) < 5 {
					missed = append(missed, d)
				}
			}
		}
		name := s.Package
		if strings.Count(s.Path, "/") > 1 || strings.HasPrefix(s.Format, "json-keys") || s.Package == "disposable-email-domains" {
			name += " (" + s.Path[strings.IndexByte(s.Path, '/')+1:] + ")"
		}
		merged := "yes"
		if s.Use != "merge" {
			merged = "no"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %d | %.2f%% | %d / %d / %d / %d |\n",
			name, s.Version, s.License, s.List, merged, valid, blocked, 100*float64(blocked)/float64(max(valid, 1)), exc, suf, gov, other)
		if len(missed) > 0 {
			fmt.Fprintf(os.Stderr, "%s: not blocked, e.g. %s\n", s.id(), strings.Join(missed, " "))
		}
	}
	return nil
}
