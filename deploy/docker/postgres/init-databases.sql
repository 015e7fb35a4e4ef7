-- One database per Guichet service (each service owns its event store, outbox and read models).
-- Run once by the postgres image on an empty data volume (/docker-entrypoint-initdb.d/).
-- The owner is POSTGRES_USER (the role the services connect as in docker-compose.yml).
CREATE DATABASE intake;
CREATE DATABASE sla_clock;
CREATE DATABASE approvals;
CREATE DATABASE documents;
CREATE DATABASE retention;
