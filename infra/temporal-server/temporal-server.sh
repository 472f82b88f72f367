#!/usr/bin/env bash
# A production-shaped Temporal server without containers: the server built by
# infra/provision/provision.sh (go.temporal.io/server, the version the CLI's dev server embeds)
# on Postgres, persistence and SQL visibility in their own databases, the frontend, history,
# matching and worker services in one process.
#
#   temporal-server.sh up --postgres-url postgres://postgres@127.0.0.1:5433/postgres
#       creates the two databases (if missing), sets up / upgrades their schemas with
#       temporal-sql-tool, starts the server in the background, waits until it is healthy,
#       creates the namespace and registers Resolve's search attributes; prints the address.
#   temporal-server.sh down             stops it (SIGTERM, then SIGKILL after 60 s)
#   temporal-server.sh status           says whether it runs, and where
#   temporal-server.sh setup-schema --postgres-url URL    the schema step alone
#
# Options (or the environment variable in brackets):
#   --postgres-url URL    a role that may create databases (TEMPORAL_POSTGRES_URL); the path's
#                         database is only where the schema tool connects first
#   --state-dir DIR       pid file and server.log (TEMPORAL_STATE_DIR; default var/temporal-server)
#   --port N              frontend gRPC port (TEMPORAL_FRONTEND_PORT; default 7233). The other
#                         eight ports keep the standard layout's distance from it (history +1,
#                         matching +2, worker +6, frontend HTTP +10, membership -300, -299, -298,
#                         -294); each can be set by its RESOLVE_TEMPORAL_*_PORT variable instead.
#   --db NAME, --visibility-db NAME   (TEMPORAL_DB, TEMPORAL_VISIBILITY_DB; default temporal,
#                         temporal_visibility)
#   --namespace NAME      (TEMPORAL_NAMESPACE; default default)
#   --history-shards N    (TEMPORAL_HISTORY_SHARDS; default 4). Fixed when the databases are
#                         first used: the server refuses another count later.
#   RESOLVE_TEMPORAL_METRICS_PORT   serve the server's Prometheus metrics there
#   RESOLVE_TEMPORAL_LOG_LEVEL      default warn
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

log() { echo "[temporal-server] $*" >&2; }
die() {
  echo "[temporal-server] ERROR: $*" >&2
  exit 1
}

command="${1:-}"
[[ -n "$command" ]] || die "usage: temporal-server.sh up|down|status|setup-schema [options] (see the top of $0)"
shift

POSTGRES_URL="${TEMPORAL_POSTGRES_URL:-}"
STATE_DIR="${TEMPORAL_STATE_DIR:-$ROOT/var/temporal-server}"
FRONTEND_PORT="${TEMPORAL_FRONTEND_PORT:-7233}"
DB="${TEMPORAL_DB:-temporal}"
VISIBILITY_DB="${TEMPORAL_VISIBILITY_DB:-temporal_visibility}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
HISTORY_SHARDS="${TEMPORAL_HISTORY_SHARDS:-4}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --postgres-url) POSTGRES_URL="${2:?--postgres-url needs a value}" ;;
    --state-dir) STATE_DIR="${2:?--state-dir needs a value}" ;;
    --port) FRONTEND_PORT="${2:?--port needs a value}" ;;
    --db) DB="${2:?--db needs a value}" ;;
    --visibility-db) VISIBILITY_DB="${2:?--visibility-db needs a value}" ;;
    --namespace) NAMESPACE="${2:?--namespace needs a value}" ;;
    --history-shards) HISTORY_SHARDS="${2:?--history-shards needs a value}" ;;
    *) die "unknown option $1" ;;
  esac
  shift 2
done
[[ "$FRONTEND_PORT" =~ ^[0-9]+$ ]] || die "--port must be a number, not '$FRONTEND_PORT'"
[[ "$HISTORY_SHARDS" =~ ^[1-9][0-9]*$ ]] || die "--history-shards must be a positive number, not '$HISTORY_SHARDS'"
for name in "$DB" "$VISIBILITY_DB"; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || die "database name '$name' is not allowed: letters, digits and underscores"
done

PID_FILE="$STATE_DIR/temporal-server.pid"
LOG_FILE="$STATE_DIR/server.log"

# The binaries: from the environment provision.sh prints, provisioning first when unset.
if [[ -z "${TEMPORAL_SERVER_DIR:-}" || -z "${TEMPORAL_CLI_PATH:-}" ]]; then
  eval "$(bash "$ROOT/infra/provision/provision.sh" --print-env)"
fi
SERVER_BIN="$TEMPORAL_SERVER_DIR/bin/temporal-server"
SQL_TOOL="$TEMPORAL_SERVER_DIR/bin/temporal-sql-tool"
SCHEMA_DIR="$TEMPORAL_SERVER_DIR/schema/postgresql/v12"

