package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.verify.ValidationProfile;

/**
 * Issue #15, items 9 and 10 end to end: the validation profile, the verify depth and the validation
 * clock given to the client's and the server's options decide real handshakes between a netty-tls
 * client and server.
 */
class ValidationOptionsTest {
    private final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    private int serve(HeldCertificate cert) throws TlsException {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build()),
                side -> { });
    }

    private Side connect(TlsClientOptions.Builder options, int port) throws TlsException {
        return loop.client(TlsClientContext.create(options.build()), "localhost", port);
    }

    @Test
    void theClientsProfileDepthAndClockReachItsTrustManager() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Options Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().subject("O=Options CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate cnOnly = HeldCertificate.builder().commonName("localhost").signedBy(ca).build();
        int port = serve(cnOnly);

        assertNull(connect(TlsClientOptions.builder().caCertificates(root.certificate()), port).handshakeFailure());
        Throwable webpki = connect(TlsClientOptions.builder().caCertificates(root.certificate())
                .validationProfile(ValidationProfile.WEBPKI), port).handshakeFailure();
        assertEquals(TlsErrorCode.PROFILE_VIOLATION, TlsException.classify(webpki).code(), String.valueOf(webpki));

        Throwable shallow = connect(TlsClientOptions.builder().caCertificates(root.certificate()).maxChainDepth(0), port)
                .handshakeFailure();
        assertNotNull(shallow);
        assertTrue(TlsException.classify(shallow).getMessage().contains("at most 0 intermediates"), shallow.toString());

        Clock nextYear = Clock.fixed(Instant.now().plus(400, ChronoUnit.DAYS), ZoneOffset.UTC);
        Throwable late = connect(TlsClientOptions.builder().caCertificates(root.certificate()).validationClock(nextYear), port)
                .handshakeFailure();
        assertEquals(TlsErrorCode.CERT_EXPIRED, TlsException.classify(late).code(), String.valueOf(late));
    }

    @Test
    void theServersOptionsJudgeClientCertificatesTheSameWay() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Client Root").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().dns("localhost").signedBy(root).build();
        HeldCertificate client = HeldCertificate.builder().commonName("alice").signatureAlgorithm("SHA1withECDSA")
                .signedBy(root).build();
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial())
                .verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate()).build());
        java.util.concurrent.BlockingQueue<Side> accepted = new java.util.concurrent.LinkedBlockingQueue<>();
        int port = loop.server(tls, accepted::add);
        connect(TlsClientOptions.builder().caCertificates(root.certificate()).certificate(client.keyMaterial()
                .key(), client.chain()).securityFloor(org.nettytls.verify.SecurityFloor.LEGACY), port);
        Side serverSide = accepted.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        assertNotNull(serverSide);
        Throwable failure = serverSide.handshakeFailure();
        assertNotNull(failure, "the server refuses a SHA-1-signed client certificate");
        TlsException refusal = TlsException.classify(failure);
        assertEquals(TlsErrorCode.WEAK_CRYPTO, refusal.code(), failure.toString());
        assertTrue(refusal.getMessage().contains("SHA1withECDSA"), refusal.getMessage());

        TlsServerContext lenient = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial())
                .verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate())
                .securityFloor(org.nettytls.verify.SecurityFloor.LEGACY).build());
        int lenientPort = loop.server(lenient, side -> { });
        Side ok = connect(TlsClientOptions.builder().caCertificates(root.certificate()).certificate(client.keyMaterial()
                .key(), client.chain()).securityFloor(org.nettytls.verify.SecurityFloor.LEGACY), lenientPort);
        assertNull(ok.handshakeFailure());
    }
}
