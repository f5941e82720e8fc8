package com.finehero.server.tasks;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import com.finehero.api.auth.v1.Role;

/**
 * The declaration of a task type. The registry ({@link TaskHandlers}) keeps it next to the type's
 * handler, so who may submit a type can be checked before a task is queued and listed for tests.
 *
 * @param name        what callers submit, e.g. {@code fine_import}
 * @param payload     what the payload may hold; checked at submission, so a malformed task is never queued
 * @param defaults    retries, backoff and concurrency when the submitter does not say otherwise
 * @param submitters  who may submit, cancel and retry tasks of this type
 */
public record TaskType(String name, PayloadSpec payload, TaskHandler.Defaults defaults, Submitters submitters) {

    public TaskType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(submitters, "submitters");
        if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("task type '" + name + "' must match [a-z][a-z0-9_]*");
        }
    }

    /** Who may submit, cancel and retry tasks of a type. */
    public sealed interface Submitters {

        /** Only the server schedules tasks of the type; no caller may submit, cancel or retry them. */
        static Submitters internalOnly() {
            return new InternalOnly();
        }

        /** Callers holding at least one of these roles. */
        static Submitters roles(Role first, Role... more) {
            return new AnyRole(EnumSet.of(first, more));
        }

        record InternalOnly() implements Submitters {
        }

        record AnyRole(Set<Role> roles) implements Submitters {
            public AnyRole {
                roles = Set.copyOf(roles);
                if (roles.isEmpty() || roles.contains(Role.ROLE_UNSPECIFIED) || roles.contains(Role.UNRECOGNIZED)) {
                    throw new IllegalArgumentException("submitter roles: " + roles + " (expected: at least one real role)");
                }
            }
        }
    }
}
