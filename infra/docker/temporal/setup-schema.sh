#!/bin/sh
# One-shot `temporal-schema` service (temporalio/admin-tools image: busybox sh, no jq).
# Creates or upgrades the Temporal persistence and visibility schemas in Postgres. The
# databases and the `temporal` role themselves are created by Postgres's init script
# (infra/docker/postgres/initdb/), so this only needs the rights of the database owner.
# Safe to re-run: update-schema is idempotent, and an existing base schema is detected.
set -eu

: "${DB:=postgres12}"
: "${DB_PORT:=5432}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
: "${SCHEMA_ROOT:=/etc/temporal/schema/postgresql/v12}"
export SQL_PASSWORD="$POSTGRES_PWD"   # what temporal-sql-tool reads

log() { echo "[temporal-schema] $*"; }

sql_tool() {
  db="$1"
  shift
  temporal-sql-tool --plugin "$DB" --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" --db "$db" "$@"
}

wait_for_postgres() {
  tries=0
  until nc -z -w 3 "$POSTGRES_SEEDS" "$DB_PORT"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 30 ]; then
      log "Postgres at $POSTGRES_SEEDS:$DB_PORT not reachable after $tries tries"
      exit 1
    fi
    sleep 2
  done
}

# setup-schema -v 0.0 creates the schema_version bookkeeping tables and fails when they
# already exist (every start after the first); that case is fine, anything else is not.
base_schema() {
  db="$1"
  out=$(sql_tool "$db" setup-schema -v 0.0 2>&1) && { log "$db: base schema created"; return 0; }
  if printf '%s' "$out" | grep -Eiq 'schema_version.*already exists|already exists.*schema_version'; then
    log "$db: base schema already present"
    return 0
  fi
  printf '%s\n' "$out" >&2
  log "$db: setup-schema failed"
  return 1
}

wait_for_postgres
base_schema "$DBNAME"
sql_tool "$DBNAME" update-schema -d "$SCHEMA_ROOT/temporal/versioned"
base_schema "$VISIBILITY_DBNAME"
sql_tool "$VISIBILITY_DBNAME" update-schema -d "$SCHEMA_ROOT/visibility/versioned"
log "schemas of $DBNAME and $VISIBILITY_DBNAME are up to date"
