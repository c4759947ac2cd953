// Package owncache tests, in a test binary of its own, the page cache
// setup that package sqlite's documentation offers a host with several
// busy SQLite databases in one process: modernc.org/sqlite/pcache
// registered before the first connection, which no other test binary of
// the module does. Its databases are read without a memory map, so that
// every page read goes through the page cache.
package owncache
