package com.finehero.server.documents;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import com.finehero.api.documents.v1.CreateDocumentRequest;
import com.finehero.api.documents.v1.Document;
import com.finehero.api.documents.v1.DocumentKind;
import com.finehero.api.documents.v1.DocumentsServiceGrpc;
import com.finehero.api.documents.v1.SearchDocumentsRequest;
import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ranking quality on a judged query set that both engines must pass: short sections each about one
 * thing, among long general chapters built from the same code's sentences, which mention every topic
 * and repeat the query's words many times. Each query names the sections that must be in its top 5;
 * an engine that lets length and repetition win fails.
 */
class JudgedSearchTest {

    static final String JURISDICTION = "JUDGED";

    @RegisterExtension
    static final FineHeroExtension H2 = FineHeroExtension.on(Backend.H2);
    @RegisterExtension
    static final FineHeroExtension POSTGRES = FineHeroExtension.on(Backend.POSTGRES_REDIS);

    /** The focused sections: title and text. */
    static final List<List<String>> SECTIONS = List.of(
            List.of("Fire hydrant clearance", "No person shall stop, stand or park a vehicle within fifteen feet of a fire hydrant. "
                    + "The clearance is measured from the hydrant to the nearest part of the vehicle. Painted curbs are not required "
                    + "for the rule to apply. A vehicle parked next to a hydrant may be cited and removed."),
            List.of("Tow-away zones", "Signs posted at each entrance mark a tow-away zone. A vehicle left in a tow-away zone during "
                    + "the posted hours may be removed by a licensed tow operator at the owner's expense. The owner recovers the "
                    + "vehicle from the storage facility after paying the towing and storage fees."),
            List.of("Appeal deadlines", "A person who received a parking citation may file an appeal. The deadline to file an appeal "
                    + "is twenty-one days after the citation was issued, or fourteen days after the notice of delinquency was mailed. "
                    + "An appeal received after the deadline is accepted only when the person shows good cause for the delay."),
            List.of("School zone speed cameras", "Speed cameras operate in each school zone on school days from seven in the morning "
                    + "to six in the evening. A speed camera records the plate of a vehicle travelling more than ten miles per hour "
                    + "over the school zone limit, and the registered owner receives the notice by mail."),
            List.of("Disabled parking placards", "A disabled parking placard lets the vehicle carrying the person it was issued to "
                    + "park in spaces reserved for disabled persons and at meters without payment. Lending a placard, or displaying "
                    + "one when its holder is not present, is misuse and the placard may be confiscated."),
            List.of("Street sweeping schedules", "Street sweeping takes place on the days and hours posted on each block. No vehicle "
                    + "may be parked on the side of the street being swept during the posted sweeping hours. Sweeping is suspended "
                    + "on public holidays."),
            List.of("Parking meter payment", "Payment at a parking meter is due on arrival, by coin, card or the city's mobile app. "
                    + "A meter showing expired time is a violation even if payment was attempted. Payment at one meter does not "
                    + "cover a vehicle parked at another."),
            List.of("Commercial loading zones", "A loading zone marked by a yellow curb is reserved for commercial vehicles actively "
                    + "loading or unloading goods, for at most thirty minutes. Private vehicles may stop in a loading zone only to "
                    + "load or unload passengers, for at most three minutes."),
            List.of("Residential parking permits", "A residential permit exempts a resident's vehicle from the time limits posted in "
                    + "its permit area. A resident applies with proof of address and the vehicle's registration; each permit is "
                    + "valid for one year and for one vehicle."),
            List.of("Bus stop restrictions", "No vehicle other than a bus may stop or park in a bus stop, marked by a red curb and a "
                    + "sign. The bus stop extends from the sign to the end of the red curb. Vehicles blocking a bus stop may be towed."),
            List.of("Late payment penalties", "A citation not paid within twenty-one days incurs a late payment penalty equal to the "
                    + "original fine. A second penalty is added after forty-five days, and unpaid penalties may be referred to a "
                    + "collection agency."),
            List.of("Hearings on contested citations", "At a hearing the hearing officer considers the evidence submitted by the "
                    + "person contesting the citation and by the issuing officer. Photographs, receipts and witness statements are "
                    + "accepted as evidence. The decision is mailed within fifteen days of the hearing."));

