package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * Hostname schemes, fingerprint pins and the verify callback, checked inside real handshakes
 * over sockets on 127.0.0.1: each security rule is attacked by a server that should fail it.
 */
class PeerVerificationTest {
    static HeldCertificate root;
    static HeldCertificate strangerRoot;
    static HeldCertificate localhost;
    static HeldCertificate other;
    static HeldCertificate wildcard;
    static HeldCertificate byIp;
    static HeldCertificate untrustedLocalhost;

    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws TlsException {
        root = HeldCertificate.builder().commonName("Verification Root").certificateAuthority(1).build();
        strangerRoot = HeldCertificate.builder().commonName("Stranger Root").certificateAuthority(0).build();
        localhost = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(root).build();
        other = HeldCertificate.builder().commonName("other.test").dns("other.test").signedBy(root).build();
        wildcard = HeldCertificate.builder().commonName("*.example.org").dns("*.example.org").signedBy(root).build();
        byIp = HeldCertificate.builder().commonName("127.0.0.1").ip("127.0.0.1").signedBy(root).build();
        untrustedLocalhost = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(strangerRoot).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private int serve(HeldCertificate cert, BlockingQueue<Side> accepted) throws TlsException {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build()),
                accepted::add);
    }

    private int serve(HeldCertificate cert) throws TlsException {
        return serve(cert, new LinkedBlockingQueue<>());
    }

    private static TlsClientOptions.Builder trusting() {
        return TlsClientOptions.builder().caCertificates(root.certificate());
    }

    private TlsException failure(TlsClientOptions options, String host, int port) throws TlsException {
        Throwable t = loop.client(TlsClientContext.create(options), host, port).handshakeFailure();
        assertNotNull(t, "the handshake must fail");
        return TlsException.classify(t);
    }

    private void succeeds(TlsClientOptions options, String host, int port) throws TlsException {
        Side c = loop.client(TlsClientContext.create(options), host, port);
        Throwable t = c.handshakeFailure();
        assertNull(t, () -> "the handshake must succeed: " + TlsException.classify(t));
        Loopback.writeNow(c, "ping");
        c.awaitReceived("ping");
    }

    @Test
    void aWrongNameFailsInsideTheHandshakeAndEarlyDataNeverArrives() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = serve(other, accepted);
        Side client = loop.client(TlsClientContext.create(trusting().build()), "localhost", port);
        Loopback.writeNow(client, "SECRET-WRITTEN-BEFORE-THE-HANDSHAKE");
        TlsException e = TlsException.classify(client.handshakeFailure());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, e.code(), e.toString());
        assertTrue(e.getMessage().contains("'localhost'") && e.getMessage().contains("DNS:other.test")
                && e.getMessage().contains("default"), "expected name, scheme and the certificate's names: " + e.getMessage());
        Side server = accepted.poll(10, TimeUnit.SECONDS);
        assertNotNull(server.handshakeFailure(), "the server must see the client's alert");
        server.awaitClosed();
        assertEquals("", server.received.toString(), "nothing may reach a server with the wrong name");
    }

    @Test
    void theNameComesFromVerifycnNameThenSniThenTheHost() throws Exception {
        int port = serve(other);
        succeeds(trusting().peerName("other.test").build(), "localhost", port);
        succeeds(trusting().serverName("other.test").build(), "localhost", port);
        // SNI switched off: the host connected to is what is checked.
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, failure(trusting().serverName("").build(), "localhost", port).code());
        int ipPort = serve(byIp);
        succeeds(trusting().build(), "127.0.0.1", ipPort);
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, failure(trusting().build(), "localhost", ipPort).code());
    }

    @Test
    void schemesDecideWildcardsAndNoneSwitchesTheCheckOff() throws Exception {
        int port = serve(wildcard);
        succeeds(trusting().hostnameScheme("http").peerName("www.example.org").build(), "localhost", port);
        TlsException bare = failure(trusting().hostnameScheme("http").peerName("example.org").build(), "localhost", port);
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, bare.code());
        assertTrue(bare.getMessage().contains("under scheme http"), bare.getMessage());
        // Two labels below the wildcard never match, whatever the scheme.
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH,
                failure(trusting().hostnameScheme("smtp").peerName("a.b.example.org").build(), "localhost", port).code());
        succeeds(trusting().hostnameScheme("none").build(), "localhost", serve(other));
        succeeds(trusting().hostnameScheme(HostnameScheme.builder().name("anything goes")
                .callback((name, cn, sans) -> cn.equals("other.test")).build()).build(), "localhost", serve(other));
        TlsException unknown = assertThrows(TlsException.class, () -> trusting().hostnameScheme("https").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, unknown.code());
        assertTrue(unknown.getMessage().contains("SSL_verifycn_scheme"), unknown.getMessage());
    }

    @Test
    void aMatchingPinAcceptsAnUntrustedCertificateWithTheWrongName() throws Exception {
        int port = serve(untrustedLocalhost);
        succeeds(TlsClientOptions.builder().caCertificates(root.certificate())
                .fingerprint(Fingerprint.of(untrustedLocalhost.certificate())).peerName("not.the.name").build(),
                "localhost", port);
        succeeds(TlsClientOptions.builder().fingerprint(
                Fingerprint.of(untrustedLocalhost.certificate(), "sha1", true).replace("sha1$pub$", "sha1$PUB$")).build(),
                "localhost", port);
    }

    @Test
    void aPinThatDoesNotMatchLeavesTheOtherChecksToDecideOrRefusesWhenForced() throws Exception {
        String wrongPin = "sha256$" + "00".repeat(32);
        int trustedPort = serve(localhost);
        succeeds(trusting().fingerprint(wrongPin).build(), "localhost", trustedPort);
        TlsException forced = failure(trusting().fingerprint(wrongPin).forceFingerprint(true).build(), "localhost", trustedPort);
        assertEquals(TlsErrorCode.FINGERPRINT_MISMATCH, forced.code(), forced.toString());
        assertTrue(forced.getMessage().contains(Fingerprint.of(localhost.certificate())), forced.getMessage());

        int untrustedPort = serve(untrustedLocalhost);
        TlsException untrusted = failure(trusting().fingerprint(wrongPin).build(), "localhost", untrustedPort);
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, untrusted.code());
        assertTrue(untrusted.getMessage().contains("no pinned fingerprint matched"), untrusted.getMessage());
    }

    @Test
    void oneFailedCheckDoesNotPoisonTheNextConnectionOnTheSameContext() throws Exception {
        // IO::Socket::SSL 2.081 keeps a failure flag in a closure shared by every connection of a context.
        TlsClientContext shared = TlsClientContext.create(trusting()
                .fingerprint(Fingerprint.of(untrustedLocalhost.certificate())).build());
        int untrustedButPinned = serve(untrustedLocalhost);
        int trusted = serve(localhost);
        int wrongName = serve(other);
        assertNotNull(loop.client(shared, "localhost", wrongName).handshakeFailure());
        assertNull(loop.client(shared, "localhost", trusted).handshakeFailure());
        assertNull(loop.client(shared, "localhost", untrustedButPinned).handshakeFailure());
        assertNotNull(loop.client(shared, "localhost", wrongName).handshakeFailure());
        assertNull(loop.client(shared, "localhost", trusted).handshakeFailure());
    }

    @Test
    void theVerifyCallbackSeesEveryCertificateFromTheRootDownAndDecides() throws Exception {
        HeldCertificate intermediate = HeldCertificate.builder().commonName("Callback CA").certificateAuthority(0)
                .signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(intermediate).build();
        int port = serve(leaf);
        List<String> calls = new ArrayList<>();
        succeeds(trusting().verifyCallback((ok, cert, depth, error) -> {
            calls.add(depth + ":" + ok + ":" + cert.getSubjectX500Principal().getName());
            return ok;
        }).build(), "localhost", port);
        assertEquals(List.of("2:true:CN=Verification Root", "1:true:CN=Callback CA", "0:true:" + leaf.certificate()
                .getSubjectX500Principal().getName()), calls);

        TlsException refused = failure(trusting().verifyCallback((ok, cert, depth, error) -> depth != 1).build(),
                "localhost", port);
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, refused.code());
        assertTrue(refused.getMessage().contains("SSL_verify_callback refused 'CN=Callback CA' at depth 1"),
                refused.getMessage());

        // Overriding a chain failure accepts the chain, but the name is still checked afterwards.
        int untrusted = serve(untrustedLocalhost);
        List<Boolean> seen = new ArrayList<>();
        succeeds(trusting().verifyCallback((ok, cert, depth, error) -> {
            seen.add(ok);
            return true;
        }).build(), "localhost", untrusted);
        assertTrue(seen.contains(false), "the callback must see the preliminary failure: " + seen);
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, failure(trusting().verifyCallback((ok, c, d, e) -> true).build(),
                "localhost", serve(other)).code());
    }

    @Test
    void verificationOffStillRecordsAHostnameMismatch() throws Exception {
        int port = serve(other);
        Side c = loop.client(TlsClientContext.create(TlsClientOptions.builder().verifyMode(VerifyMode.NONE)
                .caCertificates(root.certificate()).build()), "localhost", port);
        assertNull(c.handshakeFailure());
        org.nettytls.verify.PeerVerdict verdict = org.nettytls.TlsConnectionInfo.of(c.channel).verification().get();
        assertFalse(verdict.isVerified());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, verdict.failure().code());
    }

    @Test
    void aServerChecksAClientCertificateByNameOnlyWhenToldWhichName() throws Exception {
        HeldCertificate clientA = HeldCertificate.builder().commonName("client-a.test").dns("client-a.test").signedBy(root).build();
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(localhost.keyMaterial())
                .verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate()).peerName("client-b.test").build()),
                accepted::add);
        Side c = loop.client(TlsClientContext.create(trusting().certificate(clientA.keyMaterial()).build()), "localhost", port);
        Loopback.writeNow(c, "from client a");
        TlsException e = TlsException.classify(accepted.poll(10, TimeUnit.SECONDS).handshakeFailure());
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, e.code(), e.toString());
        assertTrue(e.getMessage().contains("client-b.test") && e.getMessage().contains("client-a.test"), e.getMessage());

        int lenient = loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(localhost.keyMaterial())
                .verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate()).build()), s -> { });
        succeeds(trusting().certificate(clientA.keyMaterial()).build(), "localhost", lenient);
    }

    @Test
    void aResumedSessionIsJudgedAgain() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger judged = new java.util.concurrent.atomic.AtomicInteger();
        TlsClientContext client = TlsClientContext.create(trusting().protocols("TLSv1_2").addPeerCheck(peer -> {
            judged.incrementAndGet();
            if (refuse.get()) {
                throw new TlsException(TlsErrorCode.REVOKED, "revoked since the full handshake");
            }
        }).build());
        int port = serve(localhost);
        Side first = loop.client(client, "localhost", port);
        assertNull(first.handshakeFailure());
        assertEquals(java.util.Optional.of(false), org.nettytls.TlsConnectionInfo.of(first.channel).sessionReused());
        Side second = loop.client(client, "localhost", port);
        assertNull(second.handshakeFailure());
        assertEquals(java.util.Optional.of(true), org.nettytls.TlsConnectionInfo.of(second.channel).sessionReused(),
                "the second connection must resume for this test to mean anything");
        assertEquals(2, judged.get(), "the resumed session must be judged again");
        assertTrue(org.nettytls.TlsConnectionInfo.of(second.channel).verification().get().isVerified());

        refuse.set(true);
        Side third = loop.client(client, "localhost", port);
        Throwable t = third.handshakeFailure();
        assertNotNull(t, "a peer refused since the full handshake must not get in by resuming");
        assertEquals(TlsErrorCode.REVOKED, TlsException.classify(t).code());
    }

    @Test
    void malformedPinsFailAtBuild() {
        for (String bad : List.of("sha256$zz", "sha256$", "b002eaab4d3430644565fc305fd6ef", "foo$0910028d", "pub$1234")) {
            TlsException e = assertThrows(TlsException.class, () -> trusting().fingerprint(bad).build(), bad);
            assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
            assertTrue(e.getMessage().startsWith("SSL_fingerprint"), e.getMessage());
        }
        TlsException force = assertThrows(TlsException.class, () -> trusting().forceFingerprint(true).build());
        assertTrue(force.getMessage().startsWith("forceFingerprint (SSL_force_fingerprint)"), force.getMessage());
    }

    static X509Certificate[] chainOf(HeldCertificate c) {
        return c.chain().toArray(new X509Certificate[0]);
    }
}
