package com.finehero.server.tasks;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * A UNIX cron expression (5 fields: minute hour day-of-month month day-of-week), evaluated in UTC,
 * parsed by cron-utils.
 */
final class CronSchedule {

    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String expression;
    private final ExecutionTime execution;

    private CronSchedule(String expression, ExecutionTime execution) {
        this.expression = expression;
        this.execution = execution;
    }

    /** Parses; throws {@link IllegalArgumentException} with the parser's reason. */
    public static CronSchedule parse(String expression) {
        Objects.requireNonNull(expression, "expression");
        String trimmed = expression.trim().replaceAll("\\s+", " ");
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("a cron expression is empty");
        }
        try {
            Cron cron = PARSER.parse(trimmed);
            cron.validate();
            return new CronSchedule(trimmed, ExecutionTime.forCron(cron));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + expression + "' is not a 5-field UNIX cron expression: " + e.getMessage());
        }
    }

    public String expression() {
        return expression;
    }

    /** The first fire time strictly after {@code after}. */
    public Instant next(Instant after) {
        Optional<ZonedDateTime> next = execution.nextExecution(after.atZone(ZoneOffset.UTC));
        return next.map(ZonedDateTime::toInstant)
                .orElseThrow(() -> new IllegalArgumentException("cron expression " + expression + " never fires again"));
    }

    /** The first fire time at or after {@code at}. */
    public Instant nextOrSame(Instant at) {
        if (execution.isMatch(at.atZone(ZoneOffset.UTC)) && at.getNano() == 0 && at.getEpochSecond() % 60 == 0) {
            return at;
        }
        return next(at);
    }
}
