-- Search ranks inside PostgreSQL from the index and builds snippets from a stored excerpt.
-- excerpt: the opening of the content (Excerpts.CHARS characters), so a page of results never reads
-- whole contents; new and changed rows get theirs from the store.
ALTER TABLE documents ADD COLUMN excerpt TEXT;
UPDATE documents SET excerpt = LEFT(content, 16384);
ALTER TABLE documents ALTER COLUMN excerpt SET NOT NULL;

-- how many terms the title and content have, counted once at write time (each term in the padded
-- form takes two spaces): the length the rank is normalised by, without reading the vector again
ALTER TABLE documents ADD COLUMN term_count INTEGER NOT NULL DEFAULT 0;
UPDATE documents SET term_count = (LENGTH(title_terms) - LENGTH(REPLACE(title_terms, ' ', '')) - 2) / 2
                                + (LENGTH(content_terms) - LENGTH(REPLACE(content_terms, ' ', '')) - 2) / 2;

-- The vector now weighs title terms (A) above content terms (D), so ts_rank_cd ranks a title match
-- first with nothing but the vector; the search no longer rechecks with string functions.
DROP INDEX documents_search;
ALTER TABLE documents DROP COLUMN search_vector;
ALTER TABLE documents
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (setweight(to_tsvector('simple', title_terms), 'A')
                         || setweight(to_tsvector('simple', content_terms), 'D')) STORED;
CREATE INDEX documents_search ON documents USING GIN (search_vector);
