package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * Options that look like protection but would enforce nothing: {@code build()} refuses them
 * rather than letting a user believe a peer is checked.
 */
class ConfigurationTrapsTest {
    static HeldCertificate root;
    static HeldCertificate server;
    static String pin;

    @BeforeAll
    static void pki() throws TlsException {
        root = HeldCertificate.builder().commonName("Traps Root").certificateAuthority(0).build();
        server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(root).build();
        pin = Fingerprint.of(server.certificate());
    }

    /** Each check of the peer, as a builder step, with the reference's name for it. */
    private static <B extends TlsOptions.Builder<B>> Map<String, UnaryOperator<B>> checks() {
        return Map.of(
                "SSL_fingerprint", b -> b.fingerprint(pin),
                "SSL_force_fingerprint", b -> b.fingerprint(pin).forceFingerprint(true),
                "SSL_verify_callback", b -> b.verifyCallback((ok, c, depth, error) -> ok),
                "SSL_check_crl", b -> b.checkCrl(true),
                // The file need not exist: the mode is refused before anything is loaded.
                "SSL_crl_file", b -> b.crlFile(Path.of("/nonexistent/netty-tls/revoked.crl")));
    }

    private static void assertRefusedNaming(String option, org.junit.jupiter.api.function.Executable build) {
        TlsException e = assertThrows(TlsException.class, build);
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code(), e.toString());
        assertTrue(e.getMessage().startsWith("verifyMode (SSL_verify_mode): is NONE") && e.getMessage().contains(option)
                && e.getMessage().contains("would check nothing"), e.getMessage());
    }

    @Test
    void aClientThatVerifiesNothingRefusesChecksThatWouldBeIgnored() {
        Map<String, UnaryOperator<TlsClientOptions.Builder>> checks = checks();
        checks.forEach((option, check) -> assertRefusedNaming(option,
                () -> check.apply(TlsClientOptions.builder().verifyMode(VerifyMode.NONE)).build()));
        assertRefusedNaming("SSL_fingerprint, SSL_verify_callback", () -> TlsClientOptions.builder().verifyMode(VerifyMode.NONE)
                .fingerprint(pin).verifyCallback((ok, c, depth, error) -> true).build());
    }

    @Test
    void aServerThatAsksForNoClientCertificateRefusesChecksThatWouldBeIgnored() {
        Map<String, UnaryOperator<TlsServerOptions.Builder>> checks = checks();
        checks.forEach((option, check) -> {
            assertRefusedNaming(option, () -> check.apply(TlsServerOptions.builder().certificate(server.keyMaterial())).build());
            assertRefusedNaming(option, () -> check.apply(TlsServerOptions.builder().certificate(server.keyMaterial())
                    .verifyMode(VerifyMode.NONE)).build());
        });
    }

    @Test
    void checksStillBuildWhenThePeerIsVerified() throws TlsException {
        TlsClientOptions client = TlsClientOptions.builder().caCertificates(root.certificate()).fingerprint(pin)
                .verifyCallback((ok, c, depth, error) -> ok).build();
        assertEquals(1, client.fingerprints().size());
        TlsServerOptions srv = TlsServerOptions.builder().certificate(server.keyMaterial()).verifyMode(VerifyMode.PEER)
                .caCertificates(root.certificate()).fingerprint(pin).build();
        assertEquals(1, srv.fingerprints().size());
    }

    /**
     * A verifying server given no CA used the system's public roots, so any certificate a public
     * CA issued (any web server's) authenticated as a client. It must name its client CAs.
     */
    @Test
    void aVerifyingServerWithoutClientCasIsRefused() throws TlsException {
        for (VerifyMode mode : List.of(VerifyMode.PEER, VerifyMode.REQUIRE, VerifyMode.CLIENT_ONCE)) {
            TlsException e = assertThrows(TlsException.class,
                    () -> TlsServerOptions.builder().certificate(server.keyMaterial()).verifyMode(mode).build());
            assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code(), e.toString());
            assertTrue(e.getMessage().startsWith("verifyMode (SSL_verify_mode): on a server needs the CAs that issue client certificates: "
                    + "SSL_ca_file, SSL_ca_path, SSL_ca or defaultCa() explicitly"), e.getMessage());
        }
        TlsServerOptions named = TlsServerOptions.builder().certificate(server.keyMaterial()).verifyMode(VerifyMode.REQUIRE)
                .caCertificates(root.certificate()).build();
        assertEquals(List.of(root.certificate()), named.trust().certificates());
        // Asked for explicitly, the system's roots are the user's choice.
        TlsServerOptions system = TlsServerOptions.builder().certificate(server.keyMaterial()).verifyMode(VerifyMode.REQUIRE)
                .defaultCa().build();
        assertTrue(!system.trust().isEmpty(), system.trust().toString());
        // A client given no CA still uses the system's roots, as the reference does.
        assertTrue(!TlsClientOptions.builder().build().trust().isEmpty());
    }
}
