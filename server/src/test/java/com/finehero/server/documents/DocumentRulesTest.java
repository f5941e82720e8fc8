package com.finehero.server.documents;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.db.Times;
import com.finehero.server.platform.errors.FineHeroException;
import com.finehero.server.platform.security.Principal;
import com.finehero.server.testing.SettableClock;
import com.google.protobuf.FieldMask;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static com.finehero.server.testing.Refusals.invalidField;
import static com.finehero.server.testing.Refusals.refused;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * DocumentRules without a server: each test names the rule it pins. DocumentsContractTest proves
 * these over the wire; here are the edges: the exact size limit in bytes, what an update resets,
 * which check comes first.
 */
class DocumentRulesTest {

    private static final Instant NOW = Instant.parse("2030-03-10T12:00:00.123456789Z");
    private static final Instant NOW_MICROS = Instant.parse("2030-03-10T12:00:00.123456Z");
    private static final long LIMIT = 16;

    private final SettableClock clock = new SettableClock();
    private final DocumentRules rules = new DocumentRules(clock, LIMIT);

    DocumentRulesTest() {
        clock.set(NOW);
    }

    private static Document.Builder draft() {
        return Document.newBuilder().setTitle("Parking Code").setKind(DocumentKind.DOCUMENT_KIND_STATUTE)
                .setJurisdiction("SF").setContent("no parking").setContentType("text/markdown").setAuthor("clerk");
    }

    private static FieldMask mask(String... paths) {
        return FieldMask.newBuilder().addAllPaths(List.of(paths)).build();
    }

    @Nested
    class Creating {
        @Test
        void aNewDocumentIsVersionOneWithServerFieldsFromTheClock() {
            Document document = rules.newDocument(draft().setId("ignored").setVersion(9).build());

            assertThat(UUID.fromString(document.getId()).version()).isEqualTo(4);
            assertThat(document.getVersion()).isEqualTo(1);
            assertThat(Times.toInstant(document.getCreateTime())).as("truncated to microseconds").isEqualTo(NOW_MICROS);
            assertThat(document.getUpdateTime()).isEqualTo(document.getCreateTime());
        }

        @Test
        void titleIsStrippedAndJurisdictionUpperCased() {
            Document document = rules.newDocument(draft().setTitle("  Parking Code \t").setJurisdiction("us-ca").build());
            assertThat(document.getTitle()).isEqualTo("Parking Code");
            assertThat(document.getJurisdiction()).isEqualTo("US-CA");
        }

        @Test
        void contentTypeDefaultsToPlainText() {
            assertThat(rules.newDocument(draft().clearContentType().build()).getContentType()).isEqualTo("text/plain");
            assertThat(rules.newDocument(draft().build()).getContentType()).isEqualTo("text/markdown");
        }

        @Test
        void contentIsStoredAsGiven() {
            Document document = rules.newDocument(draft().setContent("  <b>as is</b>\n").build());
            assertThat(document.getContent()).isEqualTo("  <b>as is</b>\n");
        }
    }

    @Nested
    class ContentFacts {
        @Test
        void sizeIsTheUtf8ByteCount() {
            Document document = rules.newDocument(draft().setContent("Héllo").build());
            assertThat(document.getSizeBytes()).as("é takes two bytes").isEqualTo(6);
        }

        @Test
        void checksumIsTheLowerCaseHexSha256OfTheUtf8Bytes() {
            assertThat(DocumentRules.sha256("abc".getBytes(StandardCharsets.UTF_8)))
                    .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
            assertThat(rules.newDocument(draft().setContent("").build()).getChecksumSha256())
                    .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }

        @Test
        void contentExactlyAtTheLimitIsAccepted() {
            assertThat(rules.newDocument(draft().setContent("x".repeat((int) LIMIT)).build()).getSizeBytes()).isEqualTo(LIMIT);
        }

        @Test
        void contentOneByteOverTheLimitIsTooLarge() {
            FineHeroException.InvalidArgument e = refused(FineHeroException.InvalidArgument.class,
                    () -> rules.newDocument(draft().setContent("x".repeat((int) LIMIT + 1)).build()));
            assertThat(e.reason()).isEqualTo("DOCUMENT_TOO_LARGE");
            assertThat(e.getMessage()).isEqualTo("the content is 17 bytes; the limit is 16 bytes (finehero.documents.max-bytes)");
            assertThat(e.violations()).singleElement().satisfies(v -> {
                assertThat(v.field()).isEqualTo("document.content");
                assertThat(v.description()).isEqualTo("larger than 16 bytes");
            });
        }

