package com.finehero.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.finehero.api.documents.v1.Document;

/** The standard workloads. Each seeds its own jurisdiction, so runs never see each other's data. */
final class Scenarios {

    static final String NAMES = "read-heavy-fines, search-mix, write-burst, task-burst, mixed-day";

    private static final String[] QUERIES = {"parking", "hydrant", "\"bus zone\"", "tow*", "meter", "permit", "appeal hearing", "street sweeping"};
    private static final String[] WORDS = {"parking", "hydrant", "bus", "zone", "tow", "meter", "permit", "appeal", "hearing",
        "street", "sweeping", "vehicle", "citation", "signage", "curb", "loading", "disabled", "placard", "fine", "notice"};

    private Scenarios() {
    }

    static Optional<Scenario> named(String name) {
        return switch (name) {
            case "read-heavy-fines" -> Optional.of(scenario(name, Scenarios::readHeavyFines));
            case "search-mix" -> Optional.of(scenario(name, Scenarios::searchMix));
            case "write-burst" -> Optional.of(scenario(name, Scenarios::writeBurst));
            case "task-burst" -> Optional.of(scenario(name, Scenarios::taskBurst));
            case "mixed-day" -> Optional.of(scenario(name, Scenarios::mixedDay));
            default -> Optional.empty();
        };
    }

    private interface Setup {
        List<Operation> prepare(Calls calls) throws Exception;
    }

    private static Scenario scenario(String name, Setup setup) {
        return new Scenario() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<Operation> prepare(Calls calls) throws Exception {
                return setup.prepare(calls);
            }
        };
    }

    private static String jurisdiction() {
        return "LOAD-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(java.util.Locale.ROOT);
    }

    private static List<String> fines(Calls calls, String jurisdiction, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(calls.seedFine(jurisdiction, i).getId());
        }
        return ids;
    }

    private static List<String> documents(Calls calls, String jurisdiction, int count) {
        List<String> ids = new ArrayList<>();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 400; w++) {
                text.append(WORDS[random.nextInt(WORDS.length)]).append(w % 12 == 11 ? ".\n" : " ");
            }
            Document document = calls.seedDocument(jurisdiction, "Rule " + i + " on " + WORDS[i % WORDS.length], text.toString());
            ids.add(document.getId());
        }
        return ids;
    }

    /** Hot keys: a few fines take most reads, as on a real day (Zipf-like: index = n * u^3). */
    private static String skewed(List<String> ids) {
        double u = ThreadLocalRandom.current().nextDouble();
        return ids.get((int) (ids.size() * u * u * u));
    }

    private static List<Operation> readHeavyFines(Calls calls) {
        String jurisdiction = jurisdiction();
        List<String> ids = fines(calls, jurisdiction, 200);
        return List.of(
                new Operation("GetFine", 90, () -> calls.getFine(skewed(ids))),
                new Operation("ListFines", 10, () -> calls.listFines(jurisdiction)));
    }

    private static List<Operation> searchMix(Calls calls) {
        String jurisdiction = jurisdiction();
        List<String> ids = documents(calls, jurisdiction, 60);
        return List.of(
                new Operation("SearchDocuments", 70, () -> calls.searchDocuments(QUERIES[ThreadLocalRandom.current().nextInt(QUERIES.length)], jurisdiction)),
                new Operation("GetDocument", 30, () -> calls.getDocument(skewed(ids))));
    }

    private static List<Operation> writeBurst(Calls calls) {
        String jurisdiction = jurisdiction();
        return List.of(
                new Operation("CreateFine", 60, () -> calls.createFine(jurisdiction)),
                new Operation("CreateAndPay", 40, () -> calls.payFine(calls.createFine(jurisdiction).getId())));
    }

    /** A burst of no-op task submissions (what a city's batch job does), with a glance at the queue. */
    private static List<Operation> taskBurst(Calls calls) {
        return List.of(
                new Operation("SubmitTask", 95, () -> calls.submitTask("load")),
                new Operation("GetQueueStats", 5, calls::queueStats));
    }

    private static List<Operation> mixedDay(Calls calls) {
        String jurisdiction = jurisdiction();
        List<String> fines = fines(calls, jurisdiction, 200);
        List<String> documents = documents(calls, jurisdiction, 30);
        return List.of(
                new Operation("GetFine", 45, () -> calls.getFine(skewed(fines))),
                new Operation("ListFines", 15, () -> calls.listFines(jurisdiction)),
                new Operation("SearchDocuments", 15, () -> calls.searchDocuments(QUERIES[ThreadLocalRandom.current().nextInt(QUERIES.length)], jurisdiction)),
                new Operation("GetDocument", 10, () -> calls.getDocument(skewed(documents))),
                new Operation("CreateFine", 8, () -> calls.createFine(jurisdiction)),
                new Operation("ContestFine", 4, () -> calls.contestFine(calls.createFine(jurisdiction).getId())),
                new Operation("PayFine", 3, () -> calls.payFine(calls.createFine(jurisdiction).getId())));
    }
}
