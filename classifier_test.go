package tenancy

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/publicsuffix"
)

func mustParseEmail(t testing.TB, s string) Email {
	t.Helper()
	e, err := ParseEmail(s)
	require.NoError(t, err)
	return e
}

// category names what the default classifier says of an address.
type category string

const (
	free       category = "free"
	disposable category = "disposable"
	relay      category = "relay"
)

func categoryOf(c *DomainClassifier, e Email) []category {
	var got []category
	if c.IsFree(e) {
		got = append(got, free)
	}
	if c.IsDisposable(e) {
		got = append(got, disposable)
	}
	if c.IsRelay(e) {
		got = append(got, relay)
	}
	return got
}

func TestDefaultEmailClassifierClassifies(t *testing.T) {
	c := DefaultDomainClassifier()
	tests := []struct {
		name, addr string
		want       category // "" for professional
	}{
		{"gmail", "ann@gmail.com", free},
		{"gmail in capitals", "ANN@GMAIL.COM", free},
		{"googlemail", "ann@googlemail.com", free},
		{"outlook", "ann@outlook.com", free},
		{"hotmail country domain", "ann@hotmail.fr", free},
		{"yahoo country domain", "ann@yahoo.co.uk", free},
		{"subdomain of a listed domain", "ann@mail.yahoo.co.uk", free},
		{"deep subdomain of a listed domain", "ann@a.b.c.d.e.f.g.h.gmail.com", free},
		{"proton", "ann@proton.me", free},
		{"icloud", "ann@icloud.com", free},
		{"mailinator", "x@mailinator.com", disposable},
		{"subdomain of a disposable domain", "x@sub.mailinator.com", disposable},
		{"guerrillamail", "x@guerrillamail.com", disposable},
		{"apple private relay", "x1y2@privaterelay.appleid.com", relay},
		{"github noreply", "1234+ann@users.noreply.github.com", relay},
		{"firefox relay per-user subdomain", "shop@ann.mozmail.com", relay},
		{"company domain", "ann@acme.com", ""},
		{"company subdomain", "ann@eng.acme.co.uk", ""},
		{"parent of a relay entry", "ann@github.com", ""},
		{"sibling under the parent of a relay entry", "ann@noreply.github.com", ""},
		{"parent of the apple relay", "ann@appleid.com", ""},
		{"private suffix is not personal by itself", "ann@ann.github.io", ""},
		{"lookalike of a free provider", "ann@notgmail.com", ""},
		{"free provider as a subdomain of a company", "ann@gmail.com.acme.com", ""},
		{"exception: a city whose authorities use subdomains", "ann@senfin.berlin.de", ""},
		{"exception: a company that once offered mail", "ann@facebook.com", ""},
		{"exception: a university", "ann@nus.edu.sg", ""},
		{"exception: a carrier's corporate domain", "ann@verizon.com", ""},
		{"the carrier's customer domain stays free", "ann@verizon.net", free},
		{"documentation domain", "ann@example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustParseEmail(t, tt.addr)
			var want []category
			if tt.want != "" {
				want = []category{tt.want}
			}
			assert.Equal(t, want, categoryOf(c, e))
			assert.Equal(t, tt.want != "", c.IsPersonal(e), "IsPersonal")
			assert.Equal(t, tt.want != "", DefaultEmailClassifier().IsPersonal(e), "via interface")
		})
	}
}

