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

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;

/** Decisions about documents, free of I/O: what a new version looks like, what an update may change. */
public final class DocumentRules {

    static final Set<String> UPDATABLE = Set.of("title", "kind", "jurisdiction", "tags", "content", "content_type", "author",
            "visibility");
    /** Who owns what was stored without an owner: staff alone read it while it is PRIVATE. */
    static final String SYSTEM_OWNER = "system";
    /** The content type of a PDF: its original is kept as uploaded, its content is the text read from it. */
    static final String PDF = "application/pdf";

    private final Clock clock;
    private final long maxContentBytes;

    DocumentRules(Clock clock, long maxContentBytes) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxContentBytes = maxContentBytes;
    }

    public long maxContentBytes() {
        return maxContentBytes;
    }

    Instant now() {
        return Times.truncate(clock.instant());
    }

    /**
     * Whether {@code caller} may make a document PUBLIC: admins and API users (who load statutes and
     * templates); anyone else's documents are PRIVATE to them.
     */
    public static boolean mayPublish(Principal caller) {
        return caller.has(Role.ROLE_ADMIN) || caller.has(Role.ROLE_API_USER);
    }

    /**
     * A new document a caller sends (CreateDocument, UploadDocument): owned by the caller; unspecified
     * visibility is PUBLIC for those who may publish, PRIVATE for everyone else.
     */
    public Document newDocument(Document requested, Principal caller) {
        boolean mayPublish = mayPublish(caller);
        Visibility visibility = requested.getVisibility();
        if (visibility == Visibility.VISIBILITY_UNSPECIFIED) {
            visibility = mayPublish ? Visibility.VISIBILITY_PUBLIC : Visibility.VISIBILITY_PRIVATE;
        }
        checkMayPublish(visibility, mayPublish);
        Document.Builder owned = requested.toBuilder().setOwner(caller.subject()).setVisibility(visibility);
        if (owned.getJurisdiction().isEmpty() && caller.scope().limited()) {
            owned.setJurisdiction(caller.scope().code()); // what a scoped caller writes lies within its scope
        }
        return withinScope(newDocument(owned.build()), caller);
    }

    /**
     * A new document with its owner and visibility as given (tasks that write documents set both):
     * server fields set. Without an owner it belongs to "system"; without a visibility it is PRIVATE.
     */
    public Document newDocument(Document requested) {
        Timestamp now = Times.toProto(now());
        Document.Builder owned = requested.toBuilder();
        if (owned.getOwner().isEmpty()) {
            owned.setOwner(SYSTEM_OWNER);
        }
        if (owned.getVisibility() == Visibility.VISIBILITY_UNSPECIFIED) {
            owned.setVisibility(Visibility.VISIBILITY_PRIVATE);
        }
        return withContentFacts(normalise(owned
                .setId(UUID.randomUUID().toString())
                .setVersion(1)
                .setCreateTime(now)
                .setUpdateTime(now)
                .build()));
    }

    /** An update that may not make a document PUBLIC (tasks that rewrite their own documents). */
    public Document update(Document current, Document changes, FieldMask mask) {
        return update(current, changes, mask, false);
    }

    /** An update by {@code caller}: only those who {@link #mayPublish} may set visibility PUBLIC. */
    public Document update(Document current, Document changes, FieldMask mask, Principal caller) {
        withinScope(current, caller);
        return withinScope(update(current, changes, mask, mayPublish(caller)), caller);
    }

    /**
     * The document, if a caller with a jurisdiction scope may write it: it lies within the scope (PUBLIC
     * documents of other jurisdictions are readable, not writable). PERMISSION_DENIED (OUT_OF_SCOPE) otherwise.
     */
    private static Document withinScope(Document document, Principal caller) {
        if (!caller.scope().reaches(document.getJurisdiction())) {
            throw caller.scope().outOfScope("document.jurisdiction", document.getJurisdiction());
        }
        return document;
    }

    private Document update(Document current, Document changes, FieldMask mask, boolean mayPublish) {
        if (changes.getVersion() != current.getVersion()) {
            throw new FineHeroException.Aborted("STALE_VERSION", "document " + current.getId() + " is at version "
                    + current.getVersion() + ", the update was based on version " + changes.getVersion()
                    + "; read it again and retry");
        }
        if (mask.getPathsCount() == 0) {
            throw FineHeroException.invalidField("update_mask", "name at least one field to update");
        }
        boolean pdf = PDF.equals(current.getContentType());
        Document.Builder updated = current.toBuilder();
        for (String path : mask.getPathsList()) {
            if (pdf && (path.equals("content") || path.equals("content_type"))) {
                throw FineHeroException.failedPrecondition("PDF_CONTENT_READ_ONLY", "document " + current.getId()
                        + " is a PDF: its content is the text of its original file and cannot be changed ('" + path
                        + "'); upload the new file as a new document");
            }
            if (path.equals("content_type") && PDF.equals(changes.getContentType())) {
                throw FineHeroException.invalidField("document.content_type",
                        "application/pdf arrives by UploadDocument, which keeps the original file");
            }
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
                case "visibility" -> {
                    if (changes.getVisibility() == Visibility.VISIBILITY_UNSPECIFIED) {
                        throw FineHeroException.invalidField("document.visibility", "must be PUBLIC or PRIVATE");
                    }
                    checkMayPublish(changes.getVisibility(), mayPublish);
                    updated.setVisibility(changes.getVisibility());
                }
                default -> throw FineHeroException.invalidField("update_mask", "'" + path
                        + "' cannot be updated (updatable: " + String.join(", ", UPDATABLE.stream().sorted().toList()) + ")");
            }
        }
        return withContentFacts(normalise(updated
                .setVersion(current.getVersion() + 1)
                .setUpdateTime(Times.toProto(now()))
                .build()));
    }

    /**
     * Size and checksum of the content; the size limit applies to every way content arrives. A PDF's are
     * those of its original file, set when it was uploaded (its text is cut to the limit as it is read).
     */
    Document withContentFacts(Document document) {
        if (PDF.equals(document.getContentType())) {
            return document;
        }
        byte[] bytes = document.getContent().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxContentBytes) {
            throw new FineHeroException.InvalidArgument("DOCUMENT_TOO_LARGE", "the content is " + bytes.length
                    + " bytes; the limit is " + maxContentBytes + " bytes (finehero.documents.max-bytes)", List.of(
                    new FineHeroException.FieldViolation("document.content", "larger than " + maxContentBytes + " bytes")));
        }
        return document.toBuilder().setSizeBytes(bytes.length).setChecksumSha256(sha256(bytes)).build();
    }

    private static void checkMayPublish(Visibility visibility, boolean mayPublish) {
        if (visibility == Visibility.VISIBILITY_PUBLIC && !mayPublish) {
            throw new FineHeroException.PermissionDenied("PUBLISH_DENIED",
                    "document.visibility: PUBLIC (expected: PRIVATE; only admins and API users publish documents)");
        }
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
