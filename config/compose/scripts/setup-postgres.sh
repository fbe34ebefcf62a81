#!/bin/sh
# Creates the Temporal persistence and visibility databases in PostgreSQL and brings their schemas up to the version
# shipped in this admin-tools image. Safe to re-run: create tolerates an existing database, update-schema is idempotent.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT="${DB_PORT:-5432}"
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

until nc -z -w 5 "$POSTGRES_SEEDS" "$PORT"; do echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT"; sleep 2; done

sql() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"; }

for db in temporal temporal_visibility; do
  sql --db "$db" create || echo "database $db already exists"
done
# setup-schema -v 0.0 only creates the version table; it fails harmlessly once the schema exists.
sql --db temporal setup-schema -v 0.0 || true
sql --db temporal update-schema -d "$SCHEMA_DIR/temporal/versioned"
sql --db temporal_visibility setup-schema -v 0.0 || true
sql --db temporal_visibility update-schema -d "$SCHEMA_DIR/visibility/versioned"
echo "PostgreSQL schemas ready"