// personalAddresses are major consumer mail providers, relays and
// disposable services, in many countries: the default classifier must
// classify every one as personal, in the given category.
var personalAddresses = []struct {
	domain string
	want   category
}{
	// Global webmail
	{"gmail.com", free}, {"googlemail.com", free}, {"outlook.com", free}, {"hotmail.com", free},
	{"live.com", free}, {"msn.com", free}, {"yahoo.com", free}, {"ymail.com", free},
	{"rocketmail.com", free}, {"aol.com", free}, {"icloud.com", free}, {"me.com", free},
	{"mac.com", free}, {"proton.me", free}, {"protonmail.com", free}, {"pm.me", free},
	{"tutanota.com", free}, {"tuta.io", free}, {"zoho.com", free}, {"yandex.com", free},
	{"mail.com", free}, {"gmx.com", free}, {"fastmail.com", free}, {"hey.com", free},
	{"hushmail.com", free}, {"mailfence.com", free}, {"posteo.de", free}, {"mailbox.org", free},
	{"startmail.com", free}, {"disroot.org", free}, {"riseup.net", free}, {"inbox.com", free},
	// Country domains of the big providers
	{"hotmail.co.uk", free}, {"hotmail.fr", free}, {"hotmail.de", free}, {"hotmail.it", free},
	{"hotmail.es", free}, {"live.co.uk", free}, {"live.fr", free}, {"outlook.de", free},
	{"outlook.fr", free}, {"outlook.jp", free}, {"yahoo.co.uk", free}, {"yahoo.fr", free},
	{"yahoo.de", free}, {"yahoo.co.jp", free}, {"yahoo.com.br", free}, {"yahoo.co.in", free},
	{"yahoo.com.au", free}, {"yahoo.ca", free}, {"yahoo.es", free}, {"yahoo.it", free},
	// Europe
	{"gmx.de", free}, {"gmx.net", free}, {"web.de", free}, {"t-online.de", free},
	{"freenet.de", free}, {"arcor.de", free}, {"orange.fr", free}, {"wanadoo.fr", free},
	{"free.fr", free}, {"laposte.net", free}, {"sfr.fr", free}, {"libero.it", free},
	{"virgilio.it", free}, {"tiscali.it", free}, {"btinternet.com", free}, {"sky.com", free},
	{"virginmedia.com", free}, {"ntlworld.com", free}, {"talktalk.net", free}, {"seznam.cz", free},
	{"centrum.cz", free}, {"wp.pl", free}, {"onet.pl", free}, {"interia.pl", free},
	{"o2.pl", free}, {"mail.ru", free}, {"yandex.ru", free}, {"rambler.ru", free},
	{"ukr.net", free}, {"abv.bg", free}, {"bluewin.ch", free}, {"telenet.be", free},
	{"skynet.be", free}, {"home.nl", free}, {"ziggo.nl", free}, {"planet.nl", free},
	{"sapo.pt", free}, {"terra.es", free}, {"eircom.net", free},
	// Americas, Asia, Oceania
	{"comcast.net", free}, {"verizon.net", free}, {"att.net", free}, {"sbcglobal.net", free},
	{"bellsouth.net", free}, {"cox.net", free}, {"charter.net", free}, {"earthlink.net", free},
	{"optonline.net", free}, {"shaw.ca", free}, {"rogers.com", free}, {"sympatico.ca", free},
	{"uol.com.br", free}, {"bol.com.br", free}, {"terra.com.br", free}, {"qq.com", free},
	{"163.com", free}, {"126.com", free}, {"sina.com", free}, {"21cn.com", free},
	{"naver.com", free}, {"daum.net", free}, {"hanmail.net", free}, {"rediffmail.com", free},
	{"bigpond.com", free}, {"optusnet.com.au", free}, {"xtra.co.nz", free},
	{"docomo.ne.jp", free}, {"ezweb.ne.jp", free},
	// Relays and aliases
	{"privaterelay.appleid.com", relay}, {"mozmail.com", relay}, {"relay.firefox.com", relay},
	{"simplelogin.com", relay}, {"slmail.me", relay}, {"aleeas.com", relay},
	{"passmail.net", relay}, {"passmail.com", relay}, {"passinbox.com", relay},
	{"anonaddy.me", relay}, {"anonaddy.com", relay}, {"addy.io", relay}, {"duck.com", relay},
	{"users.noreply.github.com", relay}, {"users.noreply.gitlab.com", relay},
	{"33mail.com", relay}, {"opayq.com", relay},
	// Disposable
	{"mailinator.com", disposable}, {"guerrillamail.com", disposable}, {"sharklasers.com", disposable},
	{"10minutemail.com", disposable}, {"temp-mail.org", disposable}, {"yopmail.com", disposable},
	{"trashmail.com", disposable}, {"throwawaymail.com", disposable}, {"maildrop.cc", disposable},
	{"getnada.com", disposable}, {"dispostable.com", disposable}, {"mailnesia.com", disposable},
	{"fakeinbox.com", disposable}, {"mintemail.com", disposable}, {"spam4.me", disposable},
	{"grr.la", disposable}, {"tempmail.dev", disposable}, {"mohmal.com", disposable},
	{"emailondeck.com", disposable}, {"burnermail.io", disposable}, {"mailsac.com", disposable},
	{"tempr.email", disposable}, {"discard.email", disposable}, {"harakirimail.com", disposable},
	{"moakt.com", disposable}, {"wegwerfmail.de", disposable}, {"jetable.org", disposable},
}

