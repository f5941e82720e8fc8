package com.finehero.server.platform.paging;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * Opaque cursor tokens: the position of the last item of a page, bound to the filters it was made
 * for. A token used with other filters, cut short or made up is INVALID_ARGUMENT, never a wrong page.
 * Tokens are not secrets: authorisation is applied to every page regardless of the token.
 */
public final class PageTokens {

    private static final String VERSION = "1";
    private static final char SEPARATOR = '\u001f';

    private PageTokens() {
    }

    /** Encodes {@code position} for the listing identified by {@code scope} (its filters, canonically). */
    public static String encode(String scope, List<String> position) {
        String body = VERSION + SEPARATOR + fingerprint(scope) + SEPARATOR + String.join(String.valueOf(SEPARATOR), position);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Decodes a token made by {@link #encode} for the same scope; {@code parts} values expected. */
    public static List<String> decode(String token, String scope, int parts) {
        String body;
        try {
            body = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        List<String> fields = Arrays.asList(body.split(String.valueOf(SEPARATOR), -1));
        if (fields.size() != parts + 2 || !VERSION.equals(fields.get(0))) {
            throw invalid();
        }
        if (!fingerprint(scope).equals(fields.get(1))) {
            throw FineHeroException.invalidField("page_token", "was made for other filters; repeat the request with the filters of the first page");
        }
        return fields.subList(2, fields.size());
    }

    private static FineHeroException invalid() {
        return FineHeroException.invalidField("page_token", "is not a token returned by this listing");
    }

    private static String fingerprint(String scope) {
        CRC32 crc = new CRC32();
        crc.update(scope.getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }
}
