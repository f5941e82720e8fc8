package com.finehero.server.auth;

import java.lang.System.Logger.Level;
import java.util.EnumSet;

import com.finehero.api.auth.v1.Role;
import com.finehero.server.platform.security.JurisdictionScope;
import com.finehero.server.platform.errors.FineHeroException;

/**
 * Creates the first admin from {@code finehero.auth.bootstrap-admin} at start-up, if no user of that
 * name exists yet. There is never a default password: without one configured, nobody is created. A
 * configured password that breaks the password rules stops the start, naming the rule. Since the
 * password sat in configuration, the admin must change it before signing in, unless
 * {@code must-change-password} is false.
 */
final class BootstrapAdmin {

    private static final System.Logger LOG = System.getLogger(BootstrapAdmin.class.getName());

    private BootstrapAdmin() {
    }

    /** Refuses a configured first-admin password that is too weak to hash and keep; needs no database. */
    static void checkPassword(AuthConfig config, Passwords passwords) {
        if (config.bootstrapPassword().isEmpty()) {
            return;
        }
        passwords.weakness(config.bootstrapPassword()).ifPresent(weak -> {
            throw new IllegalArgumentException("finehero.auth.bootstrap-admin.password (FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD) "
                    + weak.description());
        });
    }

    /** Creates the configured first admin unless an account of that name exists (see {@link #checkPassword}). */
    static void createIfMissing(AuthConfig config, UserStore users, Passwords passwords) {
        if (config.bootstrapPassword().isEmpty()) {
            if (users.list("", 1).isEmpty()) {
                LOG.log(Level.WARNING, "no users exist and finehero.auth.bootstrap-admin.password "
                        + "(FINEHERO_AUTH_BOOTSTRAP_ADMIN_PASSWORD) is not set: nobody can log in");
            }
            return;
        }
        checkPassword(config, passwords);
        if (users.findByUsername(config.bootstrapUsername()).isPresent()) {
            return;
        }
        try {
            users.create(config.bootstrapUsername(), "Administrator", EnumSet.of(Role.ROLE_ADMIN), JurisdictionScope.NONE, passwords.hash(config.bootstrapPassword()),
                    config.bootstrapMustChangePassword());
            LOG.log(Level.INFO, "created the first admin, " + UserStore.normalise(config.bootstrapUsername()));
        } catch (FineHeroException.AlreadyExists raced) {
            // another instance created it first
        }
    }
}
