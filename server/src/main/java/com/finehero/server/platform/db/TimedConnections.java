package com.finehero.server.platform.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import io.grpc.Context;

/**
 * Wraps a connection so every statement it makes reports its execution time to {@link SlowQueries}
 * and stops when the calling gRPC call does: it is cancelled on the database the moment the call's
 * context is cancelled, which a context with a deadline is when the deadline passes, and any context
 * when its client goes away. No JDBC query timeout is set as well: pgjdbc arms a cancel task on one
 * timer shared by the JVM for every statement given one, a cost on every statement (most of a task's
 * SQL) for a cancel the context already sends, and on H2 it would replace the session's own limit.
 * Dynamic proxies keep this to one small class whatever JDBC methods the stores call.
 */
final class TimedConnections {

    private TimedConnections() {
    }

    static Connection wrap(Connection connection, SlowQueries slow) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    Object result = invoke(connection, method, args);
                    if (result instanceof PreparedStatement prepared && method.getName().equals("prepareStatement")) {
                        return statement(prepared, PreparedStatement.class, (String) args[0], slow);
                    }
                    if (result instanceof Statement plain && method.getName().equals("createStatement")) {
                        return statement(plain, Statement.class, null, slow);
                    }
                    return result;
                });
    }

    private static <S extends Statement> S statement(S target, Class<S> type, String preparedSql, SlowQueries slow) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (!method.getName().startsWith("execute")) {
                return invoke(target, method, args);
            }
            long start = System.nanoTime();
            Context context = Context.current();
            Context.CancellationListener cancel = cancelled -> cancelQuietly(target);
            if (context != Context.ROOT) {
                context.addListener(cancel, Runnable::run);
            }
            try {
                return invoke(target, method, args);
            } finally {
                context.removeListener(cancel);
                String sql = preparedSql != null ? preparedSql
                        : args != null && args.length > 0 && args[0] instanceof String text ? text : "(batch)";
                slow.record(sql, System.nanoTime() - start);
            }
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private static void cancelQuietly(Statement statement) {
        try {
            statement.cancel();
        } catch (SQLException | RuntimeException ignored) {
            // the statement finished or its connection broke meanwhile: nothing left to stop
        }
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
