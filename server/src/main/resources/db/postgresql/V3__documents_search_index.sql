-- PostgreSQL only: a GIN-indexed tsvector of the same normalised terms, so a search narrows its
-- candidates through the index before the shared ranking SQL runs ('simple': no stemming, no stop
-- words, exactly the terms FineHero indexed).
ALTER TABLE documents
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', title_terms || ' ' || content_terms)) STORED;

CREATE INDEX documents_search ON documents USING GIN (search_vector);
