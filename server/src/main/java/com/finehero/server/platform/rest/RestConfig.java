package com.finehero.server.platform.rest;

import java.time.Duration;

import com.finehero.server.platform.config.ConfigValues;
import io.helidon.config.Config;

/**
 * REST bridge settings ({@code finehero.rest.*}).
 *
 * @param timeout        deadline of the gRPC call behind each REST call
 * @param maxBodyBytes   largest JSON body accepted (413 above it)
 * @param maxStreamBytes largest NDJSON body of a client-streaming call
 * @param maxLineBytes   largest line of such a body (one request message)
 * @param streamLifetime longest a server stream (Server-Sent Events, NDJSON) stays open; then it ends
 *                       normally and an EventSource reconnects (with Last-Event-ID where events have ids)
 * @param heartbeat      a server stream with nothing to send writes a comment line this often, so
 *                       proxies keep it open and a client that went away is noticed
 */
public record RestConfig(Duration timeout, int maxBodyBytes, int maxStreamBytes, int maxLineBytes, Duration streamLifetime,
                         Duration heartbeat) {

    public RestConfig(Duration timeout, int maxBodyBytes, int maxStreamBytes, int maxLineBytes) {
        this(timeout, maxBodyBytes, maxStreamBytes, maxLineBytes, Duration.ofHours(1), Duration.ofSeconds(15));
    }

    public static RestConfig from(Config rest) {
        return new RestConfig(
                ConfigValues.duration(rest, "timeout"),
                ConfigValues.intInRange(rest, "max-body", 1024, 64 * 1024 * 1024),
                ConfigValues.intInRange(rest, "max-stream", 1024, Integer.MAX_VALUE),
                ConfigValues.intInRange(rest, "max-line", 1024, 64 * 1024 * 1024),
                ConfigValues.duration(rest, "stream-lifetime"),
                ConfigValues.duration(rest, "heartbeat"));
    }
}
