#!/usr/bin/env bash
# Runs the tests against a throwaway PostgreSQL cluster.
#
#   scripts/postgres-test.sh [go test flags]   start a cluster, run
#       go test -race [flags] ./... with TENANCY_TEST_POSTGRES_URL set,
#       then stop and delete the cluster (also on failure or Ctrl-C)
#   scripts/postgres-test.sh --exec CMD [ARGS]  the same, running CMD instead
#       (with TENANCY_TEST_POSTGRES_DIR set too)
#   eval "$(scripts/postgres-test.sh --start)"  start a cluster and print the
#       export lines of TENANCY_TEST_POSTGRES_URL and TENANCY_TEST_POSTGRES_DIR,
#       for running go test by hand as often as you like
#   scripts/postgres-test.sh --stop             stop and delete the cluster
#       that --start started (the one TENANCY_TEST_POSTGRES_DIR names)
#
# It uses the installed PostgreSQL server binaries (/usr/lib/postgresql/*/bin,
# the newest; or those of PG_BIN=dir). If there are none and it runs as root
# on Debian or Ubuntu, it installs the "postgresql" package with apt-get.
# The cluster lives in a temporary directory: trust authentication, listening
# on 127.0.0.1 only, on a free port, with its socket in that directory, and
# durability turned off for speed. As root, the server runs as the
# "postgres" user (initdb refuses root). The tests run as the calling user.
set -euo pipefail

cd "$(dirname "$0")/.."

log() { echo "postgres-test: $*" >&2; }

find_bin() {
	local dir
	if [[ -n "${PG_BIN:-}" ]]; then
		dir=$PG_BIN
	else
		dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	if [[ -z "$dir" && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
		log "no PostgreSQL server found: installing Debian's postgresql package"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
		dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	fi
	if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
		log "no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin;"
		log "install them (Debian/Ubuntu: apt-get install postgresql) or set PG_BIN=/path/to/bin"
		exit 1
	fi
	echo "$dir"
}

# as_owner runs a command as the cluster's owner.
as_owner() {
	if [[ $(id -u) == 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	local port
	for _ in $(seq 50); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	log "found no free port"
	exit 1
}

# start_cluster starts a cluster in a new temporary directory and sets DIR
# and URL.
start_cluster() {
	local bin port
	bin=$(find_bin)
	if [[ $(id -u) == 0 ]] && ! id postgres >/dev/null 2>&1; then
		log "running as root, and there is no postgres user to run the server as"
		exit 1
	fi
	local base=${TMPDIR:-/tmp}
	if [[ $(id -u) == 0 ]]; then
		base=/tmp # the postgres user must reach it
	fi
	DIR=$(mktemp -d "$base/tenancy-pg.XXXXXX")
	chmod 755 "$DIR"
	mkdir "$DIR/sock"
	if [[ $(id -u) == 0 ]]; then
		chown postgres "$DIR" "$DIR/sock"
	fi
	echo "$bin" >"$DIR/bin"
	# A non-C default collation (ICU, where the server has it) checks that
	# list order never depends on the database's locale.
	if ! as_owner "$bin/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-sync \
		--locale=C.UTF-8 --locale-provider=icu --icu-locale=en >"$DIR/initdb.log" 2>&1; then
		rm -rf "$DIR/data"
		as_owner "$bin/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-sync \
			>"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; exit 1; }
	fi
	port=$(free_port)
	as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o \
		"-c listen_addresses=127.0.0.1 -p $port -k $DIR/sock -c max_connections=300 \
		 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null ||
		{ cat "$DIR/server.log" >&2; exit 1; }
	"$bin/psql" -qX -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
		-c "CREATE DATABASE tenancy_test" >/dev/null
	URL="postgres://postgres@127.0.0.1:$port/tenancy_test?sslmode=disable"
	echo "$URL" >"$DIR/url"
}

stop_cluster() {
	local dir=$1
	[[ -n "$dir" && -d "$dir" ]] || return 0
	if [[ -f "$dir/data/postmaster.pid" ]]; then
		as_owner "$(cat "$dir/bin")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
--start)
	DIR=
	trap 'stop_cluster "$DIR"' EXIT # if starting fails
	start_cluster
	trap - EXIT
	echo "export TENANCY_TEST_POSTGRES_URL='$URL'"
	echo "export TENANCY_TEST_POSTGRES_DIR='$DIR'"
	log "started; stop it with scripts/postgres-test.sh --stop"
	;;
--stop)
	dir=${2:-${TENANCY_TEST_POSTGRES_DIR:-}}
	if [[ -z "$dir" ]]; then
		log "--stop: TENANCY_TEST_POSTGRES_DIR is not set (pass the directory as an argument)"
		exit 1
	fi
	stop_cluster "$dir"
	;;
*)
	DIR=
	trap 'stop_cluster "$DIR"' EXIT
	trap 'exit 130' INT TERM
	start_cluster
	export TENANCY_TEST_POSTGRES_URL="$URL"
	# The cluster's directory (data/, bin, server.log), for tests that
	# restart the server (TestPostgresRestartUnderLoad in sqlstore).
	export TENANCY_TEST_POSTGRES_DIR="$DIR"
	log "cluster up at $URL"
	if [[ "${1:-}" == "--exec" ]]; then
		shift
		"$@"
	else
		go test -race "$@" ./...
	fi
	;;
esac
