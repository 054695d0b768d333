package org.nettytls.metrics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What recording metrics costs a server handshake: one accepted connection through
 * {@link SniCertSelector} over a 100-name mapping and a full TLS 1.3 handshake with a BoringSSL
 * client over in-memory channels (as {@code ServerHandshakeBenchmark}'s {@code netty-tls} row),
 * with {@code metrics=off} (no observer: nothing is added) and {@code metrics=on} (the contexts
 * and the selector report to a {@link TlsMetrics} bound to a Micrometer registry: the observing
 * handler, the SNI counter and the handshake timer). The difference between the rows is the
 * metrics' cost per handshake; compare it with the noise between runs of the same row.
 */
public class MetricsHandshakeBenchmark extends JmhDefaults {
    @Param({"off", "on"})
    public String metrics;

    private SslContext client;
    private SniMapping mapping;
    private SniSelectorOptions selector;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate cert = HeldCertificate.builder().commonName("localhost").dns("localhost").ec("secp256r1").build();
        TlsServerOptions.Builder options = TlsServerOptions.builder().certificate(cert.keyMaterial());
        selector = SniSelectorOptions.DEFAULTS;
        TlsMetrics binder = null;
        if (metrics.equals("on")) {
            binder = TlsMetrics.of(new SimpleMeterRegistry());
            options.observer(binder);
            selector = SniSelectorOptions.builder().observer(binder).build();
        }
        TlsServerContext context = TlsServerContext.create(options.build());
        ((OpenSslSessionContext) context.sslContext().sessionContext()).setSessionCacheEnabled(false);
        SniMapping.Builder names = SniMapping.builder().add("www.bench.test", context);
        for (int i = 1; i < 100; i++) {
            names.add("host" + i + ".bench.test", TlsServerContext.create(TlsServerOptions.builder()
                    .certificate(cert.keyMaterial()).build()));
        }
        mapping = names.build();
        if (binder != null) {
            binder.monitor(mapping);
        }
        // The client trusts anything: this measures what recording costs the server's handshake,
        // and a verifying client would add the same cost with metrics on and off.
        client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3")
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        ((OpenSslSessionContext) client.sessionContext()).setSessionCacheEnabled(false);
        if (handshake() < 200) {
            throw new IllegalStateException(metrics + ": no handshake");
        }
    }

    @TearDown
    public void tearDown() {
        io.netty.util.ReferenceCountUtil.release(client);
    }

    @Benchmark
    public int handshake() {
        EmbeddedChannel server = new EmbeddedChannel();
        SniCertSelector.install(server.pipeline(), mapping, selector);
        SslHandler clientSsl = client.newHandler(server.alloc(), "www.bench.test", 443);
        EmbeddedChannel peer = new EmbeddedChannel(clientSsl);
        int moved = 0;
        for (int i = 0; i < 8 && !(clientSsl.handshakeFuture().isDone() && serverDone(server)); i++) {
            moved += shuttle(peer, server) + shuttle(server, peer);
        }
        if (!clientSsl.handshakeFuture().isSuccess() || !serverDone(server)) {
            throw new IllegalStateException(metrics + ": the handshake did not complete: " + clientSsl.handshakeFuture().cause());
        }
        peer.finishAndReleaseAll();
        server.finishAndReleaseAll();
        return moved;
    }

    private static boolean serverDone(EmbeddedChannel server) {
        SslHandler ssl = server.pipeline().get(SslHandler.class);
        return ssl != null && ssl.handshakeFuture().isSuccess();
    }

    private static int shuttle(EmbeddedChannel from, EmbeddedChannel to) {
        int n = 0;
        for (Object o; (o = from.readOutbound()) != null; ) {
            n += ((ByteBuf) o).readableBytes();
            to.writeInbound(o);
        }
        return n;
    }
}
