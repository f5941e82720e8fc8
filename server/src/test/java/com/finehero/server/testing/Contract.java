package com.finehero.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;

/** Every service of the FineHero contract, found from the descriptor set the build writes, not from a list. */
public final class Contract {

    private Contract() {
    }

    public static List<Descriptors.ServiceDescriptor> services() {
        FileDescriptorSet set;
        try (InputStream in = Contract.class.getResourceAsStream("/finehero/contract.desc")) {
            if (in == null) {
                throw new IllegalStateException("/finehero/contract.desc is not on the classpath");
            }
            set = FileDescriptorSet.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Descriptors.ServiceDescriptor> services = new ArrayList<>();
        for (FileDescriptorProto file : set.getFileList()) {
            if (file.getServiceCount() == 0 || !file.getPackage().startsWith("finehero.")) {
                continue;
            }
            String outer = file.getOptions().getJavaPackage() + "." + file.getOptions().getJavaOuterClassname();
            try {
                Descriptors.FileDescriptor descriptor = (Descriptors.FileDescriptor) Class.forName(outer).getMethod("getDescriptor").invoke(null);
                services.addAll(descriptor.getServices());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("no generated class " + outer + " for " + file.getName(), e);
            }
        }
        return services;
    }
}
