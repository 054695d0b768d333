package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One accepted connection on the server, up to its first flight: a fresh channel gets its TLS
 * handler(s), reads a real TLS 1.3 ClientHello (the JDK client's, SNI {@code localhost}) and
 * writes ServerHello to Finished (BoringSSL's ECDSA P-256 signature and X25519 included); then
 * the channel is closed. {@code stack=plain} is Netty's {@code SslHandler} from
 * {@code SslContextBuilder}, what the load harness's plain server does per connection;
 * {@code stack=netty-tls} is {@link SniCertSelector} over an {@link SniMapping} of 100 names,
 * which parses the ClientHello, looks the name up and puts the context's {@code SslHandler} and
 * its companions in its place. The difference is what netty-tls costs per connection, crypto
 * aside; the allocation column shows it reliably on a busy machine, ops/s only roughly.
 */
public class ServerFirstFlightBenchmark extends JmhDefaults {
    @Param({"plain", "netty-tls"})
    public String stack;

    private byte[] clientHello;
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
        SniMapping.Builder names = SniMapping.builder().add("localhost", context);
        for (int i = 1; i < 100; i++) {
            names.add("host" + i + ".bench.test", context);
        }
        mapping = names.build();

        SSLEngine client = SSLContext.getDefault().createSSLEngine("localhost", 443);
        client.setUseClientMode(true);
        SSLParameters p = client.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName("localhost")));
        p.setProtocols(new String[] {"TLSv1.3"});
        client.setSSLParameters(p);
        ByteBuffer record = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), record);
        record.flip();
        clientHello = new byte[record.remaining()];
        record.get(clientHello);
        if (firstFlight() < 200) {
            throw new IllegalStateException(stack + ": the server wrote no first flight");
        }
    }

    @TearDown
    public void tearDown() {
        io.netty.util.ReferenceCountUtil.release(plain);
    }

    @Benchmark
    public int firstFlight() {
        EmbeddedChannel ch = new EmbeddedChannel();
        if (stack.equals("plain")) {
            ch.pipeline().addLast(plain.newHandler(ch.alloc()));
        } else {
            SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS);
        }
        ch.writeInbound(Unpooled.wrappedBuffer(clientHello));
        int written = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            written += b.readableBytes();
            b.release();
        }
        ch.finishAndReleaseAll();
        return written;
    }
}
