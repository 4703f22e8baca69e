-- Run once by the postgres image when its data volume is new (docker-compose.yml): the
-- engines' tracker database beside the case store's (`bluelamp`, made by POSTGRES_DB).
-- Outside containers, create both databases the same way before the first release.
CREATE DATABASE bluelamp_tracker OWNER bluelamp;
