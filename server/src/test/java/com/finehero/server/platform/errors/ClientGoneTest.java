package com.finehero.server.platform.errors;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import com.google.rpc.Code;
import io.helidon.common.socket.SocketWriterException;
import io.helidon.webserver.ServerConnectionException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Helidon failing to write to a client that cancelled is no internal error and no SEVERE log line. */
class ClientGoneTest {

    @Test
    void aWriteToAClientThatLeftIsCancelledAndLoggedAtMostAtFine() {
        assertCancelledQuietly(new ServerConnectionException("Failed to write grpc response headers",
                new UncheckedIOException(new java.io.IOException("stream closed"))));
    }

    /** A connection the client closed with calls in flight: every write to its socket fails so. */
    @Test
    void aSocketTheClientClosedIsCancelledAndLoggedAtMostAtFine() {
        assertCancelledQuietly(new SocketWriterException(new UncheckedIOException(new java.io.IOException("Broken pipe"))));
        assertCancelledQuietly(new SocketWriterException(new UncheckedIOException(
                new java.io.IOException(new java.nio.channels.ClosedChannelException()))));
    }

    private static void assertCancelledQuietly(Throwable failure) {
        Logger logger = Logger.getLogger(ErrorMapper.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            var status = new ErrorMapper().toStatus(failure);
            assertThat(status.getCode()).isEqualTo(Code.CANCELLED_VALUE);
            assertThat(status.getMessage()).isEqualTo("the client went away");
            assertThat(records).allSatisfy(r -> assertThat(r.getLevel().intValue()).isLessThanOrEqualTo(Level.FINE.intValue()));
        } finally {
            logger.removeHandler(capture);
        }
    }
}
