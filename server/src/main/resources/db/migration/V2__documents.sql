-- Legal documents, every version of them, and their tags. Same SQL on PostgreSQL and H2.
CREATE TABLE documents (
    id              VARCHAR(36)              PRIMARY KEY,
    title           VARCHAR(300)             NOT NULL,
    kind            VARCHAR(16)              NOT NULL,
    jurisdiction    VARCHAR(64)              NOT NULL DEFAULT '',
    tags            VARCHAR(1000)            NOT NULL DEFAULT '',
    content         TEXT                     NOT NULL,
    content_type    VARCHAR(32)              NOT NULL,
    size_bytes      BIGINT                   NOT NULL,
    checksum_sha256 CHAR(64)                 NOT NULL,
    version         BIGINT                   NOT NULL,
    author          VARCHAR(100)             NOT NULL DEFAULT '',
    create_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    update_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    delete_time     TIMESTAMP WITH TIME ZONE,
    -- normalised search terms, each padded by spaces (see TextTerms)
    title_terms     TEXT                     NOT NULL,
    content_terms   TEXT                     NOT NULL
);

CREATE INDEX documents_by_create ON documents (create_time DESC, id DESC);
CREATE INDEX documents_by_kind ON documents (kind, jurisdiction);

CREATE TABLE document_tags (
    document_id VARCHAR(36) NOT NULL REFERENCES documents (id),
    tag         VARCHAR(40) NOT NULL,
    PRIMARY KEY (document_id, tag)
);

CREATE INDEX document_tags_by_tag ON document_tags (tag, document_id);

-- every version, including the current one; content as it was
CREATE TABLE document_versions (
    document_id     VARCHAR(36)              NOT NULL REFERENCES documents (id),
    version         BIGINT                   NOT NULL,
    title           VARCHAR(300)             NOT NULL,
    kind            VARCHAR(16)              NOT NULL,
    jurisdiction    VARCHAR(64)              NOT NULL,
    tags            VARCHAR(1000)            NOT NULL,
    content         TEXT                     NOT NULL,
    content_type    VARCHAR(32)              NOT NULL,
    size_bytes      BIGINT                   NOT NULL,
    checksum_sha256 CHAR(64)                 NOT NULL,
    author          VARCHAR(100)             NOT NULL,
    create_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    update_time     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (document_id, version)
);
