-- Runs once, when the PostgreSQL container initialises an empty data volume
-- (/docker-entrypoint-initdb.d), as the superuser.
--
-- One database per service (docs/architecture.md): no service reads another's store, so each can be
-- migrated, backed up, restored and moved on its own. Each database is owned by the application
-- role, so the service's migrations (run on start) can create its tables; since PostgreSQL 15 the
-- public schema belongs to the database owner, so no further grant is needed.
--
-- The password is for the local compose stack only. In production give each service its own role
-- and secret (see deploy/README.md).

CREATE ROLE safeguard WITH LOGIN PASSWORD 'safeguard';

CREATE DATABASE referrals OWNER safeguard;
CREATE DATABASE scheduling OWNER safeguard;
CREATE DATABASE notifications OWNER safeguard;
CREATE DATABASE audits OWNER safeguard;
CREATE DATABASE reporting OWNER safeguard;
-- The workspace keeps only its sessions there: it owns no case data.
CREATE DATABASE workspace OWNER safeguard;

-- Nobody but the owner (and the superuser) may connect to a service's database.
REVOKE CONNECT, TEMPORARY ON DATABASE referrals FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE scheduling FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE notifications FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE audits FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE reporting FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE workspace FROM PUBLIC;
