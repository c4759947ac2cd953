// Package owncache tests, in a test binary of its own, the page cache
// setup that package sqlite's documentation advises for a host with
// several SQLite databases in one process: modernc.org/sqlite/pcache
// registered before the first connection, which no other test binary of
// the module does.
package owncache
