package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;

/**
 * {@code TlsServerOptions.ocspStaples} in one context with an RSA and an ECDSA certificate: the
 * certificate BoringSSL chooses carries its own staple; a changed staple reaches the next
 * connection (a new credential), a withdrawn one is no longer sent. The staple bytes are
 * markers: no OCSP check runs on the client, it only reports what came.
 */
class PerCertificateStapleTest {
    final Loopback loop = new Loopback();
    final Map<X509Certificate, byte[]> staples = new ConcurrentHashMap<>();
    HeldCertificate root;
    HeldCertificate rsa;
    HeldCertificate ec;

    @BeforeEach
    void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Per-cert Root").certificateAuthority(0).build();
        rsa = HeldCertificate.builder().dns("localhost").rsa(2048).signedBy(root).build();
        ec = HeldCertificate.builder().dns("localhost").signedBy(root).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    /** The staple a TLS 1.2 client offering only {@code cipher} receives, or {@code null}. */
    byte[] stapleWith(int port, String cipher) throws Exception {
        CompletableFuture<byte[]> seen = new CompletableFuture<>();
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .protocols("TLSv1_2").cipherList(cipher).ocspStapling(true).addPeerCheck(peer -> seen.complete(
                        ((ReferenceCountedOpenSslEngine) peer.engine()).getOcspResponse())).build());
        Loopback.Side c = loop.client(client, "localhost", port);
        assertNull(c.handshakeFailure());
        byte[] got = seen.get(10, TimeUnit.SECONDS);
        return got == null || got.length == 0 ? null : got;
    }

    static byte[] marker(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void eachCertificateCarriesItsOwnCurrentStaple() throws Exception {
        staples.put(rsa.certificate(), marker("rsa-1"));
        staples.put(ec.certificate(), marker("ec-1"));
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(rsa.keyMaterial())
                .addCertificate(ec.keyMaterial()).ocspStaples(staples::get).build());
        int port = loop.server(ch -> tls.install(ch.pipeline()), side -> { }, true);
        String ecdsa = "ECDHE-ECDSA-AES128-GCM-SHA256";
        String rsaSuite = "ECDHE-RSA-AES128-GCM-SHA256";
        assertArrayEquals(marker("ec-1"), stapleWith(port, ecdsa));
        assertArrayEquals(marker("rsa-1"), stapleWith(port, rsaSuite));
        staples.put(ec.certificate(), marker("ec-2"));
        assertArrayEquals(marker("ec-2"), stapleWith(port, ecdsa));
        assertArrayEquals(marker("rsa-1"), stapleWith(port, rsaSuite));
        staples.remove(ec.certificate());
        assertNull(stapleWith(port, ecdsa), "a withdrawn staple is not sent");
        staples.remove(rsa.certificate());
        assertNull(stapleWith(port, rsaSuite), "a withdrawn staple is not sent");
        // Without a staple the additional certificate is still served.
        staples.put(rsa.certificate(), marker("rsa-2"));
        assertNull(stapleWith(port, ecdsa));
        assertArrayEquals(marker("rsa-2"), stapleWith(port, rsaSuite));
    }

    @Test
    void ocspStaplesNeedsStaplingLeftOn() {
        TlsException e = assertThrows(TlsException.class, () -> TlsServerOptions.builder().certificate(rsa.keyMaterial())
                .ocspStaples(staples::get).ocspStapling(false).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
    }
}