        @Test
        void theLimitCountsBytesNotCharacters() {
            String eightAccents = "é".repeat(8);
            assertThat(rules.newDocument(draft().setContent(eightAccents).build()).getSizeBytes()).isEqualTo(16);
            refused(FineHeroException.InvalidArgument.class, () -> rules.newDocument(draft().setContent(eightAccents + "x").build()));
        }

        @Test
        void theLimitIsTheConfiguredOne() {
            assertThat(rules.maxContentBytes()).isEqualTo(LIMIT);
        }
    }

    @Nested
    class Updating {
        private final Document current = rules.newDocument(draft().addTags("parking").addTags("meters").build());

        private Document.Builder changes() {
            return Document.newBuilder().setId(current.getId()).setVersion(current.getVersion());
        }

        @Test
        void anUpdateIsTheNextVersionAndKeepsWhatIsNotMasked() {
            clock.advance(Duration.ofMinutes(3));
            Document updated = rules.update(current, changes().setTitle("Renamed").setAuthor("not in the mask").build(), mask("title"));

            assertThat(updated.getTitle()).isEqualTo("Renamed");
            assertThat(updated.getAuthor()).isEqualTo("clerk");
            assertThat(updated.getVersion()).isEqualTo(2);
            assertThat(updated.getCreateTime()).isEqualTo(current.getCreateTime());
            assertThat(Times.toInstant(updated.getUpdateTime())).isEqualTo(NOW_MICROS.plus(Duration.ofMinutes(3)));
            assertThat(updated.toBuilder().setTitle(current.getTitle()).setVersion(1).setUpdateTime(current.getUpdateTime()).build())
                    .isEqualTo(current);
        }

        @Test
        void aStaleVersionIsAbortedBeforeTheMaskIsLookedAt() {
            FineHeroException.Aborted e = refused(FineHeroException.Aborted.class,
                    () -> rules.update(current, changes().setVersion(0).build(), FieldMask.getDefaultInstance()));
            assertThat(e.reason()).isEqualTo("STALE_VERSION");
            assertThat(e.getMessage()).contains("is at version 1").contains("based on version 0");
        }

        @Test
        void anEmptyMaskIsInvalid() {
            invalidField(() -> rules.update(current, changes().build(), FieldMask.getDefaultInstance()),
                    "update_mask", "name at least one field");
        }

        @Test
        void onlyTheUpdatableFieldsMayBeMasked() {
            for (String path : new String[] {"id", "version", "size_bytes", "checksum_sha256", "create_time", "nonsense"}) {
                FineHeroException.InvalidArgument e = refused(FineHeroException.InvalidArgument.class,
                        () -> rules.update(current, changes().build(), mask(path)));
                assertThat(e.violations()).extracting(FineHeroException.FieldViolation::field).containsExactly("update_mask");
                assertThat(e.getMessage()).contains("'" + path + "' cannot be updated")
                        .contains("(updatable: author, content, content_type, jurisdiction, kind, tags, title, visibility)");
            }
        }

        @Test
        void theTitleMustNotBeBlank() {
            invalidField(() -> rules.update(current, changes().setTitle("   ").build(), mask("title")), "document.title", "must not be empty");
        }

        @Test
        void theKindMustBeSet() {
            invalidField(() -> rules.update(current, changes().build(), mask("kind")), "document.kind", "must be set");
            assertThat(rules.update(current, changes().setKind(DocumentKind.DOCUMENT_KIND_GUIDE).build(), mask("kind")).getKind())
                    .isEqualTo(DocumentKind.DOCUMENT_KIND_GUIDE);
        }

        @Test
        void tagsAreReplacedNotAdded() {
            Document retagged = rules.update(current, changes().addTags("towing").build(), mask("tags"));
            assertThat(retagged.getTagsList()).containsExactly("towing");
            assertThat(rules.update(current, changes().build(), mask("tags")).getTagsList()).as("cleared").isEmpty();
        }

