package org.nettytls.acme;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.testing.Loopback;

/**
 * A netty-tls server whose certificates come from {@link AcmeCertificates} instances: an SNI
 * selector that answers tls-alpn-01 for the first, a reloader whose mapping holds every
 * instance's certificates, and a plain port answering http-01 for all. Records every event.
 */
final class AcmeServer implements AutoCloseable {
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final BlockingQueue<AcmeEvent> events = new LinkedBlockingQueue<>();
    final List<AcmeEvent> seen = new ArrayList<>();
    private final java.util.Set<AcmeEvent> returned = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    final List<AcmeCertificates> instances = new ArrayList<>();
    SniReloader reloader;
    Channel tls;
    Channel http;

    /** Binds the TLS and HTTP ports for {@code acme} (the first answers tls-alpn-01); none is started yet. */
    AcmeServer(AcmeCertificates... acme) throws Exception {
        instances.addAll(List.of(acme));
        reloader = SniReloader.create(() -> {
            SniMapping.Builder b = SniMapping.builder();
            for (AcmeCertificates a : instances) {
                a.addTo(b, o -> o);
            }
            return b.isEmpty() ? SniMapping.empty() : b.build();
        });
        for (AcmeCertificates a : instances) {
            a.attach(reloader).onEvent(e -> {
                System.out.println(e);
                events.add(e);
            });
        }
        SniSelectorOptions selector = SniSelectorOptions.builder().tlsAlpnChallenges(acme[0]).build();
        AcmeCertificates httpAcme = instances.stream().filter(a -> a.options().challenges().contains(AcmeChallengeType.HTTP_01))
                .findFirst().orElse(acme[0]);
        tls = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SniCertSelector.install(ch.pipeline(), reloader, selector);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        http = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(httpAcme.http01Handler());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    int tlsPort() {
        return ((InetSocketAddress) tls.localAddress()).getPort();
    }

    int httpPort() {
        return ((InetSocketAddress) http.localAddress()).getPort();
    }

    void start() {
        instances.forEach(AcmeCertificates::start);
    }

    /**
     * The first event, seen already or arriving within {@code seconds}, that matches and has not
     * been returned before; fails naming what came instead.
     */
    AcmeEvent await(Predicate<AcmeEvent> wanted, int seconds, String what) throws InterruptedException {
        for (AcmeEvent e : seen) {
            if (!returned.contains(e) && wanted.test(e)) {
                returned.add(e);
                return e;
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            AcmeEvent e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
            if (e == null) {
                throw new AssertionError("no event '" + what + "' within " + seconds + " s; seen:\n" + String.join("\n",
                        seen.stream().map(Object::toString).toList()));
            }
            seen.add(e);
            if (wanted.test(e)) {
                returned.add(e);
                return e;
            }
        }
    }

    AcmeEvent await(AcmeEvent.Kind kind, String name, int seconds) throws InterruptedException {
        return await(e -> e.kind() == kind && name.equals(e.name()), seconds, kind + " " + name);
    }

    /** The chain a client verifying against {@code root} gets for {@code name}; fails when the handshake does. */
    List<X509Certificate> connect(X509Certificate root, String name, TlsClientOptions.Builder client) throws Exception {
        TlsClientContext ctx = TlsClientContext.create(client.caCertificates(root).build());
        try (Loopback loop = new Loopback()) {
            Loopback.Side c = loop.client(ctx, name, tlsPort());
            Throwable failure = c.handshakeFailure();
            if (failure != null) {
                throw new AssertionError("handshake for " + name + " failed: " + failure, failure);
            }
            return TlsConnectionInfo.of(c.handshake.get()).peerCertificates();
        }
    }

    List<X509Certificate> connect(X509Certificate root, String name) throws Exception {
        return connect(root, name, TlsClientOptions.builder());
    }

    @Override
    public void close() {
        instances.forEach(AcmeCertificates::close);
        reloader.close();
        tls.close().syncUninterruptibly();
        http.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
