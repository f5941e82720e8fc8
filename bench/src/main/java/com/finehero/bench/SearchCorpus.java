package com.finehero.bench;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * A seeded, statute-like corpus: the same seed and index always give the same document, so PostgreSQL,
 * the embedded database and the floor's queries see the same text. Words follow a Zipf law (s = 1) over a
 * vocabulary of {@link #VOCABULARY} words (real legal words at the top, made-up pronounceable ones below);
 * a few legal phrases recur; documents belong to a three-level jurisdiction hierarchy (country, state,
 * city); lengths are log-normal around {@link #MEDIAN_WORDS} words, and every 10,000th document is a whole
 * code of 40,000-60,000 words (a few hundred KB).
 */
public final class SearchCorpus {

    public static final int VOCABULARY = 50_000;
    static final int MEDIAN_WORDS = 200;
    static final String[] COMMON = {"the", "of", "and", "to", "a", "in", "or", "shall", "any", "be", "vehicle", "by", "for",
            "is", "section", "this", "not", "person", "on", "with", "may", "code", "which", "parking", "that", "as", "an",
            "under", "street", "motor", "at", "from", "no", "fine", "owner", "driver", "zone", "permit", "space", "traffic",
            "within", "public", "violation", "department", "notice", "time", "than", "other", "law", "city", "highway",
            "provided", "penalty", "local", "authority", "sign", "area", "hearing", "court", "appeal", "subdivision",
            "control", "device", "school", "commercial", "fire", "hydrant", "tow", "away", "disabled", "placard",
            "registration", "plate", "speed", "camera", "meter", "curb", "loading", "residential", "citation", "officer",
            "evidence", "photo", "ordinance", "statute", "municipal", "judge", "dismissed", "upheld", "regulation", "days",
            "paid", "amount", "issued", "date", "period", "hours", "except", "emergency", "unless", "posted", "bus",
            "crosswalk", "sidewalk", "lane", "bicycle", "sweeping", "holiday", "overtime", "night", "weekend", "towing"};
    static final String[] PHRASES = {"motor vehicle", "parking space", "traffic control device", "school zone",
            "commercial vehicle", "fire hydrant", "tow away zone", "disabled person placard", "street sweeping",
            "notice of violation"};
    static final String[] COUNTRIES = {"US", "CA", "DE", "FR"};
    static final int STATES = 6;
    static final int CITIES = 6;
    static final String[] TAGS = {"traffic", "parking", "towing", "appeals", "fees", "permits", "enforcement", "signage"};

    private final long seed;
    private final String[] words;
    private final double[] cdf;

    public SearchCorpus(long seed) {
        this.seed = seed;
        this.words = vocabulary(seed);
        this.cdf = new double[words.length];
        double sum = 0;
        for (int i = 0; i < words.length; i++) {
            sum += 1.0 / (i + 1);
            cdf[i] = sum;
        }
        for (int i = 0; i < words.length; i++) {
            cdf[i] /= sum;
        }
    }

    /** One generated document: everything a create needs, deterministic in (seed, index). */
    public record Doc(int index, String title, String kind, String jurisdiction, List<String> tags, String content, boolean isPrivate) { }

    /** The word of Zipf rank {@code rank} (0 = most common). */
    public String word(int rank) {
        return words[rank];
    }

    public Doc document(int index) {
        Random random = new Random(seed * 1_000_003L + index);
        String country = COUNTRIES[random.nextInt(COUNTRIES.length)];
        String state = country + "-S" + random.nextInt(STATES);
        String city = state + "-C" + random.nextInt(CITIES);
        int level = random.nextInt(10);
        String jurisdiction = level < 2 ? country : level < 5 ? state : city;
        int k = random.nextInt(10);
        String kind = k < 5 ? "STATUTE" : k < 8 ? "REGULATION" : "PRECEDENT";
        int length = index % 10_000 == 9_999
                ? 40_000 + random.nextInt(20_000)
                : (int) Math.min(20_000, Math.max(20, Math.exp(Math.log(MEDIAN_WORDS) + 0.9 * random.nextGaussian())));
        StringBuilder title = new StringBuilder(switch (kind) {
            case "STATUTE" -> "Vehicle Code";
            case "REGULATION" -> "Parking Regulation";
            default -> "Decision";
        }).append(' ').append(jurisdiction).append(" § ").append(1 + index / 100).append('.').append(index % 100).append(':');
        for (int i = 0, n = 3 + random.nextInt(4); i < n; i++) {
            title.append(' ').append(words[20 + Math.min(4_980, zipf(random))]);
        }
        StringBuilder content = new StringBuilder(length * 8);
        int written = 0;
        int section = 1;
        while (written < length) {
            content.append("Section ").append(section++).append(". ");
            for (int sentence = 0, sentences = 2 + random.nextInt(5); sentence < sentences && written < length; sentence++) {
                int n = 8 + random.nextInt(13);
                for (int w = 0; w < n; w++) {
                    String word = random.nextInt(40) == 0 ? PHRASES[random.nextInt(PHRASES.length)] : words[zipf(random)];
                    content.append(w == 0 ? capitalise(word) : word).append(w == n - 1 ? ". " : " ");
                }
                written += n;
            }
            content.append("\n\n");
        }
        List<String> tags = new ArrayList<>();
        for (int i = 0, n = random.nextInt(3); i < n; i++) {
            String tag = TAGS[random.nextInt(TAGS.length)];
            if (!tags.contains(tag)) {
                tags.add(tag);
            }
        }
        return new Doc(index, title.toString(), kind, jurisdiction, tags, content.toString(), random.nextInt(50) == 0);
    }

    private int zipf(Random random) {
        int index = java.util.Arrays.binarySearch(cdf, random.nextDouble());
        return index >= 0 ? index : Math.min(cdf.length - 1, -index - 1);
    }

    private static String capitalise(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }

    /** The common words first, then made-up words of two to four syllables, all distinct. */
    private static String[] vocabulary(long seed) {
        String[] onsets = {"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cl", "dr",
                "gr", "pl", "st", "tr", "sh", "ch"};
        String[] vowels = {"a", "e", "i", "o", "u", "ai", "ea", "ou"};
        String[] codas = {"", "", "n", "r", "s", "l", "m", "t"};
        Random random = new Random(seed);
        Set<String> seen = new HashSet<>(List.of(COMMON));
        List<String> list = new ArrayList<>(List.of(COMMON));
        while (list.size() < VOCABULARY) {
            StringBuilder word = new StringBuilder();
            for (int s = 0, n = 2 + random.nextInt(3); s < n; s++) {
                word.append(onsets[random.nextInt(onsets.length)]).append(vowels[random.nextInt(vowels.length)])
                        .append(codas[random.nextInt(codas.length)]);
            }
            String w = word.toString().toLowerCase(Locale.ROOT);
            if (seen.add(w)) {
                list.add(w);
            }
        }
        return list.toArray(String[]::new);
    }
}
