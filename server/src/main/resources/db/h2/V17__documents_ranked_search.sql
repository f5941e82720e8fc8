-- The opening of the content (Excerpts.CHARS characters), so a page of search results never reads
-- whole contents; new and changed rows get theirs from the store. (PostgreSQL's V17 also reweighs its
-- search vector, which H2 does not have.)
ALTER TABLE documents ADD COLUMN excerpt TEXT;
UPDATE documents SET excerpt = LEFT(content, 16384);
ALTER TABLE documents ALTER COLUMN excerpt SET NOT NULL;
