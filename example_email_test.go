package tenancy_test

import (
	"errors"
	"fmt"

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
	for _, addr := range []string{"ann@gmail.com", "ann@mail.yahoo.co.uk", "x@mailinator.com", "ann@acme.com"} {
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
