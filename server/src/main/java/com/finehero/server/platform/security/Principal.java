package com.finehero.server.platform.security;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import com.finehero.api.auth.v1.Role;
import io.grpc.Context;

/**
 * Who a call runs as: the account, the roles this credential carries, how it was proven and the
 * jurisdictions it reaches. Services read it with {@link #current()} to decide ownership and scope; the
 * access check has already decided the role.
 */
public record Principal(String subject, String name, Set<Role> roles, Credential credential,
                        String tokenId, Instant expiresAt, JurisdictionScope scope) {

    /** How the caller proved who they are. */
    public enum Credential {
        ACCESS_TOKEN("access_token"), API_KEY("api_key"), ANONYMOUS("anonymous"), SYSTEM("system");

        private final String label;

        Credential(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static final Principal ANONYMOUS = new Principal("", "", Set.of(), Credential.ANONYMOUS, "", null);
    /** Work the platform does on its own behalf (bootstrap, scheduled tasks): every role. */
    public static final Principal SYSTEM = new Principal("system", "system",
            EnumSet.of(Role.ROLE_ADMIN, Role.ROLE_ANALYST, Role.ROLE_VIEWER, Role.ROLE_API_USER), Credential.SYSTEM, "", null);

    static final Context.Key<Principal> KEY = Context.key("finehero-principal");

    public Principal {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(name, "name");
        roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(tokenId, "tokenId");
        scope = scope == null ? JurisdictionScope.NONE : scope;
    }

    /** A principal that reaches every jurisdiction. */
    public Principal(String subject, String name, Set<Role> roles, Credential credential, String tokenId, Instant expiresAt) {
        this(subject, name, roles, credential, tokenId, expiresAt, JurisdictionScope.NONE);
    }

    /**
     * The principal of the call this thread serves. Outside any call there is none, and asking is a
     * bug, not a reason to grant every role: work the server does on its own behalf runs inside
     * {@code SYSTEM.attach(...)} (or is handed its principal) on purpose.
     *
     * @throws IllegalStateException when no principal is attached to the current context
     */
    public static Principal current() {
        Principal principal = KEY.get();
        if (principal == null) {
            throw new IllegalStateException("no caller is attached to this thread's context; "
                    + "work done without a caller must run as an explicit principal (Principal.SYSTEM.attach(...))");
        }
        return principal;
    }

    public boolean anonymous() {
        return credential == Credential.ANONYMOUS;
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /**
     * Admins, analysts and API users (a city's or partner's systems) see every owner's records; a viewer
     * only their own.
     */
    public boolean seesEveryOwner() {
        return has(Role.ROLE_ADMIN) || has(Role.ROLE_ANALYST) || has(Role.ROLE_API_USER);
    }

    /** Runs work as this principal (a test, a task acting for a user). */
    public Context attach(Context context) {
        return context.withValue(KEY, this);
    }

    @Override
    public String toString() {
        // never the token id: it is half of a credential in logs
        return "Principal[" + (anonymous() ? "anonymous" : subject + " " + roles + " via " + credential.label()
                + (scope.limited() ? " in " + scope : "")) + "]";
    }
}
