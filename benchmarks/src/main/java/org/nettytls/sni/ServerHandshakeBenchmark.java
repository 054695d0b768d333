package org.nettytls.sni;

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
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One accepted connection on the server, through a full TLS 1.3 handshake: a fresh channel gets
 * its TLS handler(s) and completes a handshake with a BoringSSL client over in-memory channels
 * (SNI {@code www.bench.test}: Netty sends none for a name without a dot; no session cache, so
 * never a resumption), BoringSSL's ECDSA P-256 signature and X25519 on both sides included; then
 * both channels are closed. The client's work is the same in both cases. {@code stack=plain} is Netty's {@code SslHandler} from
 * {@code SslContextBuilder}, what the load harness's plain server does per connection;
 * {@code stack=netty-tls} is {@link SniCertSelector} over an {@link SniMapping} of 100 names,
 * which parses the ClientHello, looks the name up and puts the context's {@code SslHandler} and
 * its companions in its place, then reports the handshake ({@code SniSelectionEvent}, the
 * certificate sent). The difference is what netty-tls costs per connection; the allocation
 * column shows it reliably on a busy machine, ops/s only roughly.
 */
public class ServerHandshakeBenchmark extends JmhDefaults {
    @Param({"plain", "netty-tls"})
    public String stack;

    private SslContext client;
    private SslContext plain;
    private SniMapping mapping;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate cert = HeldCertificate.builder().commonName("localhost").dns("localhost").ec("secp256r1").build();
        plain = SslContextBuilder.forServer(cert.privateKey(), cert.keyMaterial().chain()).sslProvider(SslProvider.OPENSSL)
                .build();
        ((OpenSslSessionContext) plain.sessionContext()).setSessionCacheEnabled(false);
        TlsServerContext context = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build());
        ((OpenSslSessionContext) context.sslContext().sessionContext()).setSessionCacheEnabled(false);
        SniMapping.Builder names = SniMapping.builder().add("www.bench.test", context);
        for (int i = 1; i < 100; i++) {
            names.add("host" + i + ".bench.test", context);
        }
        mapping = names.build();

        // The client trusts anything: this measures the server's side of a handshake, and a
        // verifying client would add the same cost to both rows.
        client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL).protocols("TLSv1.3")
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        ((OpenSslSessionContext) client.sessionContext()).setSessionCacheEnabled(false);
        if (handshake() < 200) {
            throw new IllegalStateException(stack + ": no handshake");
        }
    }

    @TearDown
    public void tearDown() {
        io.netty.util.ReferenceCountUtil.release(plain);
        io.netty.util.ReferenceCountUtil.release(client);
    }

    @Benchmark
    public int handshake() {
        EmbeddedChannel server = new EmbeddedChannel();
        if (stack.equals("plain")) {
            server.pipeline().addLast(plain.newHandler(server.alloc()));
        } else {
            SniCertSelector.install(server.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
        }
        SslHandler clientSsl = client.newHandler(server.alloc(), "www.bench.test", 443);
        EmbeddedChannel peer = new EmbeddedChannel(clientSsl);
        int moved = 0;
        for (int i = 0; i < 8 && !(clientSsl.handshakeFuture().isDone() && serverDone(server)); i++) {
            moved += shuttle(peer, server) + shuttle(server, peer);
        }
        if (!clientSsl.handshakeFuture().isSuccess() || !serverDone(server)) {
            throw new IllegalStateException(stack + ": the handshake did not complete: " + clientSsl.handshakeFuture().cause());
        }
        peer.finishAndReleaseAll();
        server.finishAndReleaseAll();
        return moved;
    }

    private static boolean serverDone(EmbeddedChannel server) {
        SslHandler ssl = server.pipeline().get(SslHandler.class);
        return ssl != null && ssl.handshakeFuture().isSuccess();
    }

    /** What {@code from} wrote, into {@code to}; the number of bytes. */
    private static int shuttle(EmbeddedChannel from, EmbeddedChannel to) {
        int n = 0;
        for (Object o; (o = from.readOutbound()) != null; ) {
            n += ((ByteBuf) o).readableBytes();
            to.writeInbound(o);
        }
        return n;
    }
}
