// Package domainset holds a large, immutable set of domain names with a few
// flag bits each, in little memory, and finds the most specific entry that
// covers a domain: the domain itself or the nearest of its parents.
//
// The names are kept once, '\n'-terminated, in a single byte slice. An
// open-addressing hash table of uint32 slots points into it; each slot also
// holds the entry's flags and a few bits of its hash, so most probes that
// miss never touch the names. Every parent (of at least two labels) of an
// entry is in the table too, with no flags, so a lookup walks a domain's
// labels from the right and stops at the first parent that no entry lies
// under: the work is bounded by the depth of the entries, not by the depth
// of the queried domain.
//
// Lookups do not allocate. A Set is safe for concurrent use.
package domainset

import (
	"bytes"
	"errors"
	"io"
	"math/bits"
	"strings"
)

// Flags are the caller's bits attached to an entry. Only the low four bits
// (1, 2, 4, 8) may be used; an entry added with zero flags is ignored.
type Flags uint8

// MaxFlags is the union of the flag bits a Set can hold.
const MaxFlags Flags = 0x0f

// maxBlob is the largest name storage a Set addresses (256 MiB).
const maxBlob = 1 << 28

// ErrTooLarge is returned by Build when the names do not fit in a Set.
var ErrTooLarge = errors.New("domainset: too many domains")

// A name's hash folds in its labels from the last to the first, eight
// bytes at a time, so the hash of every parent of a name is a step of the
// computation of the name's own hash.
const (
	hashSeed = 0x9ae16a3b2f90404f
	hashMul  = 0xc6a4a7935bd1e995
)

// hashLabel folds one label into h, the hash of the labels to its right.
func hashLabel[S ~string | ~[]byte](h uint64, l S) uint64 {
	i := 0
	for ; i+8 <= len(l); i += 8 {
		w := uint64(l[i]) | uint64(l[i+1])<<8 | uint64(l[i+2])<<16 | uint64(l[i+3])<<24 |
			uint64(l[i+4])<<32 | uint64(l[i+5])<<40 | uint64(l[i+6])<<48 | uint64(l[i+7])<<56
		h = (h ^ w) * hashMul
		h ^= h >> 32
	}
	var w uint64
	for ; i < len(l); i++ {
		w = w<<8 | uint64(l[i])
	}
	h = (h ^ w ^ uint64(len(l))<<56) * hashMul
	return h ^ h>>32
}

// hashName returns the hash of a whole name.
func hashName(name []byte) uint64 {
	h := uint64(hashSeed)
	for end := len(name); ; {
		start := bytes.LastIndexByte(name[:end], '.') + 1
		h = hashLabel(h, name[start:end])
		if start == 0 {
			return h
		}
		end = start - 1
	}
}

// Set is an immutable set of domains with flags. The zero Set is empty.
type Set struct {
	blob    []byte   // names, each followed by '\n'
	table   []uint32 // 0 = empty; else offset+1 | flags<<offBits | fingerprint<<(offBits+4)
	offBits uint     // width of the offset field
	n       int      // entries with flags
}

// entry is a name recorded by a Builder.
type entry struct {
	off   uint32 // offset in blob
	n     uint8  // length, at most 253
	flags Flags
}

// Builder collects domains for a Set. The zero Builder is ready to use.
type Builder struct {
	blob []byte
	ents []entry
}

// Grow makes room for about n more bytes of names and n/16 more domains
// (a typical domain is 16 bytes), so a caller that knows its input size
// avoids reallocation and leaves no slack in the final Set.
func (b *Builder) Grow(n int) {
	if n <= 0 {
		return
	}
	if cap(b.blob)-len(b.blob) < n {
		nb := make([]byte, len(b.blob), len(b.blob)+n)
		copy(nb, b.blob)
		b.blob = nb
	}
	if m := n / 16; cap(b.ents)-len(b.ents) < m {
		ne := make([]entry, len(b.ents), len(b.ents)+m)
		copy(ne, b.ents)
		b.ents = ne
	}
}

// Add records domain with flags (masked with MaxFlags). The domain must be
// in the canonical form the caller looks up: lowercase letters, digits,
// hyphens and dots, at least two non-empty labels, at most 253 bytes.
// Add reports whether it accepted the domain; it ignores, and reports
// false for, a domain of another form and zero flags. Adding a domain
// twice unites its flags.
func (b *Builder) Add(domain string, flags Flags) bool {
	flags &= MaxFlags
	if flags == 0 || !valid(domain) {
		return false
	}
	b.ents = append(b.ents, entry{off: uint32(len(b.blob)), n: uint8(len(domain)), flags: flags})
	b.blob = append(b.blob, domain...)
	b.blob = append(b.blob, '\n')
	return true
}

