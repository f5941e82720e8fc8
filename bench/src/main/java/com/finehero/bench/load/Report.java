package com.finehero.bench.load;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.google.gson.GsonBuilder;
import org.HdrHistogram.Histogram;

/**
 * A run's results: per call type the requests, success rate, calls/s, p50/p95/p99/max and errors by
 * status; in total the same. Printed as a table, written as JSON (the per-endpoint percentiles and
 * success rate the seed platform's load tests reported) and as an HTML page with SVG charts.
 */
record Report(String scenario, String protocol, int users, double rate, double seconds,
              List<Endpoint> endpoints, long[] callsPerSecond) {

    record Endpoint(String name, long requests, long ok, double successRate, double rps,
                    double p50Ms, double p95Ms, double p99Ms, double maxMs, Map<String, Long> errors) { }

    static Report of(String scenario, String protocol, int users, double rate, Driver.Run run) {
        List<Endpoint> endpoints = new ArrayList<>();
        run.tallies().forEach((name, tally) -> {
            Histogram h = tally.latencies.getIntervalHistogram();
            Map<String, Long> errors = new TreeMap<>();
            tally.errors.forEach((status, count) -> errors.put(status, count.get()));
            long failed = errors.values().stream().mapToLong(Long::longValue).sum();
            long requests = tally.ok.get() + failed;
            endpoints.add(new Endpoint(name, requests, tally.ok.get(), requests == 0 ? 1 : (double) tally.ok.get() / requests,
                    requests / run.seconds(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(95)),
                    ms(h.getValueAtPercentile(99)), ms(h.getMaxValue()), errors));
        });
        return new Report(scenario, protocol, users, rate, run.seconds(), endpoints, run.callsPerSecond());
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }

    long requests() {
        return endpoints.stream().mapToLong(Endpoint::requests).sum();
    }

    double successRate() {
        long requests = requests();
        return requests == 0 ? 1 : (double) endpoints.stream().mapToLong(Endpoint::ok).sum() / requests;
    }

    String table() {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-16s %9s %8s %9s %9s %9s %9s %9s  %s%n",
                "call", "requests", "ok %", "calls/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"));
        for (Endpoint e : endpoints) {
            out.append(String.format(Locale.ROOT, "%-16s %9d %8.2f %9.1f %9.3f %9.3f %9.3f %9.3f  %s%n", e.name(), e.requests(),
                    e.successRate() * 100, e.rps(), e.p50Ms(), e.p95Ms(), e.p99Ms(), e.maxMs(), e.errors().isEmpty() ? "-" : e.errors()));
        }
        out.append(String.format(Locale.ROOT, "%-16s %9d %8.2f %9.1f%n", "total", requests(), successRate() * 100, requests() / seconds));
        return out.toString();
    }

    String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("scenario", scenario);
        root.put("protocol", protocol);
        root.put("users", users);
        root.put("target_rate", rate > 0 ? rate : "closed-loop");
        root.put("finished", Instant.now().toString());
        root.put("duration_s", round(seconds));
        root.put("total_requests", requests());
        root.put("requests_per_second", round(requests() / seconds));
        root.put("success_rate", round(successRate()));
        Map<String, Object> byEndpoint = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("requests", e.requests());
            one.put("success_rate", round(e.successRate()));
            one.put("requests_per_second", round(e.rps()));
            one.put("p50_ms", e.p50Ms());
            one.put("p95_ms", e.p95Ms());
            one.put("p99_ms", e.p99Ms());
            one.put("max_ms", e.maxMs());
            one.put("errors", e.errors());
            byEndpoint.put(e.name(), one);
        }
        root.put("endpoints", byEndpoint);
        root.put("calls_per_second_timeline", callsPerSecond);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** A self-contained page: latency bars per call type and throughput over time, as inline SVG. */
    String html() {
        StringBuilder svg = new StringBuilder();
        double maxLatency = endpoints.stream().mapToDouble(Endpoint::p99Ms).max().orElse(1);
        int row = 0;
        svg.append("<svg viewBox=\"0 0 760 ").append(40 + endpoints.size() * 70).append("\" role=\"img\" aria-label=\"latency per call\">");
        for (Endpoint e : endpoints) {
            int y = 20 + row++ * 70;
            svg.append("<text x=\"0\" y=\"").append(y + 14).append("\">").append(escape(e.name())).append("</text>");
            double[] values = {e.p50Ms(), e.p95Ms(), e.p99Ms()};
            String[] labels = {"p50", "p95", "p99"};
            String[] colors = {"#4c78a8", "#f58518", "#e45756"};
            for (int i = 0; i < 3; i++) {
                double width = maxLatency <= 0 ? 0 : values[i] / maxLatency * 560;
                svg.append(String.format(Locale.ROOT, "<rect x=\"150\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>", y + i * 18, width, colors[i]));
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s %.2f ms</text>",
                        155 + width, y + i * 18 + 11, labels[i], values[i]));
            }
        }
        svg.append("</svg>");
        StringBuilder timeline = new StringBuilder("<svg viewBox=\"0 0 760 180\" role=\"img\" aria-label=\"calls per second\"><polyline fill=\"none\" stroke=\"#4c78a8\" stroke-width=\"2\" points=\"");
        long peak = 1;
        for (long c : callsPerSecond) {
            peak = Math.max(peak, c);
        }
        for (int i = 0; i < callsPerSecond.length; i++) {
            timeline.append(String.format(Locale.ROOT, "%.1f,%.1f ", callsPerSecond.length <= 1 ? 0 : i * 740.0 / (callsPerSecond.length - 1),
                    170 - callsPerSecond[i] * 160.0 / peak));
        }
        timeline.append("\"/><text x=\"0\" y=\"12\" font-size=\"11\">peak ").append(peak).append(" calls/s</text></svg>");
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FineHero load: " + escape(scenario) + "</title>"
                + "<style>body{font-family:sans-serif;margin:2em}svg{max-width:760px;display:block;margin-bottom:2em}pre{background:#f4f4f4;padding:1em}</style>"
                + "</head><body><h1>" + escape(scenario) + " over " + escape(protocol) + "</h1><p>" + users + " users, "
                + (rate > 0 ? rate + " calls/s target" : "closed loop") + ", " + String.format(Locale.ROOT, "%.1f", seconds) + " s, "
                + requests() + " calls, " + String.format(Locale.ROOT, "%.2f", successRate() * 100) + "% ok</p>"
                + "<h2>Latency per call</h2>" + svg + "<h2>Calls per second</h2>" + timeline
                + "<h2>Table</h2><pre>" + escape(table()) + "</pre></body></html>\n";
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
