package com.finehero.server.platform.observe;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RequestIdTest {

    private static final String ALLOWED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";

    @Test
    void newIdsAreDistinctVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestContext.newId();
            UUID uuid = UUID.fromString(id);
            assertThat(uuid.version()).isEqualTo(4);
            assertThat(uuid.variant()).isEqualTo(2);
            assertThat(uuid.toString()).isEqualTo(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void aCallersIdIsKeptOnlyWhenSane() {
        assertThat(RequestContext.requestIdFor("abc-123_X.y:z")).isEqualTo("abc-123_X.y:z");
        assertThat(RequestContext.requestIdFor("a".repeat(128))).isEqualTo("a".repeat(128));
        for (String insane : new String[] {"", "a".repeat(129), "a b", "id\n", "caf\u00e9", "x/y", "\u0661"}) {
            String given = RequestContext.requestIdFor(insane);
            assertThat(given).as(insane).isNotEqualTo(insane);
            assertThat(UUID.fromString(given).version()).isEqualTo(4);
        }
        assertThat(UUID.fromString(RequestContext.requestIdFor(null)).version()).isEqualTo(4);
    }

    @Test
    void sanityIsTheDocumentedCharacterSet() {
        Pattern documented = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder id = new StringBuilder();
            int length = random.nextInt(131);
            for (int j = 0; j < length; j++) {
                // mostly allowed characters, so both answers come up at every length
                id.append(random.nextInt(200) == 0 ? (char) random.nextInt(0x3000) : ALLOWED.charAt(random.nextInt(ALLOWED.length())));
            }
            String candidate = id.toString();
            assertThat(RequestContext.sane(candidate)).as(candidate).isEqualTo(documented.matcher(candidate).matches());
        }
    }
}
