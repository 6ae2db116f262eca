#!/usr/bin/env bash
# First start of the postgres container: one LOGIN role and one database per service, owned by
# that role and closed to every other role (REVOKE ALL ... FROM PUBLIC), as localinfra does.
# Passwords come from TANGVAT_<SERVICE>_DB_PASSWORD (see docker-compose.yml).
set -euo pipefail

# keycloak: the identity provider's own database.
for service in intake custody disposal audit keycloak; do
  password_var="TANGVAT_${service^^}_DB_PASSWORD"
  password="${!password_var:?$password_var is not set}"
  psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres \
       -v name="$service" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'name', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'name') \gexec
SQL
done
