-- PDFs: the original file is kept in the blob store under its SHA-256 (checksum_sha256, which for a PDF is
-- the original's), content holds the text read from it, pages separated by form feeds. Only how many pages
-- it has and whether any text was found are new. Same SQL on PostgreSQL and H2.
ALTER TABLE documents ADD COLUMN page_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE documents ADD COLUMN no_text BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE document_versions ADD COLUMN page_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE document_versions ADD COLUMN no_text BOOLEAN NOT NULL DEFAULT FALSE;
