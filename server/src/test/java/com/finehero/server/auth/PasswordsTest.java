package com.finehero.server.auth;

import java.nio.charset.StandardCharsets;

import at.favre.lib.crypto.bcrypt.BCrypt;
import at.favre.lib.crypto.bcrypt.LongPasswordStrategies;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PasswordsTest {

    @Test
    void theDecoyCostsWhatARealHashCostsAndMatchesNoPassword() throws Exception {
        Passwords passwords = new Passwords(6);
        String real = passwords.hash("correct horse battery staple");
        byte[] decoy = Passwords.decoy(6);

        // a check's work is set by the version and cost the hash names, and the decoy names the real ones
        BCrypt.HashData parsedDecoy = BCrypt.Version.VERSION_2B.parser.parse(decoy);
        BCrypt.HashData parsedReal = BCrypt.Version.VERSION_2B.parser.parse(real.getBytes(StandardCharsets.UTF_8));
        assertThat(parsedDecoy.cost).isEqualTo(parsedReal.cost).isEqualTo(6);
        assertThat(parsedDecoy.version).isEqualTo(parsedReal.version);
        assertThat(decoy).hasSameSizeAs(real.getBytes(StandardCharsets.UTF_8));

        // a hash the verifier could not parse would also answer "not verified", at once: this one parses
        BCrypt.Result checked = BCrypt.verifyer(BCrypt.Version.VERSION_2B, LongPasswordStrategies.hashSha512(BCrypt.Version.VERSION_2B))
                .verify("correct horse battery staple".getBytes(StandardCharsets.UTF_8), decoy);
        assertThat(checked.validFormat).isTrue();
        assertThat(checked.verified).isFalse();

        String decoyHash = new String(decoy, StandardCharsets.UTF_8);
        assertThat(passwords.verify("correct horse battery staple", decoyHash)).isFalse();
        assertThat(passwords.verify("", decoyHash)).isFalse();
        assertThat(passwords.verify("correct horse battery staple", real)).isTrue();
        assertThat(Passwords.decoy(6)).as("a fresh salt each time").isNotEqualTo(decoy);
    }
}
