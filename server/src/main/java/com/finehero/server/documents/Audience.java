package com.finehero.server.documents;

import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.security.Principal;

/**
 * Whose documents a read may return: every PUBLIC one, and the PRIVATE ones of {@code subject}, or of
 * every owner for staff. Admins and analysts see every owner; API users (a city's or partner's systems)
 * see only what they own, so one integration never reads another's exports or imports.
 *
 * <p>{@link #toString()} is part of page-cache keys and page tokens: staff share pages, everyone else
 * has their own.
 */
public record Audience(String subject, boolean everyOwner) {

    /** In-process work that must see every document (reindexing). */
    public static final Audience EVERY_OWNER = new Audience("system", true);

    public Audience {
        Objects.requireNonNull(subject, "subject");
    }

    public static Audience of(Principal principal) {
        return new Audience(principal.subject(), principal.has(Role.ROLE_ADMIN) || principal.has(Role.ROLE_ANALYST));
    }

    /** The audience of the call (or task) this thread serves. */
    public static Audience current() {
        return of(Principal.current());
    }

    /** The same decision as the SQL condition of {@link JdbcDocumentStore}, for documents read from a cache. */
    boolean mayRead(Document document) {
        return everyOwner || document.getVisibility() == Visibility.VISIBILITY_PUBLIC || document.getOwner().equals(subject);
    }

    @Override
    public String toString() {
        return everyOwner ? "every-owner" : "owner=" + subject;
    }
}
