package tenancy_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tenancykit/tenancy"
)

func ExampleParseEmail() {
	e, err := tenancy.ParseEmail("Ann@Eng.Acme.co.uk")
	if err != nil {
		panic(err)
	}
	fmt.Println(e)
	fmt.Println(e.Domain())
	fmt.Println(e.OrgDomain(), e.Claimable())

	idn, _ := tenancy.ParseEmail("Jörg@Bücher.Example.de")
	fmt.Println(idn, idn.OrgDomain())

	site, _ := tenancy.ParseEmail("ann@ann.github.io")
	fmt.Println(site.OrgDomain(), site.Claimable())

	_, err = tenancy.ParseEmail("Ann <ann@acme.com>")
	fmt.Println(errors.Is(err, tenancy.ErrInvalidEmail))
	// Output:
	// ann@eng.acme.co.uk
	// eng.acme.co.uk
	// acme.co.uk true
	// jörg@xn--bcher-kva.example.de example.de
	// ann.github.io false
	// true
}

func ExampleDefaultEmailClassifier() {
	c := tenancy.DefaultEmailClassifier()
	for _, addr := range []string{
		"ann@gmail.com",
		"ann@mail.yahoo.co.uk",
		"x@mailinator.com",
		"1234+ann@users.noreply.github.com",
		"ann@github.com",
		"ann@acme.com",
	} {
		e, err := tenancy.ParseEmail(addr)
		if err != nil {
			panic(err)
		}
		fmt.Println(addr, c.IsPersonal(e))
	}
	// Output:
	// ann@gmail.com true
	// ann@mail.yahoo.co.uk true
	// x@mailinator.com true
	// 1234+ann@users.noreply.github.com true
	// ann@github.com false
	// ann@acme.com false
}

func ExampleDomainClassifier_With() {
	c, err := tenancy.DefaultDomainClassifier().With([]string{"staff-mail.example"}, nil)
	if err != nil {
		panic(err)
	}
	e, _ := tenancy.ParseEmail("ann@staff-mail.example")
	fmt.Println(c.IsFree(e), tenancy.DefaultDomainClassifier().IsFree(e))
	// Output:
	// true false
}

// A host adds a relay service it knows of, and keeps one of its customers'
// domains professional although a public list names it.
func ExampleDomainClassifier_Extend() {
	c, err := tenancy.DefaultDomainClassifier().Extend(tenancy.DomainLists{
		Relay:      []string{"alias.example.net"},
		Exceptions: []string{"gmx.net"},
	})
	if err != nil {
		panic(err)
	}
	for _, addr := range []string{"x7@alias.example.net", "ann@example.net", "ann@gmx.net"} {
		e, _ := tenancy.ParseEmail(addr)
		fmt.Println(addr, c.IsPersonal(e), c.IsRelay(e))
	}
	// Output:
	// x7@alias.example.net true true
	// ann@example.net false false
	// ann@gmx.net false false
}

// A host refreshes the disposable list from a file it downloads itself,
// without waiting for a new release of the package. ReadDomainList takes
// the format of the embedded lists, plain or gzip-compressed.
func ExampleReadDomainList() {
	file := strings.NewReader(`# disposable domains, one per line
new-throwaway.example
Temp-Inbox.Example   # upper case is normalized
`)
	disposable, err := tenancy.ReadDomainList(file)
	if err != nil {
		panic(err)
	}
	fmt.Println(disposable)

	c, err := tenancy.DefaultDomainClassifier().With(nil, disposable)
	if err != nil {
		panic(err)
	}
	e, _ := tenancy.ParseEmail("x@box1.temp-inbox.example")
	fmt.Println(c.IsDisposable(e))

	// A service uses the extended classifier in place of the default:
	// tenancy.New(store, tenancy.WithEmailClassifier(c))

	_, err = tenancy.ReadDomainList(strings.NewReader("ok.example\nnot a domain\n"))
	fmt.Println(errors.Is(err, tenancy.ErrInvalidInput))
	// Output:
	// [new-throwaway.example temp-inbox.example]
	// true
	// true
}