// organizations are real companies, universities and public bodies in
// several countries: the default classifier must never block them, and
// their addresses must be claimable.
var organizations = []string{
	// Companies, United States
	"acme.com", "google.com", "microsoft.com", "apple.com", "amazon.com", "meta.com", "ibm.com",
	"oracle.com", "salesforce.com", "adobe.com", "intel.com", "nvidia.com", "cisco.com",
	"github.com", "gitlab.com", "stripe.com", "shopify.com", "netflix.com", "walmart.com",
	"jpmorgan.com", "goldmansachs.com", "pfizer.com", "boeing.com", "ford.com", "tesla.com",
	"comcast.com", "verizon.com", "att.com", "cox.com", "yahooinc.com",
	// Companies, United Kingdom and Ireland
	"acme.co.uk", "bbc.co.uk", "barclays.co.uk", "sainsburys.co.uk", "johnlewis.co.uk",
	"tesco.com", "hsbc.com", "bt.com", "gsk.com", "arm.com", "rolls-royce.com", "ryanair.com",
	// Companies, Germany, Austria, Switzerland
	"siemens.com", "siemens.de", "bosch.de", "basf.com", "sap.com", "telekom.de", "allianz.de",
	"deutsche-bank.de", "bmw.de", "volkswagen.de", "lufthansa.com", "novartis.com", "roche.com",
	"ubs.com", "nestle.com", "abb.com", "a1.group", "post.at",
	// Companies, France, Benelux, Nordics, Southern Europe
	"orange.com", "sncf.fr", "edf.fr", "airbus.com", "lvmh.com", "loreal.com", "michelin.com",
	"bnpparibas.com", "capgemini.com", "philips.com", "asml.com", "ing.com", "ericsson.com",
	"nokia.com", "spotify.com", "maersk.com", "telefonica.com", "santander.com", "enel.com",
	// Companies, Asia, Oceania, Americas
	"toyota.co.jp", "sony.co.jp", "hitachi.co.jp", "rakuten.co.jp", "samsung.com", "lg.com",
	"tencent.com", "alibaba-inc.com", "alibaba.com", "infosys.com", "tcs.com", "atlassian.com",
	"canva.com", "telstra.com", "xero.com", "shopee.sg", "mercadolibre.com", "petrobras.com.br",
	"rbc.com", "td.com",
	// Universities
	"mit.edu", "harvard.edu", "stanford.edu", "berkeley.edu", "columbia.edu", "umich.edu",
	"ox.ac.uk", "cam.ac.uk", "imperial.ac.uk", "ucl.ac.uk", "ed.ac.uk", "ethz.ch", "epfl.ch",
	"tum.de", "lmu.de", "uni-heidelberg.de", "sorbonne-universite.fr", "polytechnique.edu",
	"u-tokyo.ac.jp", "unimelb.edu.au", "utoronto.ca", "nus.edu.sg", "unican.es", "uva.nl",
	// Public bodies
	"nasa.gov", "nih.gov", "cdc.gov", "army.mil", "ec.europa.eu", "un.org", "who.int",
	"interieur.gouv.fr", "economie.gouv.fr", "bund.de", "bundestag.de", "berlin.de", "admin.ch",
	"parliament.uk", "nhs.net", "canada.ca", "ontario.ca", "nyc.gov",
	// Companies that old free-mail lists carry by mistake
	"facebook.com", "go.com", "about.com", "medscape.com", "parrot.com", "saudia.com",
}

func TestPersonalAddressesAreBlocked(t *testing.T) {
	require.GreaterOrEqual(t, len(personalAddresses), 100)
	c := DefaultDomainClassifier()
	for _, p := range personalAddresses {
		t.Run(p.domain, func(t *testing.T) {
			for _, addr := range []string{"ann@" + p.domain, "ann@mx.eu." + p.domain} {
				e := mustParseEmail(t, addr)
				assert.True(t, c.IsPersonal(e), "%s is personal", addr)
				assert.Equal(t, []category{p.want}, categoryOf(c, e), addr)
			}
		})
	}
}

