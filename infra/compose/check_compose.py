#!/usr/bin/env python3
"""Static checks of the compose stack that `docker compose config` does not make.

Used by infra/compose/validate.sh; standard library only. Reads the normalised model that
`docker compose config --format json` prints (absolute paths, anchors merged, variables
interpolated) and checks it against the files of the repository.

  python3 check_compose.py refs   MODEL.json ROOT [--strict]
  python3 check_compose.py search-attributes MODEL.json ROOT
  python3 check_compose.py security DEFAULTS_MODEL.json ROOT COMPOSE_FILE

Prints one line per finding: "FAIL ...", "WARN ..." or "ok ...". Exit status 1 when any
FAIL was printed.
"""
from __future__ import annotations

import glob
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

failures = 0


def fail(msg: str) -> None:
    global failures
    failures += 1
    print(f"FAIL {msg}")


def warn(msg: str) -> None:
    print(f"WARN {msg}")


def ok(msg: str) -> None:
    print(f"ok   {msg}")


def rel(path: str | Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


# ---- Dockerfiles ----------------------------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, arguments), with continuation lines joined."""
    out, buf, start = [], "", 0
    for n, line in enumerate(path.read_text().splitlines(), 1):
        stripped = line.strip()
        if not buf and (not stripped or stripped.startswith("#")):
            continue
        if buf and stripped.startswith("#"):
            continue
        if not buf:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, args = buf.partition(" ")
        out.append((start, word.upper(), args.strip()))
        buf = ""
    return out


def parse_copy(args: str) -> tuple[dict[str, str], list[str], str]:
    """Flags, sources and destination of a COPY/ADD (shell or JSON form)."""
    flags: dict[str, str] = {}
    if args.lstrip().startswith("["):
        words = json.loads(args)
    else:
        words = shlex.split(args)
    rest = []
    for w in words:
        if w.startswith("--") and not rest:
            k, _, v = w[2:].partition("=")
            flags[k] = v
        else:
            rest.append(w)
    return flags, rest[:-1], rest[-1] if rest else ""


def load_dockerignore(context: Path) -> list[tuple[bool, re.Pattern[str]]]:
    """The patterns of CONTEXT/.dockerignore as (negated, regex), Docker's matching rules."""
    f = context / ".dockerignore"
    rules = []
    if not f.is_file():
        return rules
    for line in f.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        neg = line.startswith("!")
        pat = line[1:] if neg else line
        pat = os.path.normpath(pat.strip("/")).replace(os.sep, "/")
        rx, i = "", 0
        while i < len(pat):
            if pat.startswith("**/", i):
                rx += "(?:.*/)?"
                i += 3
            elif pat.startswith("**", i):
                rx += ".*"
                i += 2
            elif pat[i] == "*":
                rx += "[^/]*"
                i += 1
            elif pat[i] == "?":
                rx += "[^/]"
                i += 1
            else:
                rx += re.escape(pat[i])
                i += 1
        rules.append((neg, re.compile(rx + "$")))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether PATH (relative to the context) is left out of the build context."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for neg, rx in rules:
        if any(rx.match(c) for c in candidates):
            result = not neg
    return result


def check_dockerfile(service: str, dockerfile: Path, context: Path, root: Path, strict: bool) -> None:
    instrs = dockerfile_instructions(dockerfile)
    rules = load_dockerignore(context)
    stage_workdir: dict[str, str] = {}
    current_stage, workdir = "", "/"
    copied_whole_context: set[str] = set()
    users = []
    for n, instr, args in instrs:
        where = f"{rel(dockerfile, root)}:{n}"
        if instr == "FROM":
            m = re.search(r"\bAS\s+(\S+)", args, re.I)
            base = args.split()[0]
            if current_stage:
                stage_workdir[current_stage] = workdir
            current_stage = m.group(1) if m else f"#{n}"
            workdir = stage_workdir.get(base, "/")
            if base in copied_whole_context:
                copied_whole_context.add(current_stage)
            users = []
        elif instr == "WORKDIR":
            workdir = os.path.normpath(os.path.join(workdir, args))
        elif instr == "USER":
            users.append(args.split(":")[0])
        elif instr in ("COPY", "ADD"):
            flags, sources, _dest = parse_copy(args)
            src_stage = flags.get("from")
            for src in sources:
                if src_stage is None:
                    # From the build context: it must exist and not be .dockerignore'd.
                    if src in (".", "./"):
                        copied_whole_context.add(current_stage)
                        continue
                    hits = glob.glob(str(context / src))
                    if not hits:
                        fail(f"{where}: {instr} source {src} does not exist in the context {rel(context, root)}")
                    elif all(ignored(rel(h, context), rules) for h in hits):
                        fail(f"{where}: {instr} source {src} is excluded by .dockerignore")
                elif src_stage in copied_whole_context and src.startswith(stage_workdir.get(src_stage, "/") + "/"):
                    # A file the earlier stage got through `COPY . .`: it must be in the
                    # context, unless the build makes it (dist/, node_modules/).
                    inner = os.path.relpath(src, stage_workdir[src_stage])
                    if inner.split("/")[0] in ("dist", "node_modules"):
                        continue
                    if not (context / inner).exists():
                        fail(f"{where}: copies {src} from stage {src_stage}, but {inner} is not in the repository")
                    elif ignored(inner, rules):
                        fail(f"{where}: copies {src} from stage {src_stage}, but .dockerignore leaves {inner} out")
        elif instr == "CMD" or instr == "ENTRYPOINT":
            # node ... dist/<path>.js: the TypeScript source it is compiled from must exist.
            words = json.loads(args) if args.startswith("[") else shlex.split(args)
            for w in words:
                if w.startswith("dist/") and w.endswith(".js"):
                    src = Path(context, w[len("dist/"):-3] + ".ts")
                    if src.is_file():
                        ok(f"{service}: entry point {rel(src, root)} exists")
                    else:
                        (fail if strict else warn)(
                            f"{where}: entry point {w} is compiled from {rel(src, root)}, which does not exist yet"
                        )
                elif w.startswith("./") or (w.startswith("/app/") and not w.startswith("/app/dist/")):
                    inner = w[2:] if w.startswith("./") else w[len("/app/"):]
                    if not (context / inner).exists():
                        fail(f"{where}: {instr} uses {w}, but {inner} is not in the repository")
    if current_stage:
        stage_workdir[current_stage] = workdir
    final_user = users[-1] if users else "root"
    if final_user in ("root", "0", ""):
        fail(f"{rel(dockerfile, root)}: final stage runs as root (add USER)")
    else:
        ok(f"{service}: image runs as user {final_user}")
    hc = [a for _, i, a in instrs if i == "HEALTHCHECK"]
    for a in hc:
        m = re.search(r'"(/app/[^"]+)"', a)
        if m and not (context / m.group(1)[len("/app/"):]).exists():
            fail(f"{rel(dockerfile, root)}: HEALTHCHECK runs {m.group(1)}, not in the repository")


def shared_build_stages(dockerfiles: list[Path], root: Path) -> None:
    """The stages before `runtime` are identical in all service Dockerfiles (shared cache)."""
    def stages(p: Path) -> str:
        text = p.read_text()
        start = text.find("# ---- base")
        end = text.find("# ---- runtime")
        return text[start:end] if start >= 0 and end > start else ""

    if len(dockerfiles) < 2:
        return
    first = stages(dockerfiles[0])
    for other in dockerfiles[1:]:
        if stages(other) != first:
            fail(
                f"{rel(other, root)}: build stages differ from {rel(dockerfiles[0], root)} "
                "(keep them identical so BuildKit builds them once)"
            )
            return
    ok(f"build stages identical in {len(dockerfiles)} Dockerfiles")


# ---- compose references ------------------------------------------------------------------


def check_refs(model: dict, root: Path, strict: bool) -> None:
    services: dict = model.get("services", {})
    dockerfiles = []
    for name, svc in sorted(services.items()):
        build = svc.get("build")
        if build:
            context = Path(build.get("context", "."))
            if not context.is_dir():
                fail(f"{name}: build context {context} is not a directory")
                continue
            df = Path(build.get("dockerfile", "Dockerfile"))
            df = df if df.is_absolute() else context / df
            if not df.is_file():
                fail(f"{name}: Dockerfile {rel(df, root)} does not exist")
                continue
            ok(f"{name}: build context {rel(context, root) or '.'} and {rel(df, root)}")
            dockerfiles.append(df)
            check_dockerfile(name, df, context, root, strict)
        else:
            image = svc.get("image", "")
            tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
            if "@sha256:" in image:
                ok(f"{name}: image {image} pinned by digest")
            elif not tag or tag == "latest" or not re.search(r"\d", tag):
                fail(f"{name}: image {image or '(none)'} is not pinned to a version tag")
            else:
                ok(f"{name}: image {image}")
            if svc.get("user") in ("root", "0"):
                fail(f"{name}: runs as root")

        for ef in svc.get("env_file", []) or []:
            path = ef["path"] if isinstance(ef, dict) else ef
            required = ef.get("required", True) if isinstance(ef, dict) else True
            if not Path(path).is_file():
                (fail if required else warn)(f"{name}: env_file {rel(path, root)} does not exist")

        binds: list[tuple[str, str]] = []
        for v in svc.get("volumes", []) or []:
            if v.get("type") != "bind":
                continue
            src = v.get("source", "")
            binds.append((v.get("target", ""), src))
            if not Path(src).exists():
                fail(f"{name}: bind mount source {rel(src, root)} does not exist")
            else:
                ok(f"{name}: bind mount {rel(src, root)} -> {v.get('target')}")

        # Scripts the container runs from a bind mount must be there on the host.
        args = (svc.get("entrypoint") or []) + (svc.get("command") or [])
        for a in args:
            if not isinstance(a, str) or not a.startswith("/"):
                continue
            for target, src in binds:
                if a == target or a.startswith(target.rstrip("/") + "/"):
                    host = Path(src, os.path.relpath(a, target)) if a != target else Path(src)
                    if not host.exists():
                        fail(f"{name}: runs {a}, but {rel(host, root)} does not exist")
                    else:
                        ok(f"{name}: runs {a} = {rel(host, root)}")

        for dep, spec in (svc.get("depends_on") or {}).items():
            if dep not in services:
                fail(f"{name}: depends on unknown service {dep}")
                continue
            cond = spec.get("condition", "service_started")
            target = services[dep]
            if cond == "service_healthy" and not target.get("healthcheck") and not target.get("build"):
                fail(f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
            if cond == "service_completed_successfully" and target.get("restart") not in (None, "no"):
                fail(f"{name}: waits for one-shot {dep} to complete, but {dep} has restart: {target.get('restart')}")

    for kind in ("configs", "secrets"):
        for key, spec in (model.get(kind) or {}).items():
            f = spec.get("file")
            if f and not Path(f).exists():
                fail(f"{kind}.{key}: file {rel(f, root)} does not exist")

    shared_build_stages(sorted(dockerfiles), root)

    # Data the services read at run time (see the Dockerfiles' build stage).
    for d in ("libs/protocols/definitions", "libs/calendar/data", "services/notifier/templates"):
        p = root / d
        present = p.is_dir() and any(f.is_file() for f in p.rglob("*"))
        if present:
            ok(f"runtime data {d}")
        else:
            (fail if strict else warn)(f"runtime data {d} is missing or empty: the images would ship without it")


# ---- search attributes -------------------------------------------------------------------

TYPES = {"Keyword", "Text", "Int", "Double", "Bool", "Datetime", "KeywordList"}
# Custom search attributes a namespace can hold per type with SQL (Postgres) visibility:
# the pre-allocated columns of schema/postgresql/v12/visibility (Keyword01..10, Int01..03...).
SQL_LIMITS = {"Keyword": 10, "Text": 3, "Int": 3, "Double": 3, "Bool": 3, "Datetime": 3, "KeywordList": 3}

FAKE_TEMPORAL = r"""#!/bin/sh
# Stand-in for the temporal CLI: records calls, keeps search attributes in $FAKE_STATE.
echo "$*" >>"$FAKE_LOG"
case "$1 $2 $3" in
"operator cluster health") echo SERVING ;;
"operator namespace describe") [ -f "$FAKE_STATE.ns" ] ;;
"operator namespace create") : >"$FAKE_STATE.ns" ;;
"operator search-attribute list")
  printf '%s\n' "              Name                Type" "  WorkflowId                      Keyword" "  ExecutionTime                   Datetime"
  sed 's/^/  /' "$FAKE_STATE" ;;
"operator search-attribute create")
  name="" type=""
  while [ $# -gt 0 ]; do
    case "$1" in --name) name="$2"; shift ;; --type) type="$2"; shift ;; esac
    shift
  done
  have=$(awk -v n="$name" '$1 == n { print $2 }' "$FAKE_STATE")
  if [ -n "$have" ] && [ "$have" != "$type" ]; then echo "different type" >&2; exit 1; fi
  [ -n "$have" ] || echo "$name $type" >>"$FAKE_STATE" ;;
*) echo "fake temporal: unexpected: $*" >&2; exit 2 ;;
esac
"""


def run_setup_script(script: Path, list_file: Path, state: str) -> tuple[int, str, list[tuple[str, str]], list[str]]:
    """Runs the setup script under sh against the fake CLI; returns (status, output, state, calls)."""
    with tempfile.TemporaryDirectory() as tmp:
        fake = Path(tmp, "temporal")
        fake.write_text(FAKE_TEMPORAL)
        fake.chmod(0o755)
        state_file = Path(tmp, "state")
        state_file.write_text(state)
        log = Path(tmp, "log")
        log.write_text("")
        env = dict(
            os.environ,
            PATH=f"{tmp}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            FAKE_STATE=str(state_file),
            FAKE_LOG=str(log),
            SEARCH_ATTRIBUTES_FILE=str(list_file),
            TEMPORAL_ADDRESS="temporal.invalid:7233",
            SETUP_WAIT_SECONDS="3",
            SETUP_RETRY_SLEEP="0",
        )
        proc = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60)
        rows = [tuple(l.split()[:2]) for l in state_file.read_text().splitlines() if l.strip()]
        return proc.returncode, proc.stdout + proc.stderr, rows, log.read_text().splitlines()


def check_search_attributes(model: dict, root: Path) -> None:
    json_file = root / "infra/temporal/search-attributes.json"
    txt_file = root / "infra/temporal/search-attributes.txt"
    try:
        attrs = json.loads(json_file.read_text())
    except (OSError, ValueError) as e:
        fail(f"{rel(json_file, root)}: {e}")
        return
    if not isinstance(attrs, list) or not attrs:
        fail(f"{rel(json_file, root)}: expected a non-empty list of {{name, type}}")
        return
    names: list[str] = []
    counts: dict[str, int] = {}
    for a in attrs:
        n, t = (a.get("name"), a.get("type")) if isinstance(a, dict) else (None, None)
        if not isinstance(n, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", n):
            fail(f"search attribute name {n!r} is not a plain identifier")
            continue
        if n.startswith("Temporal"):
            fail(f"search attribute {n}: the Temporal prefix is reserved for system attributes")
        if t not in TYPES:
            fail(f"search attribute {n}: type {t!r} is not one of {sorted(TYPES)}")
            continue
        if n in names:
            fail(f"search attribute {n} listed twice")
        names.append(n)
        counts[t] = counts.get(t, 0) + 1
    for t, c in sorted(counts.items()):
        if c > SQL_LIMITS[t]:
            fail(f"{c} {t} search attributes; Postgres visibility has room for {SQL_LIMITS[t]}")
    ok(f"{len(names)} search attributes in {rel(json_file, root)}: " + ", ".join(f"{c} {t}" for t, c in sorted(counts.items())))

    # The plain list the container reads is the JSON, line for line.
    expected = [(a["name"], a["type"]) for a in attrs if isinstance(a, dict)]
    try:
        listed = [
            tuple(l.split()[:2]) for l in txt_file.read_text().splitlines() if l.strip() and not l.lstrip().startswith("#")
        ]
    except OSError as e:
        fail(f"{rel(txt_file, root)}: {e}")
        return
    if listed != expected:
        fail(
            f"{rel(txt_file, root)} differs from {rel(json_file, root)}: "
            "run `bash infra/compose/sync-search-attributes.sh`"
        )
    else:
        ok(f"{rel(txt_file, root)} matches the JSON")

    # The compose service runs the script with that list mounted where the script reads it.
    setup = model.get("services", {}).get("temporal-setup")
    if not setup:
        fail("no temporal-setup service in the compose file")
        return
    env = setup.get("environment") or {}
    list_path = env.get("SEARCH_ATTRIBUTES_FILE")
    if not list_path:
        fail("temporal-setup: SEARCH_ATTRIBUTES_FILE is not set")
        return
    binds = [(v.get("target", ""), v.get("source", "")) for v in setup.get("volumes", []) or [] if v.get("type") == "bind"]

    def host_path(container_path: str) -> Path | None:
        best = None
        for target, src in binds:
            if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
                if best is None or len(target) > len(best[0]):
                    best = (target, src)
        if best is None:
            return None
        return Path(best[1], os.path.relpath(container_path, best[0])).resolve()

    mounted = host_path(list_path)
    if mounted != txt_file.resolve():
        fail(f"temporal-setup reads {list_path}, which is {mounted or 'not mounted'}, not {rel(txt_file, root)}")
    else:
        ok(f"temporal-setup reads {list_path} = {rel(txt_file, root)}")
    script_arg = next((a for a in (setup.get("entrypoint") or []) + (setup.get("command") or []) if str(a).endswith(".sh")), None)
    script = host_path(script_arg) if script_arg else None
    if not script or not script.is_file():
        fail(f"temporal-setup: its script {script_arg} is not a mounted file")
        return
    text = script.read_text()
    hard = [n for n in names if n in text]
    if hard:
        fail(f"{rel(script, root)} names {', '.join(hard)} itself: it must take them from the list only")

    # Dry run against a stand-in CLI: fresh namespace, re-run, and a type conflict.
    status, out, state, calls = run_setup_script(script, txt_file, "")
    if status != 0 or sorted(state) != sorted(expected):
        fail(f"{rel(script, root)} dry run: exit {status}, registered {state}\n{out}")
        return
    creates = [c for c in calls if c.startswith("operator search-attribute create")]
    ok(f"dry run registers exactly the {len(expected)} listed attributes ({len(creates)} create calls)")
    seeded = "".join(f"{n} {t}\n" for n, t in expected)
    status, out, state, calls = run_setup_script(script, txt_file, seeded)
    creates = [c for c in calls if c.startswith("operator search-attribute create")]
    if status != 0 or creates:
        fail(f"{rel(script, root)} re-run: exit {status}, {len(creates)} creates (expected none)\n{out}")
    else:
        ok("re-run is a no-op")
    n0, t0 = expected[0]
    other = "Int" if t0 != "Int" else "Keyword"
    status, out, _, _ = run_setup_script(script, txt_file, f"{n0} {other}\n")
    if status == 0:
        fail(f"{rel(script, root)} accepted {n0} registered as {other} instead of {t0}")
    else:
        ok("a type conflict fails the setup")


# ---- secure defaults ------------------------------------------------------------------------

RESOLVE_SERVICES = ("api", "worker", "notifier")
# The Temporal UI's sign-in settings that must come from the operator, never from this file.
UI_AUTH_FROM_ENV = (
    "TEMPORAL_AUTH_PROVIDER_URL",
    "TEMPORAL_AUTH_CLIENT_ID",
    "TEMPORAL_AUTH_CLIENT_SECRET",
    "TEMPORAL_AUTH_CALLBACK_URL",
)


def check_security(model: dict, root: Path, compose_file: Path) -> None:
    """What the stack does when .env says nothing: production mode, a signed-in read-only UI.

    MODEL is `compose config` run with an empty env file and none of the switches below set
    in the environment, so each value is the file's own default.
    """
    services: dict = model.get("services", {})

    # 1. The services refuse insecure defaults (RESOLVE_ENV=production), in compose and the image.
    for name in RESOLVE_SERVICES:
        env = (services.get(name) or {}).get("environment") or {}
        if env.get("RESOLVE_ENV") != "production":
            fail(f"{name}: RESOLVE_ENV is {env.get('RESOLVE_ENV')!r} by default, not 'production'")
        else:
            ok(f"{name}: RESOLVE_ENV=production by default")
    dockerfiles = {
        Path(b.get("context", "."), b.get("dockerfile", "Dockerfile"))
        for s in services.values()
        if (b := s.get("build"))
    }
    for df in sorted(dockerfiles):
        runtime = False
        found = False
        for _, instr, args in dockerfile_instructions(df):
            if instr == "FROM":
                runtime = " AS runtime" in args or " as runtime" in args
            if runtime and instr == "ENV" and re.search(r"(^|\s)RESOLVE_ENV=production(\s|$)", args):
                found = True
        if found:
            ok(f"{rel(df, root)}: the runtime image sets RESOLVE_ENV=production")
        else:
            fail(f"{rel(df, root)}: the runtime stage does not set ENV RESOLVE_ENV=production")

    # 2. The Temporal UI: sign-in on, with the API's own identity provider, and read-only.
    ui = services.get("temporal-ui")
    if not ui:
        fail("no temporal-ui service in the compose file")
        return
    env = ui.get("environment") or {}
    if env.get("TEMPORAL_AUTH_ENABLED") != "true":
        fail(f"temporal-ui: TEMPORAL_AUTH_ENABLED is {env.get('TEMPORAL_AUTH_ENABLED')!r} by default, not 'true'")
    else:
        ok("temporal-ui: sign-in (TEMPORAL_AUTH_ENABLED) on by default")
    if env.get("TEMPORAL_DISABLE_WRITE_ACTIONS") != "true":
        fail(
            "temporal-ui: TEMPORAL_DISABLE_WRITE_ACTIONS is "
            f"{env.get('TEMPORAL_DISABLE_WRITE_ACTIONS')!r} by default, not 'true'"
        )
    else:
        ok("temporal-ui: write actions disabled by default")
    api_issuer = ((services.get("api") or {}).get("environment") or {}).get("AUTH_ISSUER")
    provider = env.get("TEMPORAL_AUTH_PROVIDER_URL")
    if not provider or provider != api_issuer:
        fail(f"temporal-ui: TEMPORAL_AUTH_PROVIDER_URL ({provider!r}) is not the API's AUTH_ISSUER ({api_issuer!r})")
    else:
        ok("temporal-ui: signs in with the API's identity provider (AUTH_ISSUER)")
    # From the operator's environment, with no default in the file: ${VAR?..} or ${VAR:?..}.
    text = compose_file.read_text()
    for key in UI_AUTH_FROM_ENV:
        values = re.findall(rf"^\s+{key}:\s*(.*?)\s*$", text, re.M)
        if len(values) != 1:
            fail(f"temporal-ui: {key} should be set exactly once in {rel(compose_file, root)} (found {len(values)})")
        elif not re.fullmatch(r"['\"]?\$\{[A-Za-z_][A-Za-z0-9_]*:?\?[^}]*\}['\"]?", values[0]):
            fail(f"temporal-ui: {key} must come from a required variable (${{VAR?message}}), not {values[0]!r}")
        else:
            ok(f"temporal-ui: {key} from a required variable, no default")


def main() -> int:
    if len(sys.argv) >= 5 and sys.argv[1] == "security":
        model = json.loads(Path(sys.argv[2]).read_text())
        check_security(model, Path(sys.argv[3]).resolve(), Path(sys.argv[4]).resolve())
        return 1 if failures else 0
    if len(sys.argv) < 4 or sys.argv[1] not in ("refs", "search-attributes"):
        print(__doc__, file=sys.stderr)
        return 2
    model = json.loads(Path(sys.argv[2]).read_text())
    root = Path(sys.argv[3]).resolve()
    if sys.argv[1] == "refs":
        check_refs(model, root, strict="--strict" in sys.argv[4:])
    else:
        check_search_attributes(model, root)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
