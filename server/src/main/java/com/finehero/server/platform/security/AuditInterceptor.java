package com.finehero.server.platform.security;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import com.finehero.server.platform.db.Database;
import com.finehero.server.platform.observe.RequestContext;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Records every call that changes state (its HTTP verb is not GET) in the {@link AuditLog}: in the
 * transaction of the change it makes, when it makes one, else once it has closed, with the status it
 * closed with, refused calls included, though of those only the first few a
 * minute per address one by one and the rest as a count ({@link RefusalSampler}), so a flood of
 * refused calls can neither fill the trail nor crowd real events out of the audit queue. While the log
 * cannot keep more (see {@link AuditLog#admits()}) such calls are refused with UNAVAILABLE before they
 * change anything. It sits outside the error
 * interceptor, so it sees the status clients see; {@link AuthInterceptor}, further in, tells it who
 * the caller turned out to be through {@link #identify}.
 */
public final class AuditInterceptor implements ServerInterceptor {

    private static final Context.Key<AtomicReference<Principal>> CALLER = Context.key("finehero-audited-caller");

    private final AccessRules rules;
    private final RefusalSampler refusals;

    public AuditInterceptor(AccessRules rules, RefusalSampler audit) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.refusals = Objects.requireNonNull(audit, "audit");
    }

    /** Tells the audit record of the current call who is calling. */
    static void identify(Principal principal) {
        AtomicReference<Principal> caller = CALLER.get();
        if (caller != null) {
            caller.set(principal);
        }
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        boolean changesState = rules.rule(call.getMethodDescriptor()).map(AccessRules.Rule::changesState).orElse(true);
        if (!changesState) {
            return next.startCall(call, headers);
        }
        if (!refusals.admits()) {
            call.close(Status.UNAVAILABLE.withDescription("this change cannot be recorded in the audit trail now "
                    + "(the database is unavailable and the audit spool is full); retry shortly"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        AtomicReference<Principal> caller = new AtomicReference<>(Principal.ANONYMOUS);
        AuditedCall<ReqT, RespT> audited = new AuditedCall<>(call, headers, caller);
        ServerCall.Listener<ReqT> listener = Contexts.interceptCall(
                Context.current().withValues(CALLER, caller, Database.COMMIT_PARTICIPANT, audited), audited, headers, next);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(ReqT message) {
                audited.resourceFrom(message);
                super.onMessage(message);
            }
        };
    }

    /**
     * Records the call, naming the record it touched: inside the transaction of its change when it makes
     * one (so the change and its record commit together), else once it closes. A record written with the
     * change is corrected at close if the call learnt its record's id only from its answer (a create) or
     * failed after the change committed.
     */
    private final class AuditedCall<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT>
            implements Database.CommitParticipant {
        private final Metadata headers;
        private final AtomicReference<Principal> caller;
        private final String requestId = RequestContext.requestId();
        private volatile String resource = "";
        /** Guarded by this: the event written in the transaction now committing, then once committed, and its resource. */
        private long pendingId;
        private long committedId;
        private String committedResource = "";
        private boolean ended;

        AuditedCall(ServerCall<ReqT, RespT> delegate, Metadata headers, AtomicReference<Principal> caller) {
            super(delegate);
            this.headers = headers;
            this.caller = caller;
        }

        @Override
        public synchronized void beforeCommit(Connection connection) throws SQLException {
            if (committedId != 0 || ended) {
                return;
            }
            Principal principal = caller.get();
            String named = resource;
            pendingId = refusals.log().recordIn(connection, principal.subject(), principal.name(), principal.credential().label(),
                    getMethodDescriptor().getFullMethodName(), named, CallerAddress.of(delegate(), headers), protocol(),
                    Status.Code.OK.name(), requestId);
            committedResource = named;
        }

        @Override
        public synchronized void committed() {
            if (committedId == 0 && !ended) {
                committedId = pendingId;
            }
        }

        /** The id of the event written with the call's change, or 0; no event is written with a change after this. */
        private synchronized long end() {
            ended = true;
            return committedId;
        }

        private String protocol() {
            return RequestContext.protocol(headers);
        }

        void resourceFrom(Object message) {
            if (resource.isEmpty()) {
                resource = namedId(message);
            }
        }

        @Override
        public void sendMessage(RespT message) {
            resourceFrom(message);
            super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            long recorded = end();
            if (recorded == 0) {
                refusals.record(caller.get(), getMethodDescriptor().getFullMethodName(), resource,
                        CallerAddress.of(delegate(), headers), protocol(), status.getCode(), requestId);
            } else if (!status.isOk() || !resource.equals(committedResource)) {
                refusals.log().amend(recorded, resource, status.getCode().name());
            }
            super.close(status, trailers);
        }
    }

    /**
     * The first non-empty "id" or "*_id" string field of a message, else the "id" of a message field
     * (an update's {@code fine.id}), else its username — known when the call starts, so the audit event
     * written with the change already names its record.
     */
    static String namedId(Object message) {
        if (!(message instanceof Message proto)) {
            return "";
        }
        String username = "";
        String nested = "";
        for (Descriptors.FieldDescriptor field : proto.getDescriptorForType().getFields()) {
            if (field.isRepeated()) {
                continue;
            }
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                if (nested.isEmpty() && proto.hasField(field)) {
                    Message inner = (Message) proto.getField(field);
                    Descriptors.FieldDescriptor id = inner.getDescriptorForType().findFieldByName("id");
                    if (id != null && id.getJavaType() == Descriptors.FieldDescriptor.JavaType.STRING && !id.isRepeated()) {
                        nested = (String) inner.getField(id);
                    }
                }
                continue;
            }
            if (field.getJavaType() != Descriptors.FieldDescriptor.JavaType.STRING) {
                continue;
            }
            String value = (String) proto.getField(field);
            if (value.isEmpty()) {
                continue;
            }
            if (field.getName().equals("id") || field.getName().endsWith("_id")) {
                return value;
            }
            if (field.getName().equals("username")) {
                username = value;
            }
        }
        return nested.isEmpty() ? username : nested;
    }
}