func TestOrganizationsAreNotPersonal(t *testing.T) {
	require.GreaterOrEqual(t, len(organizations), 100)
	c := DefaultDomainClassifier()
	for _, d := range organizations {
		t.Run(d, func(t *testing.T) {
			e := mustParseEmail(t, "ann@"+d)
			assert.False(t, c.IsPersonal(e), "%s is professional", d)
			assert.True(t, e.Claimable(), "%s is claimable", d)
			assert.False(t, c.IsPersonal(mustParseEmail(t, "ann@eng."+d)), "subdomain of %s", d)
		})
	}
}

func TestDefaultEmailClassifierIsSharedDomainClassifier(t *testing.T) {
	c, ok := DefaultEmailClassifier().(*DomainClassifier)
	require.True(t, ok, "dynamic type is *DomainClassifier")
	assert.Same(t, DefaultDomainClassifier(), c)
	assert.Same(t, c, DefaultDomainClassifier(), "built once")
	assert.Greater(t, c.Len(), 150_000)
}

func TestClassifierZeroEmailAndNilClassifierAreNotPersonal(t *testing.T) {
	assert.False(t, DefaultDomainClassifier().IsPersonal(Email{}))
	var c *DomainClassifier
	e := mustParseEmail(t, "ann@gmail.com")
	assert.False(t, c.IsPersonal(e))
	assert.False(t, c.IsFree(e))
	assert.False(t, c.IsDisposable(e))
	assert.False(t, c.IsRelay(e))
	assert.Zero(t, c.Len())
	var zero DomainClassifier
	assert.False(t, zero.IsPersonal(e), "zero DomainClassifier")
}

func TestClassifierWithExtendsWithoutMutating(t *testing.T) {
	base := DefaultDomainClassifier()
	ext, err := base.With([]string{"Acme-Mail.COM"}, []string{"throwaway.example"})
	require.NoError(t, err)
	require.NotSame(t, base, ext)

	acme := mustParseEmail(t, "ann@eu.acme-mail.com")
	throw := mustParseEmail(t, "x@throwaway.example")
	gmail := mustParseEmail(t, "ann@gmail.com")

	assert.True(t, ext.IsFree(acme), "added personal domain, matched with its subdomains")
	assert.True(t, ext.IsDisposable(throw), "added disposable domain")
	assert.True(t, ext.IsFree(gmail), "keeps the base list")
	assert.True(t, ext.IsRelay(mustParseEmail(t, "x@duck.com")), "keeps the relays")
	assert.False(t, ext.IsPersonal(mustParseEmail(t, "ann@facebook.com")), "keeps the exceptions")

	assert.False(t, base.IsPersonal(acme), "base is unchanged")
	assert.False(t, base.IsPersonal(throw), "base is unchanged")
	assert.False(t, DefaultDomainClassifier().IsPersonal(acme), "default is unchanged")
}

func TestClassifierExtend(t *testing.T) {
	c, err := DefaultDomainClassifier().Extend(DomainLists{
		Relay:      []string{"relay.example.net"},
		Exceptions: []string{"gmx.net", "alumni-mail.example"},
		Free:       []string{"staff.alumni-mail.example"},
	})
	require.NoError(t, err)
	assert.True(t, c.IsRelay(mustParseEmail(t, "a@x.relay.example.net")))
	assert.False(t, c.IsPersonal(mustParseEmail(t, "a@example.net")), "parents of an entry are not covered")
	assert.False(t, c.IsPersonal(mustParseEmail(t, "a@gmx.net")), "a host's exception wins over the default lists")
	assert.True(t, DefaultDomainClassifier().IsFree(mustParseEmail(t, "a@gmx.net")))
	assert.True(t, c.IsFree(mustParseEmail(t, "a@staff.alumni-mail.example")), "the more specific entry decides")
	assert.False(t, c.IsPersonal(mustParseEmail(t, "a@other.alumni-mail.example")))

	both, err := NewEmailClassifier([]string{"x.example"}, []string{"x.example"})
	require.NoError(t, err)
	e := mustParseEmail(t, "a@x.example")
	assert.Equal(t, []category{free, disposable}, categoryOf(both, e), "a domain may be in two lists")

	same, err := both.Extend(DomainLists{Exceptions: []string{"x.example"}})
	require.NoError(t, err)
	assert.False(t, same.IsPersonal(e), "an exception at the same domain wins")
	assert.True(t, both.IsPersonal(e), "the extended classifier is unchanged")
}

