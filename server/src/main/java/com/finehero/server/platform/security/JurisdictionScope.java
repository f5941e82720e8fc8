package com.finehero.server.platform.security;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

import com.finehero.server.platform.errors.FineHeroException;

/**
 * How far a caller reaches across jurisdictions: one code and every code below it ({@code US-CA-SF}
 * reaches {@code US-CA-SF} and {@code US-CA-SF-DOWNTOWN}, not {@code US-CA-SFO} nor {@code US-CA}), or
 * {@link #NONE}, no limit. Codes compare upper-case, as fines and documents store them.
 *
 * <p>{@link #toString()} is part of page-cache keys and page tokens: callers of different scopes never
 * share a page.
 */
public record JurisdictionScope(String code) {

    /** No limit: every jurisdiction. */
    public static final JurisdictionScope NONE = new JurisdictionScope("");

    private static final Pattern CODE = Pattern.compile("^[A-Z0-9][A-Z0-9_.]*(-[A-Z0-9_.]+)*$");

    public JurisdictionScope {
        Objects.requireNonNull(code, "code");
    }

    /**
     * The scope a stored or requested code names; empty or null: {@link #NONE}. INVALID_ARGUMENT naming
     * {@code field} for a code that is not a jurisdiction code.
     */
    public static JurisdictionScope of(String field, String code) {
        if (code == null || code.isBlank()) {
            return NONE;
        }
        String normalised = code.strip().toUpperCase(Locale.ROOT);
        if (normalised.length() > 64 || !CODE.matcher(normalised).matches()) {
            throw FineHeroException.invalidField(field, code + " (expected: a jurisdiction code such as US-CA-SF, at most 64 characters)");
        }
        return new JurisdictionScope(normalised);
    }

    /** Whether this scope limits anything. */
    public boolean limited() {
        return !code.isEmpty();
    }

    /** Whether a record of {@code jurisdiction} is within reach. */
    public boolean reaches(String jurisdiction) {
        if (!limited()) {
            return true;
        }
        String j = jurisdiction.toUpperCase(Locale.ROOT);
        return j.equals(code) || j.startsWith(code + "-");
    }

    /** Whether everything this scope reaches, {@code outer} reaches too. */
    public boolean within(JurisdictionScope outer) {
        return !outer.limited() || (limited() && outer.reaches(code));
    }

    /** The narrower of this scope and {@code other}; null when they do not nest, so that nothing is within both. */
    public JurisdictionScope narrowest(JurisdictionScope other) {
        if (other.within(this)) {
            return other;
        }
        return within(other) ? this : null;
    }

    /**
     * The SQL condition that keeps the rows whose {@code column} this scope reaches, for
     * {@code Sql.Where.and(condition, params)}; null when the scope limits nothing. It compares prefixes
     * with LEFT rather than LIKE, so a code's characters are never wildcards.
     */
    public String sqlCondition(String column) {
        return limited() ? "(" + column + " = ? OR LEFT(" + column + ", ?) = ?)" : null;
    }

    /** The parameters of {@link #sqlCondition}, in order. */
    public Object[] sqlParams() {
        return new Object[] {code, code.length() + 1, code + "-"};
    }

    /** PERMISSION_DENIED for creating or moving a record to {@code jurisdiction}, outside this scope. */
    public FineHeroException outOfScope(String field, String jurisdiction) {
        return new FineHeroException.PermissionDenied("OUT_OF_SCOPE", field + ": " + (jurisdiction.isEmpty() ? "(none)" : jurisdiction)
                + " (expected: " + code + " or a jurisdiction below it, the caller's jurisdiction scope)");
    }

    @Override
    public String toString() {
        return limited() ? code : "*";
    }
}