// ReadLines reads all of r, a list of domains one per line, and records
// each with flags. Blank lines are skipped, '#' starts a comment that runs
// to the end of the line, and white space around a domain is ignored; a
// line that holds anything but one domain in canonical form (see Add) is
// skipped too. The text is read straight into the Set's storage and the
// domains are indexed where they lie, so a large list costs no copy; Grow
// by the size of the text first to avoid reallocation. It returns the
// number of domains recorded and any error from r.
func (b *Builder) ReadLines(r io.Reader, flags Flags) (int, error) {
	flags &= MaxFlags
	start := len(b.blob)
	var probe [512]byte
	for {
		var n int
		var err error
		if len(b.blob) < cap(b.blob) {
			n, err = r.Read(b.blob[len(b.blob):cap(b.blob)])
			b.blob = b.blob[:len(b.blob)+n]
		} else {
			// Full: read a little aside first, so that input that ends
			// exactly at the capacity Grow reserved costs no reallocation.
			n, err = r.Read(probe[:])
			b.blob = append(b.blob, probe[:n]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			b.blob = b.blob[:start]
			return 0, err
		}
	}
	if len(b.blob) > start && b.blob[len(b.blob)-1] != '\n' {
		b.blob = append(b.blob, '\n')
	}
	added := 0
	for i := start; i < len(b.blob); {
		end := i + bytes.IndexByte(b.blob[i:], '\n')
		line := b.blob[i:end]
		if c := bytes.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		lo, hi := 0, len(line)
		for lo < hi && isSpace(line[lo]) {
			lo++
		}
		for hi > lo && isSpace(line[hi-1]) {
			hi--
		}
		if d := line[lo:hi]; flags != 0 && valid(string(d)) {
			off := i + lo
			b.blob[off+len(d)] = '\n' // terminate the name where it lies
			b.ents = append(b.ents, entry{off: uint32(off), n: uint8(len(d)), flags: flags})
			added++
		}
		i = end + 1
	}
	return added, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// AddSet records every entry of s with its flags, copying the names
// without checking them again.
func (b *Builder) AddSet(s *Set) {
	if s == nil {
		return
	}
	b.Grow(len(s.blob))
	for _, slot := range s.table {
		f := s.flags(slot)
		if slot == 0 || f == 0 {
			continue
		}
		off := int(s.off(slot))
		end := off + bytes.IndexByte(s.blob[off:], '\n')
		b.ents = append(b.ents, entry{off: uint32(len(b.blob)), n: uint8(end - off), flags: f})
		b.blob = append(b.blob, s.blob[off:end+1]...)
	}
}

// valid reports whether d has the canonical form Add requires.
func valid(d string) bool {
	if len(d) == 0 || len(d) > 253 || d[0] == '.' || d[len(d)-1] == '.' {
		return false
	}
	dots := 0
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		case c == '.':
			if d[i-1] == '.' {
				return false
			}
			dots++
		default:
			return false
		}
	}
	return dots > 0
}

// Build returns the Set of the recorded domains and resets b. It returns
// ErrTooLarge if the names exceed 256 MiB.
func (b *Builder) Build() (*Set, error) {
	blob, ents := b.blob, b.ents
	*b = Builder{}
	if len(blob) >= maxBlob {
		return nil, ErrTooLarge
	}
	if cap(blob)-len(blob) > len(blob)/16 {
		blob = append([]byte(nil), blob...) // drop the slack
	}
	s := &Set{blob: blob, offBits: uint(bits.Len32(uint32(len(blob) + 1)))}
	// Parents add a few percent; the table grows if they add more.
	s.table = make([]uint32, tableSize(len(ents)+len(ents)/16))
	used := 0
	for _, e := range ents {
		// One pass from the right: the running hash after each label is
		// the hash of a parent, which goes in with no flags so lookups
		// know to continue below it.
		name := blob[e.off : e.off+uint32(e.n)]
		h := uint64(hashSeed)
		for end, labels := len(name), 1; ; labels++ {
			start := bytes.LastIndexByte(name[:end], '.') + 1
			h = hashLabel(h, name[start:end])
			if used >= len(s.table)*3/4 {
				s.grow()
			}
			if start == 0 {
				if s.insert(h, e.off, len(name), e.flags) {
					used++
				}
				break
			}
			if labels > 1 {
				if s.insert(h, e.off+uint32(start), len(name)-start, 0) {
					used++
				}
			}
			end = start - 1
		}
	}
	for _, slot := range s.table {
		if slot != 0 && s.flags(slot) != 0 {
			s.n++
		}
	}
	return s, nil
}

// tableSize returns a table length for n keys at a load of at most 2/3.
func tableSize(n int) int { return max(16, n+n/2+1) }

