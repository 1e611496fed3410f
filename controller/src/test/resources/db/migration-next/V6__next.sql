-- A stand-in for the next real migration (tests only): a later Flyway migration must treat a database made by
-- FreshSchema exactly as one Flyway made.
ALTER TABLE hold ADD COLUMN note TEXT;