require_binaries() {
  [[ -x "$SERVER_BIN" && -x "$SQL_TOOL" && -d "$SCHEMA_DIR" ]] ||
    die "the Temporal server is not built in $TEMPORAL_SERVER_DIR: run \`bash infra/provision/provision.sh\` (needs go and the Go module proxy)"
  [[ -x "$TEMPORAL_CLI_PATH" ]] || die "the temporal CLI is missing at $TEMPORAL_CLI_PATH: run \`bash infra/provision/provision.sh\`"
}

# postgres[ql]://user[:password]@host[:port][/database][?...] -> PG_* variables.
parse_postgres_url() {
  [[ -n "$POSTGRES_URL" ]] || die "--postgres-url (or TEMPORAL_POSTGRES_URL) is required, e.g. postgres://postgres@127.0.0.1:5433/postgres"
  local re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/?]+)(:([0-9]+))?(/([^?]*))?(\?.*)?$'
  [[ "$POSTGRES_URL" =~ $re ]] || die "--postgres-url must look like postgres://user[:password]@host[:port][/database] (a user is required)"
  PG_USER="${BASH_REMATCH[2]}"
  PG_PASSWORD="${BASH_REMATCH[4]}"
  PG_HOST="${BASH_REMATCH[5]}"
  PG_PORT="${BASH_REMATCH[7]:-5432}"
  PG_ADMIN_DB="${BASH_REMATCH[9]:-postgres}"
  # Percent-encoded characters in a password (%40 for @ and so on).
  PG_PASSWORD="$(printf '%b' "${PG_PASSWORD//%/\\x}")"
}

sql_tool() {
  local database="$1"
  shift
  SQL_PASSWORD="$PG_PASSWORD" "$SQL_TOOL" --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --db "$database" "$@"
}

# setup-schema -v 0.0 makes the schema_version bookkeeping tables; this tool version leaves
# them (and a later version recorded in them) alone when they exist, so it is safe to re-run.
base_schema() {
  local database="$1" out
  out=$(sql_tool "$database" setup-schema -v 0.0 2>&1) || { printf '%s\n' "$out" >&2; die "$database: setup-schema failed"; }
}

setup_schema() {
  parse_postgres_url
  local database dir
  local out
  for database in "$DB" "$VISIBILITY_DB"; do
    # Leaves an existing database alone.
    out=$(sql_tool "$database" create-database --defaultdb "$PG_ADMIN_DB" 2>&1) ||
      { printf '%s\n' "$out" >&2; die "could not create database $database on $PG_HOST:$PG_PORT as $PG_USER"; }
  done
  for pair in "$DB:temporal" "$VISIBILITY_DB:visibility"; do
    database="${pair%%:*}"
    dir="$SCHEMA_DIR/${pair#*:}/versioned"
    base_schema "$database"
    sql_tool "$database" update-schema -d "$dir" >"$STATE_DIR/schema-$database.log" 2>&1 ||
      { cat "$STATE_DIR/schema-$database.log" >&2; die "$database: update-schema failed"; }
    log "$database: schema up to date ($(printf '%s\n' "$dir"/v* | sed 's|.*/||' | sort -V | tail -1))"
  done
}

running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == temporal-server* ]] || return 1
  echo "$pid"
}

address() { echo "127.0.0.1:$FRONTEND_PORT"; }