        @Test
        void newContentGetsNewSizeAndChecksum() {
            Document updated = rules.update(current, changes().setContent("tow away").build(), mask("content"));
            assertThat(updated.getSizeBytes()).isEqualTo(8);
            assertThat(updated.getChecksumSha256()).isEqualTo(DocumentRules.sha256("tow away".getBytes(StandardCharsets.UTF_8)));
        }

        @Test
        void theSizeLimitAppliesToUpdatesToo() {
            FineHeroException.InvalidArgument e = refused(FineHeroException.InvalidArgument.class,
                    () -> rules.update(current, changes().setContent("y".repeat((int) LIMIT + 1)).build(), mask("content")));
            assertThat(e.reason()).isEqualTo("DOCUMENT_TOO_LARGE");
        }

        @Test
        void updatedFieldsAreNormalisedLikeNewOnes() {
            Document updated = rules.update(current, changes().setTitle(" Spaced ").setJurisdiction("ny").build(),
                    mask("title", "jurisdiction", "content_type"));
            assertThat(updated.getTitle()).isEqualTo("Spaced");
            assertThat(updated.getJurisdiction()).isEqualTo("NY");
            assertThat(updated.getContentType()).as("a cleared content type falls back to plain text").isEqualTo("text/plain");
        }

        @Test
        void jurisdictionAndAuthorMayBeCleared() {
            Document updated = rules.update(current, changes().build(), mask("jurisdiction", "author"));
            assertThat(updated.getJurisdiction()).isEmpty();
            assertThat(updated.getAuthor()).isEmpty();
        }
    }

    @Nested
    class OwnerAndVisibility {
        private static Principal caller(Role role) {
            return new Principal("subject-" + role.name(), "someone", Set.of(role), Principal.Credential.ACCESS_TOKEN, "t", null);
        }

        @Test
        void aCallersDocumentIsTheirsAndPublicOnlyIfTheyMayPublish() {
            Document byAdmin = rules.newDocument(draft().setOwner("someone else").build(), caller(Role.ROLE_ADMIN));
            assertThat(byAdmin.getOwner()).as("the server sets the owner").isEqualTo("subject-ROLE_ADMIN");
            assertThat(byAdmin.getVisibility()).isEqualTo(Visibility.VISIBILITY_PUBLIC);
            assertThat(rules.newDocument(draft().build(), caller(Role.ROLE_API_USER)).getVisibility()).isEqualTo(Visibility.VISIBILITY_PUBLIC);
            assertThat(rules.newDocument(draft().build(), caller(Role.ROLE_VIEWER)).getVisibility())
                    .as("a viewer's document is private to them").isEqualTo(Visibility.VISIBILITY_PRIVATE);
            FineHeroException e = refused(FineHeroException.PermissionDenied.class,
                    () -> rules.newDocument(draft().setVisibility(Visibility.VISIBILITY_PUBLIC).build(), caller(Role.ROLE_VIEWER)));
            assertThat(e.reason()).isEqualTo("PUBLISH_DENIED");
        }

        @Test
        void aDocumentWithoutOwnerOrVisibilityIsPrivateToTheSystem() {
            Document document = rules.newDocument(draft().build());
            assertThat(document.getOwner()).isEqualTo("system");
            assertThat(document.getVisibility()).isEqualTo(Visibility.VISIBILITY_PRIVATE);
        }

        @Test
        void onlyPublishersMakeADocumentPublic() {
            Document current = rules.newDocument(draft().setVisibility(Visibility.VISIBILITY_PRIVATE).build(), caller(Role.ROLE_API_USER));
            Document changes = Document.newBuilder().setVersion(1).setVisibility(Visibility.VISIBILITY_PUBLIC).build();
            assertThat(rules.update(current, changes, mask("visibility"), caller(Role.ROLE_API_USER)).getVisibility())
                    .isEqualTo(Visibility.VISIBILITY_PUBLIC);
            refused(FineHeroException.PermissionDenied.class, () -> rules.update(current, changes, mask("visibility")));
            refused(FineHeroException.InvalidArgument.class, () -> rules.update(current, Document.newBuilder().setVersion(1).build(),
                    mask("visibility"), caller(Role.ROLE_ADMIN)));
        }
    }
}
