package org.nettytls.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;

/**
 * Memory per idle TLS connection: netty-tls' full stack against a plain Netty {@code SslHandler}
 * on the same OpenSSL (BoringSSL) engine, each side separately. For each pairing it opens
 * {@code memory.connections} connections on 127.0.0.1 (client and server both in this JVM), lets
 * each finish its handshake and one round trip, and divides what the JVM holds more after
 * garbage collection (live heap, direct memory, resident set) by the number of connections.
 *
 * <p>A measurement, printed: {@code mvn -B verify -Pmemory -Dmemory.connections=2000}. The
 * build's own run uses few connections and only checks a sanity bound far away, so it cannot
 * fail on a slower or busier machine.
 */
@Tag("memory")
class ConnectionMemoryTest {
    /** A sanity bound, far above any real figure: a megabyte of live heap per connection. */
    private static final long SANITY_BOUND = 1024 * 1024;

    /** One side's pipeline set-up for a connection. */
    private interface Stack {
        void install(SocketChannel ch) throws Exception;
    }

    @Test
    void measureIdleConnections() throws Exception {
        int n = Integer.getInteger("memory.connections", 100);
        HeldCertificate ca = HeldCertificate.builder().commonName("Memory CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
        SslContext plainServer = SslContextBuilder.forServer(leaf.privateKey(), leaf.certificate())
                .sslProvider(SslProvider.OPENSSL).build();
        SslContext plainClient = SslContextBuilder.forClient().trustManager(ca.certificate()).sslProvider(SslProvider.OPENSSL).build();
        SniMapping mapping = SniMapping.builder().addDefault(
                TlsServerOptions.builder().certificate(leaf.keyMaterial()).build()).build();
        TlsClientContext nettyTls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build());

        Stack plainS = ch -> ch.pipeline().addLast(plainServer.newHandler(ch.alloc()));
        Stack fullS = ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
        Stack plainC = ch -> ch.pipeline().addLast(plainClient.newHandler(ch.alloc(), "localhost", 443));
        Stack fullC = ch -> nettyTls.install(ch.pipeline(), "localhost", 443);

        // Warm up: classes, the JIT, allocator arenas; its figures are thrown away.
        measure(Math.min(n, 200), plainS, plainC);
        measure(Math.min(n, 200), fullS, fullC);

        // Three rounds, the pairings interleaved, and the median of each figure: one round alone is noisy.
        List<List<long[]>> rounds = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < 3; round++) {
            rounds.get(0).add(measure(n, plainS, plainC));
            rounds.get(1).add(measure(n, fullS, plainC));
            rounds.get(2).add(measure(n, plainS, fullC));
            rounds.get(3).add(measure(n, fullS, fullC));
        }
        long[] pp = median(rounds.get(0));
        long[] fp = median(rounds.get(1));
        long[] pf = median(rounds.get(2));
        long[] ff = median(rounds.get(3));
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "memory per idle TLS connection, %d connections each, bytes per connection "
                + "(client and server both in this JVM; after GC; median of 3)%n", n));
        b.append(String.format(Locale.ROOT, "%-52s %10s %10s %10s%n", "server / client", "heap", "direct", "rss"));
        row(b, "plain SslHandler / plain SslHandler", pp);
        row(b, "netty-tls (SniCertSelector) / plain SslHandler", fp);
        row(b, "plain SslHandler / netty-tls (TlsClientContext)", pf);
        row(b, "netty-tls / netty-tls", ff);
        b.append(String.format(Locale.ROOT, "netty-tls adds per connection: server %+d heap, %+d direct; client %+d heap, %+d direct%n",
                fp[0] - pp[0], fp[1] - pp[1], pf[0] - pp[0], pf[1] - pp[1]));
        System.out.print(b);
        Files.writeString(Path.of("target", "connection-memory.txt"), b.toString());
        for (long[] m : List.of(pp, fp, pf, ff)) {
            assertTrue(m[0] < SANITY_BOUND, b::toString);
        }
    }

    private static long[] median(List<long[]> runs) {
        long[] m = new long[runs.get(0).length];
        for (int i = 0; i < m.length; i++) {
            int k = i;
            m[i] = runs.stream().mapToLong(r -> r[k]).sorted().toArray()[runs.size() / 2];
        }
        return m;
    }

    private static void row(StringBuilder b, String name, long[] m) {
        b.append(String.format(Locale.ROOT, "%-52s %10d %10d %10d%n", name, m[0], m[1], m[2]));
    }

    /** Opens {@code n} idle connections with these stacks; returns heap, direct and RSS bytes per connection. */
    private static long[] measure(int n, Stack server, Stack client) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<Channel> open = new ArrayList<>();
        try {
            Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(initializer(server, ch -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }
                    }))).bind("127.0.0.1", 0).sync().channel();
            open.add(listener);
            int port = ((java.net.InetSocketAddress) listener.localAddress()).getPort();
            Resources before = Resources.measure();
            List<CompletableFuture<Void>> answered = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                CompletableFuture<Void> echoed = new CompletableFuture<>();
                answered.add(echoed);
                Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .handler(initializer(client, c -> c.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.copiedBuffer("ping\n", StandardCharsets.US_ASCII));
                                ctx.fireChannelActive();
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ((ByteBuf) msg).release();
                                echoed.complete(null);
                            }
                        }))).connect("127.0.0.1", port).sync().channel();
                open.add(ch);
                if (i % 50 == 49) {
                    // Not all at once: the listen backlog and two cores.
                    CompletableFuture.allOf(answered.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
                }
            }
            CompletableFuture.allOf(answered.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
            Resources after = Resources.measure();
            return new long[] {(after.heap - before.heap) / n, (after.direct() - before.direct()) / n, (after.rss - before.rss) / n};
        } finally {
            for (Channel c : open) {
                c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static ChannelInitializer<SocketChannel> initializer(Stack stack, Consumer<SocketChannel> then) {
        return new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) throws Exception {
                stack.install(ch);
                then.accept(ch);
            }
        };
    }
}
