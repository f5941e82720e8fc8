package com.finehero.server.documents;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.finehero.api.documents.v1.Document;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;

/** Decisions about documents, free of I/O: what a new version looks like, what an update may change. */
public final class DocumentRules {

    static final Set<String> UPDATABLE = Set.of("title", "kind", "jurisdiction", "tags", "content", "content_type", "author");

    private final Clock clock;
    private final long maxContentBytes;

    public DocumentRules(Clock clock, long maxContentBytes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxContentBytes = maxContentBytes;
    }

    public long maxContentBytes() {
        return maxContentBytes;
    }

    Instant now() {
        return Times.truncate(clock.instant());
    }

    /** A new document from a request (also used by tasks that write documents): server fields set. */
    public Document newDocument(Document requested) {
        Timestamp now = Times.toProto(now());
        return withContentFacts(normalise(requested.toBuilder()
                .setId(UUID.randomUUID().toString())
                .setVersion(1)
                .setCreateTime(now)
                .setUpdateTime(now)
                .build()));
    }

    public Document update(Document current, Document changes, FieldMask mask) {
        if (changes.getVersion() != current.getVersion()) {
            throw new FineHeroException.Aborted("STALE_VERSION", "document " + current.getId() + " is at version "
                    + current.getVersion() + ", the update was based on version " + changes.getVersion()
                    + "; read it again and retry");
        }
        if (mask.getPathsCount() == 0) {
            throw FineHeroException.invalidField("update_mask", "name at least one field to update");
        }
        Document.Builder updated = current.toBuilder();
        for (String path : mask.getPathsList()) {
            switch (path) {
                case "title" -> {
                    if (changes.getTitle().isBlank()) {
                        throw FineHeroException.invalidField("document.title", "must not be empty");
                    }
                    updated.setTitle(changes.getTitle());
                }
                case "kind" -> {
                    if (changes.getKindValue() == 0) {
                        throw FineHeroException.invalidField("document.kind", "must be set");
                    }
                    updated.setKind(changes.getKind());
                }
                case "jurisdiction" -> updated.setJurisdiction(changes.getJurisdiction());
                case "tags" -> updated.clearTags().addAllTags(changes.getTagsList());
                case "content" -> updated.setContent(changes.getContent());
                case "content_type" -> updated.setContentType(changes.getContentType());
                case "author" -> updated.setAuthor(changes.getAuthor());
                default -> throw FineHeroException.invalidField("update_mask", "'" + path
                        + "' cannot be updated (updatable: " + String.join(", ", UPDATABLE.stream().sorted().toList()) + ")");
            }
        }
        return withContentFacts(normalise(updated
                .setVersion(current.getVersion() + 1)
                .setUpdateTime(Times.toProto(now()))
                .build()));
    }

    /** Size and checksum of the content; the size limit applies to every way content arrives. */
    Document withContentFacts(Document document) {
        byte[] bytes = document.getContent().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxContentBytes) {
            throw new FineHeroException.InvalidArgument("DOCUMENT_TOO_LARGE", "the content is " + bytes.length
                    + " bytes; the limit is " + maxContentBytes + " bytes (finehero.documents.max-bytes)", List.of(
                    new FineHeroException.FieldViolation("document.content", "larger than " + maxContentBytes + " bytes")));
        }
        return document.toBuilder().setSizeBytes(bytes.length).setChecksumSha256(sha256(bytes)).build();
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static Document normalise(Document document) {
        return document.toBuilder()
                .setTitle(document.getTitle().strip())
                .setJurisdiction(document.getJurisdiction().toUpperCase(Locale.ROOT))
                .setContentType(document.getContentType().isEmpty() ? "text/plain" : document.getContentType())
                .build();
    }
}
