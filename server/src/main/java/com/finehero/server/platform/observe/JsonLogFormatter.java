package com.finehero.server.platform.observe;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import com.google.gson.JsonObject;

/**
 * One JSON object per line: time, level, logger, message, request_id, trace_id and span_id (when
 * logged while serving a call), thread, and the error with its stack trace when there is one. For log shippers; the text
 * format stays the default for terminals ({@code finehero.log.format}).
 */
public final class JsonLogFormatter extends Formatter {

    @Override
    public String format(LogRecord record) {
        JsonObject event = new JsonObject();
        event.addProperty("time", Instant.ofEpochMilli(record.getMillis()).toString());
        event.addProperty("level", record.getLevel().getName());
        event.addProperty("logger", record.getLoggerName());
        event.addProperty("message", formatMessage(record));
        String requestId = RequestContext.requestId();
        if (!requestId.isEmpty()) {
            event.addProperty("request_id", requestId);
        }
        RequestContext.trace().ifPresent(trace -> {
            event.addProperty("trace_id", trace.traceId());
            event.addProperty("span_id", trace.spanId());
        });
        event.addProperty("thread", Thread.currentThread().getName());
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            event.addProperty("error", record.getThrown().toString());
            event.addProperty("stack", trace.toString());
        }
        return event + System.lineSeparator();
    }
}
