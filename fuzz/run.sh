#!/usr/bin/env bash
# Fuzzes the running API from its committed OpenAPI document (docs/openapi.json) with
# schemathesis: no 5xx (not_a_server_error), every 4xx has a message (fuzz/hooks.py), and no
# operation that ignores authentication (ignored_auth). Starts its own stack (fuzz/stack.ts:
# Postgres, Temporal dev server, worker, notifier, API from main.ts, on free loopback ports),
# fuzzes as three demo people (a practitioner: everything but the directory; the partnership
# administrator: the directory; the business manager: audit, reports, records), stops the stack,
# and exits non-zero on any failure.
#
#   bash fuzz/run.sh [--max-examples N] [--seed S] [--actors]   (defaults: 40 per operation, seed 1)
#
# Reports: fuzz/results/<who>.junit.xml and fuzz/results/<who>.log; what every request got in
# fuzz/results/<who>.tally.jsonl, and the share that reached the engine in fuzz/results/reach.txt
# (fuzz/reach.py).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_EXAMPLES=40
SEED=1
# --actors: also seed cases at every tier of every protocol and fuzz the escalation operations as
# their people, with links from the raise to each action (fuzz/hooks.py, fuzz/stack.ts).
ACTORS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) MAX_EXAMPLES="$2"; shift 2 ;;
    --seed) SEED="$2"; shift 2 ;;
    --actors) ACTORS=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# A Python other than 3.11 when there is one: CPython 3.11 fails inside schemathesis's coverage
# phase on some of our schemas ("SystemError: AST constructor recursion depth mismatch").
pick_python() {
  if [ -n "${RESOLVE_FUZZ_PYTHON:-}" ]; then echo "$RESOLVE_FUZZ_PYTHON"; return; fi
  for v in 3.12 3.13; do
    for p in "$(pyenv root 2>/dev/null)/versions/$v"*/bin/python3 "/usr/bin/python$v"; do
      [ -x "$p" ] && { echo "$p"; return; }
    done
  done
  echo python3
}
PYTHON="$(pick_python)"
PYVER="$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
VENV="${RESOLVE_FUZZ_VENV:-$HOME/.cache/resolve-tools/fuzz-venv-py$PYVER}"
if [ ! -x "$VENV/bin/st" ]; then
  echo "installing schemathesis into $VENV (Python $PYVER)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis>=4,<5'
fi

SEED_TIERS=false
[ "$ACTORS" = 1 ] && SEED_TIERS=true
eval "$(bash infra/provision/provision.sh --print-env)"
STATE="$(mktemp /tmp/resolve-fuzz-XXXXXX.json)"
rm -f "$STATE"
LOG="$(mktemp /tmp/resolve-fuzz-stack-XXXXXX.log)"
node -r ./infra/runtime/register.js fuzz/stack.ts --out "$STATE" --max-minutes 60 --seed-tiers "$SEED_TIERS" >"$LOG" 2>&1 &
STACK_PID=$!
cleanup() {
  kill -TERM "$STACK_PID" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$STACK_PID" 2>/dev/null || break; sleep 1; done
  kill -KILL "$STACK_PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  [ -s "$STATE" ] && break
  kill -0 "$STACK_PID" 2>/dev/null || { echo "stack failed to start:"; tail -n 40 "$LOG"; exit 1; }
  sleep 1
done
[ -s "$STATE" ] || { echo "stack not ready in 300 s"; tail -n 40 "$LOG"; exit 1; }
URL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$STATE")"
token() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$STATE" "$1"; }
echo "stack up at $URL"

mkdir -p fuzz/results
rm -f fuzz/results/*.tally.jsonl
status=0
run() {
  local who="$1"; shift
  echo "== fuzzing as $who"
  RESOLVE_FUZZ_STATE="$STATE" RESOLVE_FUZZ_TALLY="fuzz/results/$who.tally.jsonl" \
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH=fuzz \
    "$VENV/bin/st" run docs/openapi.json --url "$URL" \
      -H "Authorization: Bearer $(token "$who")" \
      --checks not_a_server_error,ignored_auth,error_has_message \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
      --request-timeout 30 --suppress-health-check all \
      --report junit --report-junit-path "fuzz/results/$who.junit.xml" \
      "$@" 2>&1 | tee "fuzz/results/$who.log" || status=1
}
run sefton-sscp-csc-practitioner --exclude-tag directory
run sefton-sscp-partnership-administrator --include-tag directory
run sefton-sscp-business-manager --include-tag audit --include-tag reports --include-tag records
if [ "$ACTORS" = 1 ]; then
  # No fixed bearer token: fuzz/hooks.py signs each request as one of the case's people.
  echo "== fuzzing the escalation operations as the people of each seeded case"
  RESOLVE_FUZZ_STATE="$STATE" RESOLVE_FUZZ_TALLY="fuzz/results/case-people.tally.jsonl" RESOLVE_FUZZ_ACTORS=1 \
    SCHEMATHESIS_HOOKS=hooks PYTHONPATH=fuzz \
    "$VENV/bin/st" run docs/openapi.json --url "$URL" \
      --checks not_a_server_error,error_has_message \
      --max-examples "$MAX_EXAMPLES" --seed "$SEED" --workers 2 \
      --request-timeout 30 --suppress-health-check all --include-tag escalations \
      --report junit --report-junit-path "fuzz/results/case-people.junit.xml" \
      2>&1 | tee "fuzz/results/case-people.log" || status=1
fi
echo "== how deep the requests got"
python3 fuzz/reach.py fuzz/results/*.tally.jsonl | tee fuzz/results/reach.txt
exit $status
