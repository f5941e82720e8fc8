package com.finehero.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.finehero.client.FineHeroClient;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The command for one RPC, derived from its descriptor: a flag per scalar request field,
 * {@code --set path=value} for any field, {@code --from-file} for a whole request in JSON, and
 * {@code -o table|json|yaml}. A server stream prints each message as it arrives; a client stream
 * sends the items of a JSON array file in order.
 */
final class RpcCommand implements Callable<Integer> {

    static final String SET = "--set";
    static final String FROM_FILE = "--from-file";
    static final String OUTPUT = "--output";
    private static final java.util.Set<String> RESERVED = java.util.Set.of(SET, FROM_FILE, OUTPUT, "--help");
    /** A stream with no --deadline given runs until the server ends it or the user stops it, within a day. */
    private static final long STREAM_HOURS = 24;

    private final FineHeroCli root;
    private final RpcCatalog.Rpc rpc;
    private final CommandSpec spec;
    /** Option → the request field it fills. */
    private final Map<OptionSpec, String> fieldOptions = new java.util.LinkedHashMap<>();

    private RpcCommand(FineHeroCli root, RpcCatalog.Rpc rpc) {
        this.root = root;
        this.rpc = rpc;
        this.spec = CommandSpec.wrapWithoutInspection(this);
        build();
    }

    /** Adds a command for every RPC of the contract under {@code finehero <service> <rpc>}, beside any hand-written ones. */
    static void addAll(CommandLine line, FineHeroCli root) {
        for (RpcCatalog.Rpc rpc : RpcCatalog.rpcs()) {
            CommandLine group = line.getSubcommands().get(rpc.group());
            if (group == null) {
                group = Group.create(rpc.schema().getService());
                line.addSubcommand(rpc.group(), group);
                group = line.getSubcommands().get(rpc.group());
            }
            if (group.getSubcommands().containsKey(rpc.command())) {
                continue; // a hand-written command of that name wins
            }
            group.addSubcommand(rpc.command(), new CommandLine(new RpcCommand(root, rpc).spec));
        }
    }

    /** A service without hand-written commands: alone, it lists its RPC commands. */
    static final class Group implements Callable<Integer> {
        private CommandSpec spec;

        static CommandLine create(Descriptors.ServiceDescriptor service) {
            Group group = new Group();
            group.spec = CommandSpec.wrapWithoutInspection(group);
            group.spec.mixinStandardHelpOptions(true);
            group.spec.usageMessage().description("The " + service.getName() + " RPCs, one command each (from the contract).");
            return new CommandLine(group.spec);
        }

        @Override
        public Integer call() {
            spec.commandLine().usage(TerminalText.cleaning(spec.commandLine().getOut()));
            return 2;
        }
    }

