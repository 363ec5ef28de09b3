#!/bin/sh
# Least-privilege roles for docker-compose.yml's PostgreSQL, run once after postgres-init.sql creates the
# databases (the image runs /docker-entrypoint-initdb.d/ in name order). Each database is owned by its own
# role, which can reach no other: a leaked password exposes one database, not the server.
#   ischool_tracker    owns ischool_tracker    (the Rasa servers' conversations; the purge)
#   ischool_knowledge  owns ischool_knowledge  (migrations, the action servers)
#   ischool_reader     reads ischool_knowledge (the Rasa servers: calendar files, the office's phone)
#   ischool_handoffs   owns ischool_handoffs   (migrations, the action servers, the purge)
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" \
  -v tracker="$TRACKER_DB_PASSWORD" -v knowledge="$KNOWLEDGE_DB_PASSWORD" \
  -v reader="$KNOWLEDGE_READER_PASSWORD" -v handoffs="$HANDOFF_DB_PASSWORD" <<'SQL'
CREATE ROLE ischool_tracker LOGIN PASSWORD :'tracker';
CREATE ROLE ischool_knowledge LOGIN PASSWORD :'knowledge';
CREATE ROLE ischool_reader LOGIN PASSWORD :'reader';
CREATE ROLE ischool_handoffs LOGIN PASSWORD :'handoffs';
REVOKE ALL ON DATABASE ischool_tracker, ischool_knowledge, ischool_handoffs FROM PUBLIC;
ALTER DATABASE ischool_tracker OWNER TO ischool_tracker;
ALTER DATABASE ischool_knowledge OWNER TO ischool_knowledge;
ALTER DATABASE ischool_handoffs OWNER TO ischool_handoffs;
GRANT CONNECT ON DATABASE ischool_knowledge TO ischool_reader;
\connect ischool_tracker
ALTER SCHEMA public OWNER TO ischool_tracker;
\connect ischool_handoffs
ALTER SCHEMA public OWNER TO ischool_handoffs;
\connect ischool_knowledge
ALTER SCHEMA public OWNER TO ischool_knowledge;
GRANT USAGE ON SCHEMA public TO ischool_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE ischool_knowledge IN SCHEMA public GRANT SELECT ON TABLES TO ischool_reader;
SQL
