package org.nettytls.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.OpenSslContextOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.internal.CertificateCompression;
import org.nettytls.testing.Loopback;

/**
 * Certificate compression (RFC 8879) between netty-tls clients and servers on real sockets:
 * negotiated when both offer it (the default), not when either side turns it off, both ways (a
 * server's certificate and a client's), with the server's first flight counted on the wire: the
 * TLS records of its first flush (ServerHello to Finished), before any ticket.
 */
class CertificateCompressionTest {
    private static HeldCertificate root;
    private static HeldCertificate rsaLeaf;
    private static HeldCertificate ecLeaf;
    private static HeldCertificate clientLeaf;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Compression Test Root").rsa(2048).certificateAuthority(1).build();
        HeldCertificate rsaIntermediate = HeldCertificate.builder().commonName("Compression Test RSA Intermediate")
                .rsa(2048).certificateAuthority(0).signedBy(root).build();
        HeldCertificate ecIntermediate = HeldCertificate.builder().commonName("Compression Test ECDSA Intermediate")
                .certificateAuthority(0).signedBy(root).build();
        rsaLeaf = HeldCertificate.builder().commonName("www.compress.test").dns("www.compress.test", "compress.test")
                .rsa(2048).signedBy(rsaIntermediate).build();
        ecLeaf = HeldCertificate.builder().commonName("www.compress.test").dns("www.compress.test", "compress.test")
                .signedBy(ecIntermediate).build();
        clientLeaf = HeldCertificate.builder().commonName("client.compress.test").dns("client.compress.test")
                .rsa(2048).signedBy(rsaIntermediate).build();
    }

    /** Counts the bytes this side writes, and those of its first flush that carried any. */
    static final class WireCounter extends ChannelDuplexHandler {
        final CompletableFuture<Long> firstFlight = new CompletableFuture<>();
        private long pending;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf) {
                pending += ((ByteBuf) msg).readableBytes();
            }
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (pending > 0) {
                firstFlight.complete(pending);
            }
            ctx.flush();
        }

        long await() throws Exception {
            return firstFlight.get(20, TimeUnit.SECONDS);
        }
    }

    /** One handshake's facts. */
    record Outcome(long serverFirstFlight, String clientReceived, String serverSent, String serverReceived) {
    }

    private static Outcome handshake(HeldCertificate serverCert, UnaryOperator<TlsServerOptions.Builder> server,
            UnaryOperator<TlsClientOptions.Builder> client) throws Exception {
        TlsServerContext serverTls = TlsServerContext.create(server.apply(TlsServerOptions.builder()
                .certificate(serverCert.keyMaterial())).build());
        TlsClientContext clientTls = TlsClientContext.create(client.apply(TlsClientOptions.builder()
                .caCertificates(root.certificate())).build());
        try (Loopback loop = new Loopback()) {
            WireCounter wire = new WireCounter();
            CompletableFuture<Loopback.Side> accepted = new CompletableFuture<>();
            int port = loop.server(ch -> {
                ch.pipeline().addLast("wire", wire);
                serverTls.install(ch.pipeline());
            }, accepted::complete, true);
            Loopback.Side c = loop.client(clientTls, "www.compress.test", port);
            assertNull(c.handshakeFailure(), "client handshake");
            Loopback.Side s = accepted.get(20, TimeUnit.SECONDS);
            assertNull(s.handshakeFailure(), "server handshake");
            TlsConnectionInfo clientInfo = TlsConnectionInfo.of(c.handshake.get());
            Channel serverChannel = s.handshake.get();
            TlsConnectionInfo serverInfo = TlsConnectionInfo.of(serverChannel);
            assertEquals("TLSv1_3", clientInfo.tlsVersion().referenceName());
            return new Outcome(wire.await(), clientInfo.peerCertificateCompression().orElse(null),
                    serverInfo.localCertificateCompression().orElse(null),
                    serverInfo.peerCertificateCompression().orElse(null));
        }
    }

    private static String preferred() {
        return CertificateCompression.algorithmNames().get(0);
    }

    @Test
    void brotliIsAvailableHereAndPreferred() {
        // The build puts brotli4j and its linux-x86_64 library on the class path; zlib is the JDK's.
        assertEquals(List.of("brotli", "zlib"), CertificateCompression.algorithmNames());
    }

    @Test
    void onByDefaultForBothRolesAndSmallerOnTheWire() throws Exception {
        for (HeldCertificate cert : List.of(rsaLeaf, ecLeaf)) {
            String kind = cert == rsaLeaf ? "RSA" : "ECDSA";
            Outcome plain = handshake(cert, s -> s, c -> c.certificateCompression(false));
            Outcome brotli = handshake(cert, s -> s, c -> c);
            Outcome zlib = handshake(cert, s -> s, c -> c.contextCustomizer(b ->
                    b.option(OpenSslContextOption.CERTIFICATE_COMPRESSION_ALGORITHMS, CertificateCompression.config("zlib"))));
            assertNull(plain.clientReceived(), kind + ": the client offered nothing, the certificate came plain");
            assertNull(plain.serverSent());
            assertEquals(preferred(), brotli.clientReceived(), kind);
            assertEquals(preferred(), brotli.serverSent(), kind);
            assertEquals("zlib", zlib.clientReceived(), kind + ": a client offering zlib only gets zlib");
            assertTrue(brotli.serverFirstFlight() < plain.serverFirstFlight(), kind + ": " + brotli + " vs " + plain);
            assertTrue(zlib.serverFirstFlight() < plain.serverFirstFlight(), kind + ": " + zlib + " vs " + plain);
            System.out.printf("measured: %s chain (leaf + intermediate) server first flight: %d bytes uncompressed, "
                    + "%d with zlib (-%d), %d with brotli (-%d)%n", kind, plain.serverFirstFlight(),
                    zlib.serverFirstFlight(), plain.serverFirstFlight() - zlib.serverFirstFlight(),
                    brotli.serverFirstFlight(), plain.serverFirstFlight() - brotli.serverFirstFlight());
        }
    }

    @Test
    void aServerWithCompressionOffDoesNotCompress() throws Exception {
        Outcome o = handshake(rsaLeaf, s -> s.certificateCompression(false), c -> c);
        assertNull(o.clientReceived());
        assertNull(o.serverSent());
    }

    /**
     * BoringSSL compresses only in the server-to-client direction: its CertificateRequest offers
     * no algorithm, so a client's certificate goes plain even with compression on at both ends.
     * Pinned here so that a tcnative that starts compressing client certificates is noticed (the
     * decompression side is the same bounded code).
     */
    @Test
    void aClientCertificateGoesPlainWhileTheServersIsCompressed() throws Exception {
        Outcome on = handshake(rsaLeaf, s -> s.verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate()),
                c -> c.certificate(clientLeaf.keyMaterial()));
        assertNull(on.serverReceived(), "BoringSSL's server offers no compression for the client's certificate");
        assertEquals(preferred(), on.clientReceived(), "the server's certificate is compressed on the same connection");
    }
}
