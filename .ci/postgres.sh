# Sourced by .ci/test: start and stop a private PostgreSQL cluster on 127.0.0.1.
# Exports KITE_TEST_POSTGRES_URL for the server suite. PostgreSQL refuses to run
# as root, so the cluster belongs to the 'postgres' system user.
start_postgres() {
  local bindir
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ]; then
    echo "PostgreSQL is not installed; the server suite runs on SQLite only" >&2
    return 0
  fi
  PG_DIR=$(mktemp -d /tmp/kite-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local run=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$PG_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U kite --auth=trust -E UTF8 >/dev/null
  "${run[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null
  "${run[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kite kite_test
  export KITE_TEST_POSTGRES_URL="postgresql+psycopg://kite@127.0.0.1:$PG_PORT/kite_test"
  PG_BINDIR=$bindir
  PG_RUN=("${run[@]}")
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_RUN[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