func TestNewEmailClassifier(t *testing.T) {
	c, err := NewEmailClassifier([]string{"Bücher.Example"}, []string{"temp.example"})
	require.NoError(t, err)
	assert.True(t, c.IsFree(mustParseEmail(t, "ann@bücher.example")))
	assert.True(t, c.IsDisposable(mustParseEmail(t, "x@temp.example")))
	assert.False(t, c.IsPersonal(mustParseEmail(t, "ann@gmail.com")), "defaults are not included")
	assert.Equal(t, 2, c.Len())

	empty, err := NewEmailClassifier(nil, nil)
	require.NoError(t, err)
	assert.False(t, empty.IsPersonal(mustParseEmail(t, "ann@gmail.com")))
}

func TestNewEmailClassifierRejectsInvalidDomain(t *testing.T) {
	tests := []struct {
		name                 string
		personal, disposable []string
		detail               string
	}{
		{"invalid free domain", []string{"gmail.com", "not a domain"}, nil, "free domain #1"},
		{"invalid disposable domain", nil, []string{"localhost"}, "disposable domain #0"},
		{"empty domain", []string{""}, nil, "free domain #0"},
		{"email address instead of domain", nil, []string{"x@mailinator.com"}, "disposable domain #0"},
		{"ICANN public suffix", []string{"co.uk"}, nil, "public suffix"},
		{"private public suffix", nil, []string{"github.io"}, "public suffix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewEmailClassifier(tt.personal, tt.disposable)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), tt.detail)
			assert.Nil(t, c)

			c, err = DefaultDomainClassifier().With(tt.personal, tt.disposable)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Nil(t, c)
		})
	}
	_, err := DefaultDomainClassifier().Extend(DomainLists{Relay: []string{"ok.example", "-bad.example"}})
	require.ErrorIs(t, err, ErrInvalidInput)
	assert.Contains(t, err.Error(), "relay domain #1")
	_, err = DefaultDomainClassifier().Extend(DomainLists{Exceptions: []string{"com"}})
	require.ErrorIs(t, err, ErrInvalidInput)
	assert.Contains(t, err.Error(), "exception domain #0")
}

func TestReadDomainList(t *testing.T) {
	text := "# header\n\nAcme.com  # trailing comment\r\n  beta.example\nBücher.Example\nacme.com\n"
	want := []string{"acme.com", "beta.example", "xn--bcher-kva.example", "acme.com"}

	got, err := ReadDomainList(strings.NewReader(text))
	require.NoError(t, err)
	assert.Equal(t, want, got, "plain text")

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err = zw.Write([]byte(text))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	got, err = ReadDomainList(&gz)
	require.NoError(t, err)
	assert.Equal(t, want, got, "gzip")

	got, err = ReadDomainList(strings.NewReader("# only comments\n\n"))
	require.NoError(t, err)
	assert.Empty(t, got)

	got, err = ReadDomainList(strings.NewReader("no-newline.example"))
	require.NoError(t, err)
	assert.Equal(t, []string{"no-newline.example"}, got)
}

func TestReadDomainListRejectsInvalidLines(t *testing.T) {
	tests := []struct {
		name, text, detail string
	}{
		{"not a domain", "ok.example\n\nnot valid\n", "line 3"},
		{"single label", "localhost\n", "line 1"},
		{"address", "# c\nx@mailinator.com\n", "line 2"},
		{"public suffix", "co.uk\n", "public suffix"},
		{"two domains on a line", "a.example b.example\n", "line 1"},
		{"line too long", "a.example\n" + strings.Repeat("a", 5000) + "\n", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadDomainList(strings.NewReader(tt.text))
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), tt.detail)
			assert.Nil(t, got)
		})
	}
}

func TestReadDomainListReturnsReadErrors(t *testing.T) {
	boom := errors.New("boom")
	got, err := ReadDomainList(io.MultiReader(strings.NewReader("a.example\n"), iotest.ErrReader(boom)))
	require.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, ErrInvalidInput)
	assert.Nil(t, got)

	_, err = ReadDomainList(bytes.NewReader([]byte{0x1f, 0x8b, 0, 0}))
	require.Error(t, err, "corrupt gzip")
	assert.NotErrorIs(t, err, ErrInvalidInput)
}

