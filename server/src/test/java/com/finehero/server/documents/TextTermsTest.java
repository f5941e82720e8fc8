package com.finehero.server.documents;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Terms as search stores and matches them: the ASCII shortcut gives the full normalisation's answer. */
class TextTermsTest {

    /** The normalisation without any shortcut: NFKD, marks removed, case folded through upper case, letters and digits kept. */
    private static String reference(String word) {
        String folded = Normalizer.normalize(word, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "")
                .toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        folded.codePoints().filter(Character::isLetterOrDigit).forEach(out::appendCodePoint);
        return out.toString();
    }

    @Test
    void asciiWordsNormaliseAsTheFullRulesSay() {
        Random random = new Random(5);
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (int i = 0; i < 10_000; i++) {
            StringBuilder word = new StringBuilder();
            for (int k = 0, n = 1 + random.nextInt(12); k < n; k++) {
                word.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertThat(TextTerms.normalise(word.toString())).isEqualTo(reference(word.toString()));
        }
    }

    @Test
    void otherWordsStillFoldAccentsAndCase() {
        for (String word : new String[] {"Règlement", "STRASSE", "Straße", "ﬁne", "Ǆ", "naïve", "Ⅻ"}) {
            assertThat(TextTerms.normalise(word)).as(word).isEqualTo(reference(word));
        }
        assertThat(TextTerms.normalise("Straße")).isEqualTo("strasse");
    }

    @Test
    void countsTheTermsOfAStoredForm() {
        assertThat(TextTerms.count(TextTerms.indexed(""))).isZero();
        assertThat(TextTerms.count(TextTerms.indexed("No parking, e-mail 7.2.22!"))).isEqualTo(7); // no parking e mail 7 2 22
    }
}
