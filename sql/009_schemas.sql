-- Event schemas (issue 18): the JSON Schema (draft 2020-12) of each
-- type's data, loaded from sql/catalog.json by migrate with the rest of
-- the entry, served by GET /api/v1/event-types and shown on the event
-- catalog page.
--
-- Re-runnable, and quick: event_types holds one row per catalog type.
-- NULL only for a type that left the catalog before it had a schema
-- (migrate never deletes a type); it is served as {}, which every value
-- meets.
ALTER TABLE event_types
  ADD COLUMN IF NOT EXISTS data_schema MEDIUMTEXT NULL;