// embeddedLists returns each embedded list's raw lines, with comments
// and blank lines removed.
func embeddedLists(t *testing.T) map[string][]string {
	t.Helper()
	lists := map[string][]string{}
	for name, data := range map[string][]byte{
		"data/free.txt.gz":       freeGz,
		"data/disposable.txt.gz": disposableGz,
		"data/relay.txt":         []byte(relayData),
		"data/exceptions.txt":    []byte(exceptionsData),
	} {
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			require.NoError(t, err, name)
			data, err = io.ReadAll(zr)
			require.NoError(t, err, name)
		}
		for line := range strings.Lines(string(data)) {
			if l := listLine([]byte(line)); l != nil {
				lists[name] = append(lists[name], string(l))
			}
		}
	}
	return lists
}

func TestEmbeddedListsAreNormalized(t *testing.T) {
	all := map[string]string{}
	for name, lines := range embeddedLists(t) {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, lines)
			for _, l := range lines {
				d, err := NormalizeDomain(l)
				if !assert.NoError(t, err, "line %q", l) {
					continue
				}
				assert.Equal(t, d, l, "line is not in normalized form")
				ps, _ := publicsuffix.PublicSuffix(d)
				assert.NotEqual(t, ps, d, "%s is a public suffix", d)
				if other, ok := all[d]; ok {
					t.Errorf("%s is in %s and %s", d, other, name)
				}
				all[d] = name
			}
		})
	}
	lists := embeddedLists(t)
	for _, name := range []string{"data/free.txt.gz", "data/disposable.txt.gz"} {
		keys := make([]string, len(lists[name]))
		for i, d := range lists[name] {
			l := strings.Split(d, ".")
			slices.Reverse(l)
			keys[i] = strings.Join(l, ".")
		}
		assert.True(t, slices.IsSorted(keys), "%s is sorted by reversed labels", name)
	}
	assert.Greater(t, len(lists["data/disposable.txt.gz"]), 100_000)
	assert.Greater(t, len(lists["data/free.txt.gz"]), 4_000)
	assert.Equal(t, len(all), DefaultDomainClassifier().Len(), "the classifier holds every line")
}

func TestEmbeddedListsHonourTheCuratedOnes(t *testing.T) {
	c := DefaultDomainClassifier()
	lists := embeddedLists(t)
	for _, d := range lists["data/exceptions.txt"] {
		e := mustParseEmail(t, "ann@"+d)
		assert.False(t, c.IsPersonal(e), "exception %s is professional", d)
		assert.True(t, e.Claimable(), "exception %s is claimable", d)
	}
	for _, d := range lists["data/relay.txt"] {
		assert.Equal(t, []category{relay}, categoryOf(c, mustParseEmail(t, "ann@"+d)), d)
	}
}

func TestClassifierIsSafeForConcurrentUse(t *testing.T) {
	addrs := []Email{
		mustParseEmail(t, "ann@gmail.com"),
		mustParseEmail(t, "x@mailinator.com"),
		mustParseEmail(t, "ann@acme.com"),
	}
	want := []bool{true, true, false}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			c := DefaultEmailClassifier()
			for i, e := range addrs {
				assert.Equal(t, want[i], c.IsPersonal(e))
			}
		})
	}
	wg.Wait()
}

func TestClassifierLookupDoesNotAllocate(t *testing.T) {
	c := DefaultDomainClassifier()
	for _, addr := range []string{"ann@eng.acme.co.uk", "ann@gmail.com", "ann@" + strings.Repeat("a.", 100) + "gmail.com"} {
		e := mustParseEmail(t, addr)
		allocs := testing.AllocsPerRun(100, func() { _ = c.IsPersonal(e) })
		assert.Zero(t, allocs, addr)
	}
}

// TestDefaultClassifierHeap checks the heap the default classifier keeps
// (the target is 4 MB) and logs it; go test -v -run Heap shows it.
func TestDefaultClassifierHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	c, err := buildDefault()
	require.NoError(t, err)
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d domains: %d bytes of heap (%.1f per domain), set holds %d bytes",
		c.Len(), heap, float64(heap)/float64(c.Len()), c.set.Bytes())
	assert.LessOrEqual(t, c.set.Bytes(), 4<<20)
	assert.LessOrEqual(t, heap, int64(4<<20)+64<<10, "a little slack for the runtime's own noise")
	runtime.KeepAlive(c)
}
