-- The databases of docker-compose.yml's PostgreSQL (make cluster creates the same ones on the machine's).
CREATE DATABASE ischool_tracker;
CREATE DATABASE ischool_knowledge;
CREATE DATABASE ischool_handoffs;
