-- The opening of the content (Excerpts.CHARS characters), so a page of search results never reads
-- whole contents; new and changed rows get theirs from the store. (PostgreSQL's V17 also reweighs its
-- search vector, which H2 does not have.)
ALTER TABLE documents ADD COLUMN excerpt TEXT;
UPDATE documents SET excerpt = LEFT(content, 16384);
ALTER TABLE documents ALTER COLUMN excerpt SET NOT NULL;

-- how many terms the title and content have, counted once at write time (each term in the padded
-- form takes two spaces): the length the rank is normalised by, without reading the vector again
ALTER TABLE documents ADD COLUMN term_count INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET term_count = (LENGTH(title_terms) - LENGTH(REPLACE(title_terms, ' ', '')) - 2) / 2
                                + (LENGTH(content_terms) - LENGTH(REPLACE(content_terms, ' ', '')) - 2) / 2;