start_server() {
  parse_postgres_url
  if pid=$(running_pid); then die "already running (pid $pid, state in $STATE_DIR): \`$0 down\` first"; fi
  local port_offset="$FRONTEND_PORT"
  export RESOLVE_TEMPORAL_BIND_IP=127.0.0.1
  export RESOLVE_TEMPORAL_FRONTEND_PORT="$FRONTEND_PORT"
  export RESOLVE_TEMPORAL_HISTORY_PORT="${RESOLVE_TEMPORAL_HISTORY_PORT:-$((port_offset + 1))}"
  export RESOLVE_TEMPORAL_MATCHING_PORT="${RESOLVE_TEMPORAL_MATCHING_PORT:-$((port_offset + 2))}"
  export RESOLVE_TEMPORAL_WORKER_PORT="${RESOLVE_TEMPORAL_WORKER_PORT:-$((port_offset + 6))}"
  export RESOLVE_TEMPORAL_FRONTEND_HTTP_PORT="${RESOLVE_TEMPORAL_FRONTEND_HTTP_PORT:-$((port_offset + 10))}"
  export RESOLVE_TEMPORAL_FRONTEND_MEMBERSHIP_PORT="${RESOLVE_TEMPORAL_FRONTEND_MEMBERSHIP_PORT:-$((port_offset - 300))}"
  export RESOLVE_TEMPORAL_HISTORY_MEMBERSHIP_PORT="${RESOLVE_TEMPORAL_HISTORY_MEMBERSHIP_PORT:-$((port_offset - 299))}"
  export RESOLVE_TEMPORAL_MATCHING_MEMBERSHIP_PORT="${RESOLVE_TEMPORAL_MATCHING_MEMBERSHIP_PORT:-$((port_offset - 298))}"
  export RESOLVE_TEMPORAL_WORKER_MEMBERSHIP_PORT="${RESOLVE_TEMPORAL_WORKER_MEMBERSHIP_PORT:-$((port_offset - 294))}"
  export RESOLVE_TEMPORAL_HISTORY_SHARDS="$HISTORY_SHARDS"
  export RESOLVE_TEMPORAL_DB="$DB" RESOLVE_TEMPORAL_VISIBILITY_DB="$VISIBILITY_DB"
  export RESOLVE_TEMPORAL_PG_ADDR="$PG_HOST:$PG_PORT" RESOLVE_TEMPORAL_PG_USER="$PG_USER"
  export RESOLVE_TEMPORAL_PG_PASSWORD="$PG_PASSWORD"
  export RESOLVE_TEMPORAL_DYNAMIC_CONFIG="$HERE/dynamicconfig.yaml"
  # Temporal's schema keeps each service's membership port in a SMALLINT column
  # (cluster_membership.rpc_port): above 32767 the server stops at start ("out of range for
  # type smallint").
  local name limit
  for name in FRONTEND HISTORY MATCHING WORKER FRONTEND_HTTP FRONTEND_MEMBERSHIP HISTORY_MEMBERSHIP MATCHING_MEMBERSHIP WORKER_MEMBERSHIP; do
    limit=65535
    [[ "$name" == *MEMBERSHIP ]] && limit=32767
    name="RESOLVE_TEMPORAL_${name}_PORT"
    if ! [[ "${!name}" =~ ^[0-9]+$ ]] || ((${!name} < 1 || ${!name} > limit)); then
      die "$name is ${!name}: it must be a port from 1 to $limit (membership ports: Temporal keeps them in a SMALLINT column)"
    fi
  done

  local started
  started=$(date +%s)
  # In the background, past this script's end; `down` stops it. --allow-no-auth: it listens
  # on loopback only, as the dev server does.
  # The config is a template the server renders from RESOLVE_TEMPORAL_* (named .tmpl in the
  # repository: it is not YAML until rendered); the server reads it as config/resolve.yaml.
  mkdir -p "$STATE_DIR/config"
  cp "$HERE/config/resolve.yaml.tmpl" "$STATE_DIR/config/resolve.yaml"
  nohup "$SERVER_BIN" --root "$STATE_DIR" --config config --env resolve --allow-no-auth start \
    </dev/null >"$LOG_FILE" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  log "server started (pid $pid), log in $LOG_FILE; waiting for $(address)"

  until "$TEMPORAL_CLI_PATH" operator cluster health --address "$(address)" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 5 "$LOG_FILE" | cut -c1-600 >&2
      rm -f "$PID_FILE"
      die "the server exited while starting (log above, whole in $LOG_FILE)"
    fi
    if (($(date +%s) - started > 120)); then
      tail -n 5 "$LOG_FILE" | cut -c1-600 >&2
      stop_server
      die "the server was not healthy within 120 s"
    fi
    sleep 0.5
  done
  log "healthy after $(($(date +%s) - started)) s"
}

# Namespace and search attributes: the compose stack's script, with the same one list.
setup_namespace() {
  PATH="$(dirname "$TEMPORAL_CLI_PATH"):$PATH" \
    TEMPORAL_ADDRESS="$(address)" TEMPORAL_NAMESPACE="$NAMESPACE" \
    SEARCH_ATTRIBUTES_FILE="$ROOT/infra/temporal/search-attributes.txt" \
    SETUP_WAIT_SECONDS=120 SETUP_RETRY_SLEEP=0.5 \
    sh "$ROOT/infra/docker/temporal/setup-search-attributes.sh" >"$STATE_DIR/setup-namespace.log" 2>&1 ||
    { cat "$STATE_DIR/setup-namespace.log" >&2; die "namespace or search attribute setup failed"; }
  log "namespace $NAMESPACE with Resolve's search attributes ready"
}

stop_server() {
  local pid waited=0
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  # SIGTERM: the server stops its services in order (shards released, pollers drained).
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 600)); then
      log "still running after 60 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$PID_FILE"
  log "stopped after $((waited / 10)).$((waited % 10)) s"
}

mkdir -p "$STATE_DIR"
case "$command" in
  up)
    require_binaries
    setup_schema
    start_server
    setup_namespace
    address
    ;;
  setup-schema)
    require_binaries
    setup_schema
    ;;
  down | stop)
    stop_server
    ;;
  status)
    if pid=$(running_pid); then
      echo "running: pid $pid, state in $STATE_DIR"
    else
      echo "not running (state in $STATE_DIR)"
      exit 3
    fi
    ;;
  *)
    die "unknown command '$command': up, down, status or setup-schema"
    ;;
esac
