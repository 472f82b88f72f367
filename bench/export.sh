#!/usr/bin/env bash
# Exports a commit to a folder to benchmark it apart from the shared working tree:
#
#   bash bench/export.sh <commit> <dir>
#   cd <dir> && BENCH_COMMIT=<commit> node -r ./infra/runtime/register.js bench/<name>.ts ...
#
# The export borrows this checkout's installed packages, but not its workspace links: those in
# node_modules/@resolve are relative (../../libs/...), so a plain `ln -s .../node_modules` made
# the workflow bundle and every @resolve import follow them back into this checkout's working
# tree, uncommitted edits included. Here each package is linked one by one and @resolve is the
# export's own folder of links into the export.
set -euo pipefail
commit="${1:?usage: bench/export.sh <commit> <dir>}"
dir="${2:?usage: bench/export.sh <commit> <dir>}"
here="$(cd "$(dirname "$0")/.." && pwd)"
[[ -e "$dir" ]] && { echo "export.sh: $dir exists; choose a new folder" >&2; exit 2; }
mkdir -p "$dir/node_modules/@resolve"
git -C "$here" archive "$commit" | tar -x -C "$dir"
for entry in "$here"/node_modules/* "$here"/node_modules/.bin; do
  name="$(basename "$entry")"
  [[ "$name" == "@resolve" ]] || ln -s "$entry" "$dir/node_modules/$name"
done
for link in "$here"/node_modules/@resolve/*; do
  ln -s "$(readlink "$link")" "$dir/node_modules/@resolve/$(basename "$link")"
done
echo "exported $(git -C "$here" rev-parse --short "$commit") to $dir"
