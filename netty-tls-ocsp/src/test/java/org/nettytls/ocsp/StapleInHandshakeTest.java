package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;

/**
 * The design of the client check rests on this: BoringSSL hands the server's staple to the
 * certificate verify callback, in TLS 1.2 (CertificateStatus comes after Certificate, and
 * BoringSSL verifies after reading it) and in TLS 1.3 (the staple rides in the Certificate
 * message), so a staple check can fail the handshake itself.
 */
class StapleInHandshakeTest {
    final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void theStapleIsVisibleInsideTheTrustManager(String version) throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Spike Root").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().dns("localhost").signedBy(root).build();
        byte[] staple = {0x30, 0x03, 0x0a, 0x01, 0x06};
        TlsServerContext serverTls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial())
                .ocspStapling(true).protocols(version).build());
        int port = loop.server(ch -> {
            SslHandler h = serverTls.install(ch.pipeline());
            ((ReferenceCountedOpenSslEngine) h.engine()).setOcspResponse(staple);
        }, side -> { }, true);
        CompletableFuture<byte[]> seen = new CompletableFuture<>();
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .ocspStapling(true).addPeerCheck(peer -> seen.complete(
                        ((ReferenceCountedOpenSslEngine) peer.engine()).getOcspResponse())).build());
        Loopback.Side c = loop.client(client, "localhost", port);
        assertNull(c.handshakeFailure());
        assertArrayEquals(staple, seen.get(10, TimeUnit.SECONDS));
    }
}
