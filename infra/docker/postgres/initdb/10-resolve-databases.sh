#!/usr/bin/env bash
# Postgres first-start script (mounted into /docker-entrypoint-initdb.d; the postgres image
# runs it once, when the data volume is empty, as the superuser over the local socket).
#
# One server, two tenants kept apart:
#   temporal  owns temporal + temporal_visibility  (Temporal's persistence and visibility)
#   resolve   owns resolve                         (the application: TypeORM migrations)
#   resolve_app owns nothing                       (what the services serve as)
# Neither role may connect to the other's databases, and neither is a superuser. In
# production they would be two separate servers (see infra/README.md).
#
# Passwords come from the environment (TEMPORAL_DB_PASSWORD, RESOLVE_DB_PASSWORD) and are
# passed to psql as variables, so they appear in no file. Changing them later means
# ALTER ROLE (or a fresh volume): this script never runs again on an initialised volume.
set -euo pipefail

: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD is required}"
: "${RESOLVE_DB_PASSWORD:?RESOLVE_DB_PASSWORD is required}"
: "${RESOLVE_APP_DB_PASSWORD:?RESOLVE_APP_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v resolve_password="$RESOLVE_DB_PASSWORD" \
  -v resolve_app_password="$RESOLVE_APP_DB_PASSWORD" <<'SQL'
-- Roles: login only; no CREATEDB, CREATEROLE or superuser.
CREATE ROLE temporal WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'temporal_password';
CREATE ROLE resolve  WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'resolve_password';
-- The role the services serve as: it owns nothing, so it cannot switch off the append-only
-- triggers; the API grants it its rights after migrating as resolve (MIGRATIONS_DATABASE_URL).
CREATE ROLE resolve_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'resolve_app_password';

-- Temporal. Its visibility schema runs CREATE EXTENSION btree_gin itself (a trusted
-- extension, so the database owner may), so it is not created here.
CREATE DATABASE temporal            OWNER temporal ENCODING 'UTF8';
CREATE DATABASE temporal_visibility OWNER temporal ENCODING 'UTF8';

-- The application.
CREATE DATABASE resolve OWNER resolve ENCODING 'UTF8';

-- Keep the tenants apart: by default every role may connect to every database.
REVOKE ALL ON DATABASE temporal, temporal_visibility, resolve FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE temporal, temporal_visibility TO temporal;
GRANT CONNECT, TEMPORARY ON DATABASE resolve TO resolve, resolve_app;

-- Each database's public schema belongs to its owner (Postgres 15+ no longer lets every
-- role create objects there).
\connect temporal
ALTER SCHEMA public OWNER TO temporal;
\connect temporal_visibility
ALTER SCHEMA public OWNER TO temporal;
\connect resolve
ALTER SCHEMA public OWNER TO resolve;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO resolve;
SQL

echo "[initdb] created roles temporal, resolve, resolve_app and databases temporal, temporal_visibility, resolve"
