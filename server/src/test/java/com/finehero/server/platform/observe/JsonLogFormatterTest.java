package com.finehero.server.platform.observe;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.grpc.Context;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLogFormatterTest {

    @Test
    void oneEventPerLineWithTheRequestIdOfTheCall() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "slow statement ({0} ms)");
        record.setParameters(new Object[] {612});
        record.setLoggerName("com.finehero.server.platform.db.SlowQueries");
        record.setThrown(new IllegalStateException("boom\nsecond line"));
        String line = Context.current().withValue(RequestContext.REQUEST_ID, "req-7")
                .call(() -> new JsonLogFormatter().format(record));

        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n");
        JsonObject event = JsonParser.parseString(line).getAsJsonObject();
        assertThat(event.get("level").getAsString()).isEqualTo("WARNING");
        assertThat(event.get("message").getAsString()).isEqualTo("slow statement (612 ms)");
        assertThat(event.get("request_id").getAsString()).isEqualTo("req-7");
        assertThat(event.get("stack").getAsString()).contains("second line").contains("JsonLogFormatterTest");
    }

    @Test
    void noRequestIdOutsideACall() {
        LogRecord record = new LogRecord(Level.INFO, "FineHero started");
        assertThat(JsonParser.parseString(new JsonLogFormatter().format(record)).getAsJsonObject().has("request_id")).isFalse();
    }
}
