package com.finehero.server.documents;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.finehero.server.testing.Backend;
import com.finehero.server.testing.FineHeroExtension;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** Documents through the REST bridge: an NDJSON upload, a search by query parameters, an SSE download. */
class DocumentsOverRestTest {

    @RegisterExtension
    static final FineHeroExtension APP = FineHeroExtension.on(Backend.H2);

    @Test
    void uploadSearchAndDownloadOverRest() {
        String content = "Vehicles parked in a bus zone will be towed at the owner's expense.";
        String half = Base64.getEncoder().encodeToString(content.substring(0, 30).getBytes(StandardCharsets.UTF_8));
        String rest = Base64.getEncoder().encodeToString(content.substring(30).getBytes(StandardCharsets.UTF_8));
        String ndjson = "{\"header\":{\"document\":{\"title\":\"Bus zone towing\",\"kind\":\"DOCUMENT_KIND_REGULATION\","
                + "\"jurisdiction\":\"us-ca-sf\",\"tags\":[\"towing\"]}}}\n"
                + "{\"chunk\":\"" + half + "\"}\n{\"chunk\":\"" + rest + "\"}\n";
        HttpResponse<String> uploaded = APP.send(HttpRequest.newBuilder(APP.uri("/v1/documents:upload"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson)).build());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
        JsonObject document = JsonParser.parseString(uploaded.body()).getAsJsonObject();
        assertThat(document.get("sizeBytes").getAsString()).isEqualTo(Integer.toString(content.length()));

        HttpResponse<String> found = APP.get("/v1/documents:search?query=towed%20%22bus%20zone%22&jurisdiction=US-CA-SF&tags=towing");
        assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
        JsonObject first = JsonParser.parseString(found.body()).getAsJsonObject().getAsJsonArray("results").get(0).getAsJsonObject();
        assertThat(first.getAsJsonObject("document").get("title").getAsString()).isEqualTo("Bus zone towing");
        assertThat(first.getAsJsonObject("snippet").get("text").getAsString()).contains("bus zone");

        HttpResponse<String> download = APP.get("/v1/documents/" + document.get("id").getAsString() + ":download");
        assertThat(download.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
        String data = download.body().lines().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow().substring(6);
        String chunk = JsonParser.parseString(data).getAsJsonObject().get("chunk").getAsString();
        assertThat(new String(Base64.getDecoder().decode(chunk), StandardCharsets.UTF_8)).isEqualTo(content);
    }
}
