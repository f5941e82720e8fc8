-- Every document belongs to an account and is PUBLIC (every signed-in caller) or PRIVATE (its owner and
-- the roles that see every owner). Same SQL on PostgreSQL and H2.
ALTER TABLE documents ADD COLUMN owner VARCHAR(100) NOT NULL DEFAULT 'system';
ALTER TABLE documents ADD COLUMN visibility VARCHAR(10) NOT NULL DEFAULT 'PUBLIC';

-- what tasks generated holds fines data: exports and imports stay with staff ('system' owns them) ...
UPDATE documents SET visibility = 'PRIVATE'
WHERE EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = documents.id
              AND t.tag IN ('fines-export', 'appeal-letter', 'fine-import', 'import'));

-- ... and an appeal letter (tagged fine-<id without dashes>) is its fine's owner's
UPDATE documents SET owner = COALESCE((
        SELECT MIN(f.owner_id) FROM fines f JOIN document_tags t ON t.tag = CONCAT('fine-', REPLACE(f.id, '-', ''))
        WHERE t.document_id = documents.id AND f.owner_id <> ''), owner)
WHERE EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = documents.id AND t.tag = 'appeal-letter');

-- new rows must say both
ALTER TABLE documents ALTER COLUMN owner DROP DEFAULT;
ALTER TABLE documents ALTER COLUMN visibility DROP DEFAULT;

-- a viewer's list: the PUBLIC ones and their own, newest first
CREATE INDEX documents_by_owner ON documents (owner, create_time DESC, id DESC);
