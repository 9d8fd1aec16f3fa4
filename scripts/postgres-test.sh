#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on localhost, then stop it.
#
#   scripts/postgres-test.sh CMD ARGS...
#
# Installs Debian's postgresql if it is missing (as root), creates a cluster in a
# temporary directory owned by the postgres user, starts it on 127.0.0.1 with a
# free port, creates the role/database "tocsin", exports
#   TOCSIN_TEST_DATABASE_URL=postgres://tocsin:tocsin@127.0.0.1:PORT/tocsin
# and runs CMD. The cluster is stopped and removed on every exit (trap), also when
# CMD fails or is interrupted. Exit status: CMD's.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pgbin)" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "postgres-test: PostgreSQL is not installed; run: apt-get install postgresql" >&2
    exit 1
  fi
  echo "postgres-test: installing postgresql"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(pgbin)

as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

PGDATA=$(mktemp -d /tmp/tocsin-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
# A free port: ask the kernel for one.
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap stop EXIT INT TERM

as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --no-locale >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
"$PGBIN/psql" -q -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres \
  -c "CREATE ROLE tocsin LOGIN PASSWORD 'tocsin' CREATEDB" \
  -c "CREATE DATABASE tocsin OWNER tocsin"
export TOCSIN_TEST_DATABASE_URL="postgres://tocsin:tocsin@127.0.0.1:$PGPORT/tocsin"
echo "postgres-test: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT"
set +e
"$@"
status=$?
exit $status
