package sqlstore_test

// The test binary of package sqlstore links both drivers, which register
// their URL schemes with Open: the tests of package sqlstore open SQLite
// and PostgreSQL URLs, and cannot import the drivers themselves (the
// drivers import sqlstore).
import (
	_ "github.com/tenancykit/tenancy/sqlstore/postgres"
	_ "github.com/tenancykit/tenancy/sqlstore/sqlite"
)