    private void build() {
        Descriptors.Descriptor request = rpc.schema().getInputType();
        // no --version here: requests have version fields (GetDocument, UpdateFine), their flags take the name
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
        String kind = rpc.schema().isServerStreaming() ? (rpc.schema().isClientStreaming() ? " (streams both ways)" : " (prints each message as it arrives)")
                : rpc.schema().isClientStreaming() ? " (sends the items of --from-file, a JSON array, in order)" : "";
        spec.usageMessage().description(
                (rpc.comment().isEmpty() ? rpc.schema().getName() + "." : rpc.comment()) + kind,
                "RPC " + rpc.schema().getFullName() + ", request " + request.getFullName() + ".");
        for (Descriptors.FieldDescriptor field : request.getFields()) {
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                continue; // nested: --set or --from-file
            }
            String name = "--" + RpcCatalog.kebab(field.getName()).replace('_', '-');
            if (RESERVED.contains(name)) {
                continue;
            }
            String comment = rpc.fieldComments().getOrDefault(field.getName(), "");
            OptionSpec option = OptionSpec.builder(name)
                    .type(field.isRepeated() ? List.class : String.class)
                    .auxiliaryTypes(String.class)
                    .paramLabel("<" + typeName(field) + ">")
                    .description((comment.isEmpty() ? "" : comment + " ") + (field.isRepeated() ? "(repeatable)" : ""))
                    .completionCandidates(field.getJavaType() == Descriptors.FieldDescriptor.JavaType.ENUM
                            ? field.getEnumType().getValues().stream().map(Descriptors.EnumValueDescriptor::getName).toList() : null)
                    .build();
            spec.addOption(option);
            fieldOptions.put(option, field.getName());
        }
        spec.addOption(OptionSpec.builder(SET).type(List.class).auxiliaryTypes(String.class).paramLabel("FIELD=VALUE")
                .description("Set any request field; dotted paths reach nested fields (fine.amount.amount_minor=4550), "
                        + "a map key follows the map's name; repeat for lists.").build());
        spec.addOption(OptionSpec.builder(FROM_FILE).type(Path.class).paramLabel("FILE")
                .description(rpc.schema().isClientStreaming() ? "The request messages as a JSON array (proto3 JSON)."
                        : "The request as JSON (proto3 JSON); flags and --set apply on top.").build());
        spec.addOption(OptionSpec.builder("-o", OUTPUT).type(FineHeroCli.Output.class).paramLabel("FORMAT")
                .description("table, json or yaml (default: the top-level -o).").build());
        List<String> footer = new ArrayList<>();
        footer.add("");
        footer.add("Request fields (" + request.getName() + "):");
        fields(footer, request, "  ", 0);
        footer.add("");
        footer.add("Example:");
        footer.add("  " + example(request));
        spec.usageMessage().footer(footer.toArray(String[]::new));
    }

    private static void fields(List<String> lines, Descriptors.Descriptor message, String indent, int depth) {
        for (Descriptors.FieldDescriptor field : message.getFields()) {
            lines.add(indent + field.getName() + "  " + (field.isMapField() ? "map" : field.isRepeated() ? "repeated " + typeName(field) : typeName(field)));
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && !field.isMapField()
                    && !field.getMessageType().getFile().getPackage().startsWith("google.") && depth < 2) {
                fields(lines, field.getMessageType(), indent + "  ", depth + 1);
            }
        }
    }

    private static String typeName(Descriptors.FieldDescriptor field) {
        return switch (field.getJavaType()) {
            case MESSAGE -> field.getMessageType().getName();
            case ENUM -> field.getEnumType().getName();
            default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private String example(Descriptors.Descriptor request) {
        StringBuilder example = new StringBuilder("finehero " + rpc.group() + " " + rpc.command());
        for (Map.Entry<OptionSpec, String> option : fieldOptions.entrySet()) {
            example.append(' ').append(option.getKey().longestName()).append(' ').append(option.getKey().paramLabel());
            break;
        }
        for (Descriptors.FieldDescriptor field : request.getFields()) {
            if (field.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && !field.isRepeated()) {
                String path = field.getName();
                Descriptors.Descriptor type = field.getMessageType();
                while (true) {
                    var scalar = type.getFields().stream().filter(f -> !f.isRepeated()
                            && f.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE).findFirst();
                    if (scalar.isPresent() || type.getFile().getPackage().startsWith("google.")) {
                        example.append(" --set ").append(path).append(scalar.map(f -> "." + f.getName() + "=<" + typeName(f) + ">")
                                .orElse("=<" + type.getName() + " as JSON>"));
                        break;
                    }
                    var nested = type.getFields().stream().filter(f -> !f.isRepeated()).findFirst();
                    if (nested.isEmpty()) {
                        break;
                    }
                    path += "." + nested.get().getName();
                    type = nested.get().getMessageType();
                }
                break;
            }
        }
        return example.append(" -o json").toString();
    }

    @Override
    public Integer call() throws IOException {
        FineHeroCli.Output output = spec.findOption(OUTPUT).getValue() == null ? root.output : spec.findOption(OUTPUT).getValue();
        List<Message> requests = requests();
        PrintWriter out = TerminalText.cleaning(spec.commandLine().getOut());
        @SuppressWarnings("unchecked")
        MethodDescriptor<Message, Message> method = (MethodDescriptor<Message, Message>) rpc.method();
        try (FineHeroClient client = root.client()) {
            if (rpc.schema().isClientStreaming()) {
                for (Message response : clientStream(client, method, requests)) {
                    print(out, output, response, rpc.schema().isServerStreaming());
                }
            } else if (rpc.schema().isServerStreaming()) {
                Iterator<Message> responses = ClientCalls.blockingServerStreamingCall(client.channel(), method, streamOptions(), requests.getFirst());
                while (responses.hasNext()) {
                    print(out, output, responses.next(), true);
                }
            } else {
                print(out, output, ClientCalls.blockingUnaryCall(client.channel(), method, CallOptions.DEFAULT, requests.getFirst()), false);
            }
        }
        return 0;
    }

    private CallOptions streamOptions() {
        CommandLine.ParseResult top = spec.root().commandLine().getParseResult();
        return top != null && top.hasMatchedOption("--deadline") ? CallOptions.DEFAULT
                : CallOptions.DEFAULT.withDeadlineAfter(STREAM_HOURS, TimeUnit.HOURS);
    }

    private List<Message> clientStream(FineHeroClient client, MethodDescriptor<Message, Message> method, List<Message> requests) {
        List<Message> responses = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<Message> sending = ClientCalls.asyncBidiStreamingCall(client.channel().newCall(method, streamOptions()), new StreamObserver<>() {
            @Override
            public void onNext(Message response) {
                synchronized (responses) {
                    responses.add(response);
                }
            }

            @Override
            public void onError(Throwable failure) {
                done.completeExceptionally(failure);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        requests.forEach(sending::onNext);
        sending.onCompleted();
        try {
            done.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        synchronized (responses) {
            return List.copyOf(responses);
        }
    }

    private void print(PrintWriter out, FineHeroCli.Output output, Message message, boolean stream) {
        switch (output) {
            case json -> out.println(stream ? MessageText.compactJson(message) : MessageText.json(message));
            case yaml -> out.print((stream ? "---\n" : "") + MessageText.yaml(message));
            case table -> {
                if (stream) {
                    out.println(MessageText.line(message));
                } else {
                    MessageText.table(out, message);
                }
            }
        }
        out.flush();
    }

    /** The request(s) from --from-file, the field flags and --set, in that order. */
    List<Message> requests() throws IOException {
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) rpc.method().getRequestMarshaller()).getMessagePrototype();
        Descriptors.Descriptor type = rpc.schema().getInputType();
        List<JsonElement> bodies = new ArrayList<>();
        Path file = spec.findOption(FROM_FILE).getValue();
        if (file != null) {
            JsonElement read;
            try {
                read = JsonParser.parseString(Files.readString(file));
            } catch (com.google.gson.JsonParseException e) {
                throw usage(file + " is not JSON: " + e.getMessage());
            }
            if (read instanceof JsonArray items && rpc.schema().isClientStreaming()) {
                items.forEach(bodies::add);
            } else {
                bodies.add(read);
            }
        }
        JsonObject assigned = new JsonObject();
        try {
            for (Map.Entry<OptionSpec, String> option : fieldOptions.entrySet()) {
                Object value = option.getKey().getValue();
                if (value instanceof List<?> values) {
                    values.forEach(v -> MessageText.assign(assigned, type, option.getValue(), (String) v));
                } else if (value != null) {
                    MessageText.assign(assigned, type, option.getValue(), (String) value);
                }
            }
            List<String> sets = spec.findOption(SET).getValue();
            for (String set : sets == null ? List.<String>of() : sets) {
                int equals = set.indexOf('=');
                if (equals <= 0) {
                    throw new IllegalArgumentException("--set takes FIELD=VALUE, not '" + set + "'");
                }
                MessageText.assign(assigned, type, set.substring(0, equals).strip(), set.substring(equals + 1));
            }
            if (bodies.isEmpty()) {
                bodies.add(new JsonObject());
            }
            List<Message> requests = new ArrayList<>();
            for (int i = 0; i < bodies.size(); i++) {
                Message.Builder builder = prototype.newBuilderForType();
                MessageText.merge(bodies.get(i).toString(), builder);
                if (i == 0 && !assigned.isEmpty()) {
                    // the JSON parser sets a field once: lay the assignments over the file's request, then parse the whole
                    JsonObject combined = MessageText.protoNamedJson(builder);
                    MessageText.overlay(combined, assigned);
                    builder = prototype.newBuilderForType();
                    MessageText.merge(combined.toString(), builder);
                }
                requests.add(builder.build());
            }
            return requests;
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
