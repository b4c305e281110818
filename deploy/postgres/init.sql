-- One schema and one login role per service; a role can touch nothing outside its schema.
-- Idempotent: the dev runner applies it on every start, docker-compose on first boot.
-- Passwords are set separately (deploy/postgres/passwords.sh, or the dev runner).
DO $$
DECLARE
  svc text;
BEGIN
  FOREACH svc IN ARRAY ARRAY['gateway', 'stratification', 'referrals', 'caseload',
                             'careplans', 'dispatch', 'ops'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = svc) THEN
      EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', svc);
    END IF;
    EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', svc, svc);
    EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', svc);
    EXECUTE format('ALTER ROLE %I SET search_path = %I', svc, svc);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), svc);
  END LOOP;
  EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
