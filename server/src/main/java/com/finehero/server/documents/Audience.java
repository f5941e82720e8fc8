package com.finehero.server.documents;

import java.util.Objects;

import com.finehero.api.auth.v1.Role;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.Visibility;
import com.finehero.server.platform.security.JurisdictionScope;
import com.finehero.server.platform.security.Principal;

/**
 * Whose documents a read may return: every PUBLIC one, and the PRIVATE ones of {@code subject}, or of
 * every owner for staff. Admins and analysts see every owner; API users (a city's or partner's systems)
 * see only what they own, so one integration never reads another's exports or imports. A jurisdiction
 * scope limits the PRIVATE ones further to those of its jurisdictions; PUBLIC documents (statutes,
 * regulations, precedents: public law, cited across jurisdictions) stay readable to every scope.
 *
 * <p>{@link #toString()} is part of page-cache keys and page tokens: unscoped staff share pages, everyone
 * else has their own.
 */
public record Audience(String subject, boolean everyOwner, JurisdictionScope scope) {

    /** In-process work that must see every document (reindexing). */
    public static final Audience EVERY_OWNER = new Audience("system", true);

    public Audience {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(scope, "scope");
    }

    /** An audience that reaches every jurisdiction. */
    public Audience(String subject, boolean everyOwner) {
        this(subject, everyOwner, JurisdictionScope.NONE);
    }

    public static Audience of(Principal principal) {
        return new Audience(principal.subject(), principal.has(Role.ROLE_ADMIN) || principal.has(Role.ROLE_ANALYST),
                principal.scope());
    }

    /** The audience of the call (or task) this thread serves. */
    public static Audience current() {
        return of(Principal.current());
    }

    /** The same decision as the SQL condition of {@link JdbcDocumentStore}, for documents read from a cache. */
    boolean mayRead(Document document) {
        return document.getVisibility() == Visibility.VISIBILITY_PUBLIC
                || ((everyOwner || document.getOwner().equals(subject)) && scope.reaches(document.getJurisdiction()));
    }

    /** Whether reads need a condition at all: an unscoped staff audience reads everything. */
    boolean readsEverything() {
        return everyOwner && !scope.limited();
    }

    @Override
    public String toString() {
        return (everyOwner ? "every-owner" : "owner=" + subject) + (scope.limited() ? " in " + scope : "");
    }
}
