-- The ranking SQL reads title_terms and content_terms with several string functions per row; stored
-- compressed (TOAST's default for long text) each of them decompresses the value again. Kept
-- out of line but uncompressed, they are read as they are. New and updated rows take the setting.
ALTER TABLE documents ALTER COLUMN title_terms SET STORAGE EXTERNAL;
ALTER TABLE documents ALTER COLUMN content_terms SET STORAGE EXTERNAL;