    /** Sentences of a general code: every topic mentioned in passing, as long chapters and annual reports do. */
    static final List<String> GENERAL = List.of(
            "This chapter applies to every vehicle parked or stopped on a public street, in a zone or at a meter.",
            "The department may issue a citation for any violation of this chapter, including violations in a school zone.",
            "A person may appeal a citation; the appeal deadline and the hearing are governed by the administrative rules.",
            "Notices of appeal, deadline extensions and hearing dates are published by the department each month.",
            "A vehicle may be towed from a tow-away zone, a bus stop, a loading zone or near a fire hydrant.",
            "Speed camera and red light camera programs report their results to the council every year.",
            "Fees for a residential permit, a disabled placard replacement and a commercial loading permit are set by resolution.",
            "Street sweeping, meter payment and permit rules are enforced by parking control officers.",
            "A late payment penalty, a towing fee and a storage fee may each be charged for the same vehicle.",
            "Evidence submitted in an appeal, including photographs from a camera, is kept for three years.",
            "The school district and the department coordinate speed limits and camera locations near each school.",
            "Payment of a fine by the deadline closes the citation; a late payment adds a penalty.",
            "The hearing officer may reduce a penalty when the appeal shows the meter was broken.",
            "Zone boundaries, bus routes and sweeping schedules are shown on the department's maps.",
            "Nothing in this chapter limits the authority of the police to remove a vehicle from any zone.",
            "Annual statistics count citations by zone, by meter, by camera and by appeal outcome.",
            "Residential permit areas, loading zones and tow-away zones are reviewed every five years.",
            "A disabled parking placard holder may appeal a citation issued at a meter.",
            "The deadline for payment and the deadline for an appeal are printed on every citation.",
            "Street parking near a hydrant, in a bus stop or in a school zone is a common violation.");

    static final int CHAPTERS = 24;

    record Judgement(String query, List<String> mustBeInTop5) { }

    static final List<Judgement> JUDGEMENTS = List.of(
            new Judgement("hydrant", List.of("Fire hydrant clearance")),
            new Judgement("tow* zone", List.of("Tow-away zones")),
            new Judgement("appeal deadline", List.of("Appeal deadlines")),
            new Judgement("school zone speed camera", List.of("School zone speed cameras")),
            new Judgement("\"disabled parking\" placard", List.of("Disabled parking placards")),
            new Judgement("street sweeping", List.of("Street sweeping schedules")),
            new Judgement("meter payment", List.of("Parking meter payment")),
            new Judgement("\"loading zone\"", List.of("Commercial loading zones")),
            new Judgement("residential permit", List.of("Residential parking permits")),
            new Judgement("\"bus stop\"", List.of("Bus stop restrictions")),
            new Judgement("late payment penalty", List.of("Late payment penalties")),
            new Judgement("hearing evidence", List.of("Hearings on contested citations")));

    @BeforeAll
    static void loadTheCorpusIntoBoth() {
        List<Document> corpus = new ArrayList<>();
        for (List<String> section : SECTIONS) {
            corpus.add(document(section.get(0), section.get(1)));
        }
        Random random = new Random(20261202);
        for (int i = 1; i <= CHAPTERS; i++) {
            StringBuilder text = new StringBuilder();
            int sentences = 30 + random.nextInt(90); // about 500 to 2,000 words
            for (int s = 0; s < sentences; s++) {
                text.append(GENERAL.get(random.nextInt(GENERAL.size()))).append(s % 6 == 5 ? "\n\n" : " ");
            }
            corpus.add(document("Vehicle code, chapter " + i + ": general provisions", text.toString()));
        }
        for (FineHeroExtension app : List.of(H2, POSTGRES)) {
            var documents = DocumentsServiceGrpc.newBlockingStub(app.channel());
            corpus.forEach(d -> documents.createDocument(CreateDocumentRequest.newBuilder().setDocument(d).build()));
        }
    }

    static Stream<Arguments> judgements() {
        return Stream.of(Backend.H2, Backend.POSTGRES_REDIS).flatMap(backend -> JUDGEMENTS.stream().map(j -> Arguments.of(backend, j)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("judgements")
    void theJudgedDocumentsAreInTheTopFive(Backend backend, Judgement judgement) {
        FineHeroExtension app = backend == Backend.H2 ? H2 : POSTGRES;
        List<String> top5 = DocumentsServiceGrpc.newBlockingStub(app.channel()).searchDocuments(SearchDocumentsRequest.newBuilder()
                        .setQuery(judgement.query()).setJurisdiction(JURISDICTION).setPageSize(5).build())
                .getResultsList().stream().map(result -> result.getDocument().getTitle()).toList();
        assertThat(top5).as("top 5 for " + judgement.query()).containsAll(judgement.mustBeInTop5());
    }

    private static Document document(String title, String content) {
        return Document.newBuilder().setTitle(title).setKind(DocumentKind.DOCUMENT_KIND_STATUTE).setJurisdiction(JURISDICTION)
                .setContent(content).build();
    }
}
