package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * Issue #15, item 9: the TLS options' validation clock reaches the OCSP staple checked inside the
 * handshake, as it reaches the chain: a staple that is current only at the clock's time is good
 * with that clock and refused without it.
 */
class ValidationClockTest {
    final Loopback loop = new Loopback();

    @AfterEach
    void close() {
        loop.close();
    }

    @Test
    void theStapleIsJudgedAtTheOptionsClock() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Clock Root").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(900))
                .signedBy(root).build();
        Instant later = Instant.now().plus(Duration.ofDays(3));
        // Current from two days on, for two days: not yet at the system's time.
        byte[] staple = Responses.forCert(leaf, root).times(later.minus(Duration.ofDays(1)), later.plus(Duration.ofDays(1)))
                .build();
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .ocspStapling(true).build());
        int port = loop.server(ch -> {
            SslHandler h = server.install(ch.pipeline());
            ((ReferenceCountedOpenSslEngine) h.engine()).setOcspResponse(staple);
        }, side -> { }, true);

        OcspClientConfig now = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
        Side refused = OcspClients.connect(loop, OcspClients.context(now, root), now, port);
        Throwable failure = refused.handshakeFailure();
        assertNotNull(failure, "a staple that is not yet current must not pass at the system's time");
        assertEquals(TlsErrorCode.OCSP_RESPONSE_INVALID, TlsException.classify(failure).code(), failure::toString);

        // Only the TLS options get the clock: the staple inside the handshake is judged at it.
        OcspClientConfig atLater = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
        TlsClientContext tls = TlsClientContext.create(atLater.applyTo(TlsClientOptions.builder()
                .caCertificates(root.certificate()).validationClock(Clock.fixed(later, ZoneOffset.UTC))).build());
        Side accepted = OcspClients.connect(loop, tls, atLater, port);
        assertNull(accepted.handshakeFailure(), () -> "at the clock's time the staple is good: " + accepted.handshakeFailure());
        String status = OcspClients.status(accepted);
        assertTrue(status.startsWith("good (staple"), status);
    }
}
