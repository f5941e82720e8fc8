package com.finehero.server.platform.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.Descriptors;

/**
 * The comments written in the .proto files, by element. Descriptors of generated code carry no
 * comments, so they are read from the descriptor set the proto build writes with source info
 * ({@value #RESOURCE}). Keys are full names; an enum value's key is its enum's full name plus
 * {@code .VALUE}, since protobuf scopes value names to the enclosing package.
 */
final class ContractComments {

    static final String RESOURCE = "/finehero/contract.desc";

    // Field numbers in descriptor.proto that SourceCodeInfo paths are made of.
    private static final int FILE_MESSAGE_TYPE = 4;
    private static final int FILE_ENUM_TYPE = 5;
    private static final int FILE_SERVICE = 6;
    private static final int MESSAGE_FIELD = 2;
    private static final int MESSAGE_NESTED_TYPE = 3;
    private static final int MESSAGE_ENUM_TYPE = 4;
    private static final int ENUM_VALUE = 2;
    private static final int SERVICE_METHOD = 2;

    private final Map<String, String> byName;

    private ContractComments(Map<String, String> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** Reads the contract's descriptor set from the classpath; fails if the build did not write it. */
    static ContractComments load() {
        try (InputStream in = ContractComments.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath; the finehero-proto build writes it");
            }
            return from(FileDescriptorSet.parseFrom(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    static ContractComments from(FileDescriptorSet set) {
        Map<String, String> byName = new HashMap<>();
        for (FileDescriptorProto file : set.getFileList()) {
            Map<List<Integer>, String> byPath = commentsByPath(file.getSourceCodeInfo());
            String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
            for (int i = 0; i < file.getMessageTypeCount(); i++) {
                indexMessage(file.getMessageType(i), prefix, List.of(FILE_MESSAGE_TYPE, i), byPath, byName);
            }
            for (int i = 0; i < file.getEnumTypeCount(); i++) {
                indexEnum(file.getEnumType(i), prefix, List.of(FILE_ENUM_TYPE, i), byPath, byName);
            }
            for (int i = 0; i < file.getServiceCount(); i++) {
                ServiceDescriptorProto service = file.getService(i);
                List<Integer> path = List.of(FILE_SERVICE, i);
                String name = prefix + service.getName();
                put(byName, name, byPath.get(path));
                for (int m = 0; m < service.getMethodCount(); m++) {
                    put(byName, name + "." + service.getMethod(m).getName(), byPath.get(append(path, SERVICE_METHOD, m)));
                }
            }
        }
        return new ContractComments(byName);
    }

    /** The element's comment, or "" when it has none. */
    String of(Descriptors.GenericDescriptor element) {
        String key = element instanceof Descriptors.EnumValueDescriptor value
                ? value.getType().getFullName() + "." + value.getName()
                : element.getFullName();
        return byName.getOrDefault(key, "");
    }

    private static void indexMessage(DescriptorProto message, String prefix, List<Integer> path,
                                     Map<List<Integer>, String> byPath, Map<String, String> byName) {
        String name = prefix + message.getName();
        put(byName, name, byPath.get(path));
        for (int i = 0; i < message.getFieldCount(); i++) {
            put(byName, name + "." + message.getField(i).getName(), byPath.get(append(path, MESSAGE_FIELD, i)));
        }
        for (int i = 0; i < message.getNestedTypeCount(); i++) {
            indexMessage(message.getNestedType(i), name + ".", append(path, MESSAGE_NESTED_TYPE, i), byPath, byName);
        }
        for (int i = 0; i < message.getEnumTypeCount(); i++) {
            indexEnum(message.getEnumType(i), name + ".", append(path, MESSAGE_ENUM_TYPE, i), byPath, byName);
        }
    }

    private static void indexEnum(EnumDescriptorProto enumType, String prefix, List<Integer> path,
                                  Map<List<Integer>, String> byPath, Map<String, String> byName) {
        String name = prefix + enumType.getName();
        put(byName, name, byPath.get(path));
        for (int i = 0; i < enumType.getValueCount(); i++) {
            put(byName, name + "." + enumType.getValue(i).getName(), byPath.get(append(path, ENUM_VALUE, i)));
        }
    }

    /** Leading comments, else trailing ones; detached comments belong to no element. */
    private static Map<List<Integer>, String> commentsByPath(SourceCodeInfo info) {
        Map<List<Integer>, String> byPath = new HashMap<>();
        for (SourceCodeInfo.Location location : info.getLocationList()) {
            String text = location.hasLeadingComments() ? location.getLeadingComments() : location.getTrailingComments();
            String cleaned = clean(text);
            if (!cleaned.isEmpty()) {
                byPath.putIfAbsent(List.copyOf(location.getPathList()), cleaned);
            }
        }
        return byPath;
    }

    /** protoc keeps the space after "//" and the line breaks; readers want plain lines. */
    private static String clean(String comment) {
        return comment.lines().map(String::strip).filter(line -> !line.isEmpty())
                .collect(Collectors.joining("\n"));
    }

    private static void put(Map<String, String> byName, String name, String comment) {
        if (comment != null) {
            byName.put(name, comment);
        }
    }

    private static List<Integer> append(List<Integer> path, int field, int index) {
        Integer[] longer = path.toArray(new Integer[path.size() + 2]);
        longer[path.size()] = field;
        longer[path.size() + 1] = index;
        return List.of(longer);
    }
}
