#!/bin/sh
# One-shot `temporal-setup` service (temporalio/admin-tools image: busybox sh, temporal CLI,
# no jq). Runs once the server answers, and before any Resolve service starts:
#   1. waits for `temporal operator cluster health`;
#   2. creates the namespace if it is missing;
#   3. registers Resolve's custom search attributes from the list file, a "<Name> <Type>"
#      line each, generated from infra/temporal/search-attributes.json (the one list);
#   4. reads them back and fails unless every one is there with its type.
# Safe to re-run: existing attributes of the right type are left alone; an existing one of
# another type is an error (Temporal cannot change a search attribute's type).
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"
LIST_FILE="${SEARCH_ATTRIBUTES_FILE:-/etc/resolve/temporal/search-attributes.txt}"
WAIT_SECONDS="${SETUP_WAIT_SECONDS:-180}"
RETRY_SLEEP="${SETUP_RETRY_SLEEP:-2}"

log() { echo "[temporal-setup] $*"; }
die() { echo "[temporal-setup] ERROR: $*" >&2; exit 1; }

[ -r "$LIST_FILE" ] || die "search attribute list $LIST_FILE not readable (is infra/temporal mounted?)"

# Go's resolver in the CLI may try an IPv6 answer first on networks without IPv6; use the
# IPv4 address of the server when the system can tell it.
host="${ADDRESS%:*}"
port="${ADDRESS##*:}"
if command -v getent >/dev/null 2>&1; then
  ip=$(getent ahostsv4 "$host" 2>/dev/null | awk 'NR == 1 { print $1 }') || ip=""
  [ -n "$ip" ] && ADDRESS="$ip:$port"
fi

t() { temporal "$@" --address "$ADDRESS"; }
quiet() { "$@" >/dev/null 2>&1; }

# Runs "$@" until it succeeds or WAIT_SECONDS have passed.
retry() {
  what="$1"
  shift
  start=$(date +%s)
  until "$@"; do
    if [ $(($(date +%s) - start)) -ge "$WAIT_SECONDS" ]; then
      die "$what: still failing after ${WAIT_SECONDS}s"
    fi
    sleep "$RETRY_SLEEP"
  done
}

# Keyword, KEYWORD, INDEXED_VALUE_TYPE_KEYWORD -> keyword; KeywordList / KEYWORD_LIST -> keywordlist.
norm() { printf '%s\n' "$1" | awk '{ s = tolower($0); sub(/^indexed_value_type_/, "", s); gsub(/_/, "", s); print s }'; }

# The type of search attribute $1 in the namespace, empty when it does not exist.
existing_type() {
  t operator search-attribute list --namespace "$NAMESPACE" | awk -v n="$1" '$1 == n { print $2; exit }'
}

log "waiting for the Temporal cluster at $ADDRESS"
retry "cluster health" quiet t operator cluster health

if t operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  log "namespace $NAMESPACE exists"
else
  log "creating namespace $NAMESPACE (retention $RETENTION)"
  t operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION"
fi
# A new namespace reaches every frontend through a cache: wait until it answers.
retry "namespace $NAMESPACE" quiet t operator search-attribute list --namespace "$NAMESPACE"

count=0
# shellcheck disable=SC2034 # `rest` swallows anything after the type
while read -r name type rest || [ -n "${name:-}" ]; do
  case "$name" in '' | '#'*) continue ;; esac
  [ -n "${type:-}" ] || die "$LIST_FILE: no type for $name"
  count=$((count + 1))
  have=$(existing_type "$name")
  if [ -z "$have" ]; then
    log "creating $name ($type)"
    retry "create $name" t operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
  elif [ "$(norm "$have")" = "$(norm "$type")" ]; then
    log "$name ($type) already registered"
  else
    die "$name exists as $have, but the list says $type; a search attribute's type cannot change"
  fi
done <"$LIST_FILE"

[ "$count" -gt 0 ] || die "$LIST_FILE lists no search attributes"

# Read back: each attribute must be there, with its type.
listing=$(t operator search-attribute list --namespace "$NAMESPACE")
while read -r name type rest || [ -n "${name:-}" ]; do
  case "$name" in '' | '#'*) continue ;; esac
  have=$(printf '%s\n' "$listing" | awk -v n="$name" '$1 == n { print $2; exit }')
  [ "$(norm "$have")" = "$(norm "$type")" ] || die "after setup, $name is '${have:-missing}', expected $type"
done <"$LIST_FILE"
log "namespace $NAMESPACE has all $count Resolve search attributes"
