#!/usr/bin/env bash
# Runs a command (the test suite) with a PostgreSQL for the tests in FLINT_TEST_PG_URL.
# Uses the server FLINT_TEST_PG_URL names (default postgres://postgres@127.0.0.1:5432/test)
# when it answers; otherwise installs PostgreSQL's Debian package if it is missing and
# starts a private cluster for this run only: initdb under ./var/, loopback, a free port,
# trust auth, fsync off. The cluster is stopped and removed when the command ends, however
# it ends. FLINT_TEST_PG_PRIVATE=1 takes the private path even when a server answers.
#
#   scripts/with-test-postgres.sh npm test --silent
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG…]" >&2; exit 2; }

URL="${FLINT_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"

# Does a server answer at $1 (a postgres:// URL) and take a query in its database?
answers() {
  node --input-type=module -e '
    import pg from "pg";
    const c = new pg.Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    try { await c.connect(); await c.query("select 1"); await c.end(); process.exit(0); } catch { process.exit(1); }
  ' "$1" 2>/dev/null
}

if [ "${FLINT_TEST_PG_PRIVATE:-0}" != 1 ] && answers "$URL"; then
  export FLINT_TEST_PG_URL="$URL"
  exec "$@"
fi

pg_bin() {
  # The newest installed server version's binaries (Debian keeps them off PATH).
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
BIN="$(pg_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "No PostgreSQL server installed; installing Debian's postgresql package" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  BIN="$(pg_bin)"
fi

# initdb refuses to run as root: the cluster then belongs to the postgres account.
AS=()
if [ "$(id -u)" -eq 0 ]; then AS=(runuser -u postgres --); fi

mkdir -p var
DIR="$(mktemp -d "$PWD/var/test-pg.XXXXXX")"
[ ${#AS[@]} -eq 0 ] || chown postgres: "$DIR"
PORT="$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')"
LOG="$DIR/server.log"

stop_cluster() {
  "${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop_cluster EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${AS[@]}" "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${AS[@]}" "$BIN/pg_ctl" -D "$DIR/data" -l "$LOG" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$LOG" >&2; exit 1; }
"${AS[@]}" "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -qAt -c 'CREATE DATABASE test' >/dev/null

export FLINT_TEST_PG_URL="postgres://postgres@127.0.0.1:$PORT/test"
echo "Private PostgreSQL for this run: $FLINT_TEST_PG_URL (data in ${DIR#$PWD/})" >&2
# Not exec: the trap must stop the cluster when the command ends.
set +e
"$@"
status=$?
set -e
exit $status
