package com.finehero.client;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;

/**
 * Several FineHero instances named up front, for a client without a load balancer in front: one
 * address group per instance, which the channel's {@code round_robin} policy spreads calls over. An
 * instance that refuses connections, or whose gRPC health service says NOT_SERVING (draining, database
 * down), leaves the rotation until it is healthy again.
 */
final class StaticTargets extends NameResolverProvider {

    static final String SCHEME = "finehero-static";

    private final List<InetSocketAddress> targets;

    StaticTargets(List<InetSocketAddress> targets) {
        this.targets = List.copyOf(targets);
    }

    /** The channel target this provider resolves. */
    String target() {
        return SCHEME + ":///" + targets.size() + "-instances";
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!SCHEME.equals(targetUri.getScheme())) {
            return null;
        }
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                return targets.getFirst().getHostString() + ":" + targets.getFirst().getPort();
            }

            @Override
            public void start(Listener2 listener) {
                List<EquivalentAddressGroup> groups = new ArrayList<>();
                for (InetSocketAddress target : targets) {
                    // resolved now, so one unknown host fails only its own group's connections
                    SocketAddress address = target.isUnresolved() ? new InetSocketAddress(target.getHostString(), target.getPort()) : target;
                    groups.add(new EquivalentAddressGroup(address));
                }
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        return 5;
    }

    @Override
    public java.util.Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
