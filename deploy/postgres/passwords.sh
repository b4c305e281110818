#!/bin/sh
# docker-entrypoint-initdb.d step 2: each service role's password from the environment.
set -eu
for svc in gateway stratification referrals caseload careplans dispatch ops; do
  var=$(echo "${svc}_DB_PASSWORD" | tr '[:lower:]' '[:upper:]')
  pw=$(printenv "$var" || true)
  if [ -z "$pw" ]; then echo "missing $var" >&2; exit 1; fi
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="$svc" -v pw="$pw" <<'SQL'
ALTER ROLE :"role" PASSWORD :'pw';
SQL
done