// grow doubles the table and reinserts its keys.
func (s *Set) grow() {
	old := s.table
	s.table = make([]uint32, 2*len(old))
	for _, slot := range old {
		if slot == 0 {
			continue
		}
		off := s.off(slot)
		n := bytes.IndexByte(s.blob[off:], '\n')
		h := hashName(s.blob[off : int(off)+n])
		s.insert(h, off, n, s.flags(slot))
	}
}

// insert adds the name blob[off:off+n], whose hash is h, with flags, or unites flags into
// it if present. It reports whether it used a new slot.
func (s *Set) insert(h uint64, off uint32, n int, flags Flags) bool {
	name := s.blob[off : int(off)+n]
	idx, fp := s.place(h)
	for {
		slot := s.table[idx]
		if slot == 0 {
			s.table[idx] = (off + 1) | uint32(flags)<<s.offBits | fp
			return true
		}
		if slot&s.fpMask() == fp && s.equal(slot, string(name)) {
			s.table[idx] = slot | uint32(flags)<<s.offBits
			return false
		}
		if idx++; idx == uint64(len(s.table)) {
			idx = 0
		}
	}
}

// place returns the first slot index and the fingerprint bits (already
// shifted into place) of a name with the running hash h.
func (s *Set) place(h uint64) (uint64, uint32) {
	h ^= h >> 31
	h *= 0x9e3779b97f4a7c15
	h ^= h >> 29
	idx := (h & 0xffffffff) * uint64(len(s.table)) >> 32
	return idx, uint32(h>>32) & s.fpMask()
}

// fpMask selects the fingerprint bits of a slot.
func (s *Set) fpMask() uint32 {
	shift := s.offBits + 4
	if shift >= 32 {
		return 0
	}
	return ^uint32(0) << shift
}

// off returns the name offset a slot points at.
func (s *Set) off(slot uint32) uint32 { return slot&(1<<s.offBits-1) - 1 }

// flags returns the flags of a slot.
func (s *Set) flags(slot uint32) Flags { return Flags(slot>>s.offBits) & MaxFlags }

// equal reports whether the slot's name is name.
func (s *Set) equal(slot uint32, name string) bool {
	off := int(s.off(slot))
	end := off + len(name)
	return end < len(s.blob) && s.blob[end] == '\n' && string(s.blob[off:end]) == name
}

// find looks up name, whose running hash is h. It reports whether name is
// in the table (as an entry or as a parent of one) and its flags.
func (s *Set) find(h uint64, name string) (Flags, bool) {
	idx, fp := s.place(h)
	mask := s.fpMask()
	for {
		slot := s.table[idx]
		if slot == 0 {
			return 0, false
		}
		if slot&mask == fp && s.equal(slot, name) {
			return s.flags(slot), true
		}
		if idx++; idx == uint64(len(s.table)) {
			idx = 0
		}
	}
}

// Lookup returns the flags of the most specific entry that covers domain:
// domain itself if it is an entry, else its nearest parent (of at least
// two labels) that is one. It returns 0 if no entry covers domain. domain
// is compared byte for byte with the entries, so it must be in the same
// canonical form for the answer to mean anything; Lookup never panics, and
// for any string it answers whether the string equals an entry or ends
// with '.' followed by one. A nil Set holds nothing.
func (s *Set) Lookup(domain string) Flags {
	if s == nil || len(s.table) == 0 {
		return 0
	}
	var best Flags
	h := uint64(hashSeed)
	for end, labels := len(domain), 1; ; labels++ {
		start := strings.LastIndexByte(domain[:end], '.') + 1
		h = hashLabel(h, domain[start:end])
		if labels > 1 {
			f, ok := s.find(h, domain[start:])
			if !ok {
				return best // no entry lies under this name
			}
			if f != 0 {
				best = f
			}
		}
		if start == 0 {
			return best
		}
		end = start - 1
	}
}

// Len returns the number of entries (domains added with flags).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// All yields every entry and its flags, in no particular order.
func (s *Set) All() func(yield func(string, Flags) bool) {
	return func(yield func(string, Flags) bool) {
		if s == nil {
			return
		}
		for _, slot := range s.table {
			if slot == 0 || s.flags(slot) == 0 {
				continue
			}
			off := int(s.off(slot))
			end := off
			for s.blob[end] != '\n' {
				end++
			}
			if !yield(string(s.blob[off:end]), s.flags(slot)) {
				return
			}
		}
	}
}

// Bytes returns the memory the Set holds, in bytes.
func (s *Set) Bytes() int {
	if s == nil {
		return 0
	}
	return cap(s.blob) + 4*cap(s.table)
}
