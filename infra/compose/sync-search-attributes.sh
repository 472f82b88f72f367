#!/usr/bin/env bash
# Regenerates infra/temporal/search-attributes.txt from infra/temporal/search-attributes.json.
#
# The JSON file is the one list of Resolve's custom Temporal search attributes. The
# temporal-setup container (temporalio/admin-tools: busybox, no jq) reads the plain
# "Name Type" text form, so the two are kept in step by this script, and
# infra/compose/validate.sh fails when they differ.
#
#   bash infra/compose/sync-search-attributes.sh          # rewrite the .txt
#   bash infra/compose/sync-search-attributes.sh --stdout # print what it would write
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JSON="$ROOT/infra/temporal/search-attributes.json"
TXT="$ROOT/infra/temporal/search-attributes.txt"

render() {
  echo "# Generated from search-attributes.json by infra/compose/sync-search-attributes.sh: do not edit."
  echo "# One custom search attribute a line: <Name> <Type>. Read by infra/docker/temporal/setup-search-attributes.sh."
  if command -v jq >/dev/null 2>&1; then
    jq -r '.[] | "\(.name) \(.type)"' "$JSON"
  else
    python3 -c 'import json,sys; [print(a["name"], a["type"]) for a in json.load(open(sys.argv[1]))]' "$JSON"
  fi
}

if [[ "${1:-}" == "--stdout" ]]; then
  render
else
  render > "$TXT.tmp"
  mv "$TXT.tmp" "$TXT"
  echo "wrote ${TXT#"$ROOT"/}"
fi
