package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.verify.PeerVerdict;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/** Client and server options against each other, in one JVM, over real sockets on 127.0.0.1. */
class ClientServerTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate server;
    static HeldCertificate otherRoot;

    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws TlsException {
        root = HeldCertificate.builder().commonName("Test Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Test Intermediate").certificateAuthority(0).signedBy(root).build();
        server = HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1").signedBy(ca).build();
        otherRoot = HeldCertificate.builder().commonName("Someone Else's Root").certificateAuthority(0).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private int serve(HeldCertificate cert, TlsServerOptions.Builder extra, CompletableFuture<Side> accepted) throws TlsException {
        TlsServerContext tls = TlsServerContext.create(extra.certificate(cert.keyMaterial()).build());
        return loop.server(tls, accepted::complete);
    }

    private static TlsClientOptions.Builder trustingRoot() {
        return TlsClientOptions.builder().caCertificates(root.certificate());
    }

    @Test
    void defaultClientVerifiesTheChainAndTalks() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, TlsServerOptions.builder(), accepted);
        Side client = loop.client(TlsClientContext.create(trustingRoot().build()), "localhost", port);
        assertNull(client.handshakeFailure());
        Loopback.writeNow(client, "hello");
        client.awaitReceived("hello");
        SSLSession session = client.channel.pipeline().get(SslHandler.class).engine().getSession();
        assertEquals("TLSv1.3", session.getProtocol());
        assertEquals(server.certificate(), session.getPeerCertificates()[0]);
        PeerVerdict verdict = (PeerVerdict) session.getValue(PeerVerdict.SESSION_KEY);
        assertNotNull(verdict, "the trust manager must record its verdict on the session");
        assertTrue(verdict.isVerified(), verdict.toString());
    }

    @Test
    void untrustedChainFailsTheHandshakeAndNothingWrittenEarlyArrives() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, TlsServerOptions.builder(), accepted);
        Side client = loop.client(TlsClientContext.create(
                TlsClientOptions.builder().caCertificates(otherRoot.certificate()).build()), "localhost", port);
        Loopback.writeNow(client, "SECRET-BEFORE-HANDSHAKE");
        Throwable failure = client.handshakeFailure();
        assertNotNull(failure, "the handshake must fail");
        TlsException e = TlsException.classify(failure);
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code(), e.toString());
        assertTrue(e.getMessage().contains("Test Intermediate") && e.getMessage().contains("Someone Else's Root"),
                "the message must name the issuer that was missing and what is trusted: " + e.getMessage());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, client.awaitFailureEvent().code());

        Side serverSide = accepted.get(10, TimeUnit.SECONDS);
        Throwable serverFailure = serverSide.handshakeFailure();
        assertNotNull(serverFailure, "the server must see the client's alert");
        assertEquals(TlsErrorCode.PEER_ALERT, TlsException.classify(serverFailure).code(), TlsException.classify(serverFailure).toString());
        assertTrue(TlsException.classify(serverFailure).getMessage().toUpperCase().contains("UNKNOWN_CA"),
                "an untrusted chain is answered with the unknown_ca alert: " + serverFailure);
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString(), "nothing may reach a server that failed verification");
    }

    @Test
    void expiredAndNotYetValidHaveTheirOwnCodes() throws Exception {
        Instant now = Instant.now();
        HeldCertificate expired = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .validity(now.minus(10, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)).signedBy(ca).build();
        HeldCertificate future = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .validity(now.plus(1, ChronoUnit.DAYS), now.plus(10, ChronoUnit.DAYS)).signedBy(ca).build();
        TlsClientContext client = TlsClientContext.create(trustingRoot().build());

        int p1 = serve(expired, TlsServerOptions.builder(), new CompletableFuture<>());
        TlsException e1 = TlsException.classify(loop.client(client, "localhost", p1).handshakeFailure());
        assertEquals(TlsErrorCode.CERT_EXPIRED, e1.code(), e1.toString());
        assertTrue(e1.getMessage().contains("expired at"), e1.getMessage());

        int p2 = serve(future, TlsServerOptions.builder(), new CompletableFuture<>());
        TlsException e2 = TlsException.classify(loop.client(client, "localhost", p2).handshakeFailure());
        assertEquals(TlsErrorCode.CERT_NOT_YET_VALID, e2.code(), e2.toString());
        assertTrue(e2.getMessage().contains("not valid before"), e2.getMessage());
    }

    @Test
    void aClientOnlyCertificateIsNotAcceptedFromAServer() throws Exception {
        HeldCertificate clientOnly = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .extendedKeyUsage(HeldCertificate.CLIENT_AUTH).signedBy(ca).build();
        int port = serve(clientOnly, TlsServerOptions.builder(), new CompletableFuture<>());
        TlsException e = TlsException.classify(
                loop.client(TlsClientContext.create(trustingRoot().build()), "localhost", port).handshakeFailure());
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, e.code(), e.toString());
        assertTrue(e.getMessage().contains("lacks serverAuth"), e.getMessage());
    }

    @Test
    void aChainWithoutItsIntermediateIsUntrustedAndSaysWhatIsMissing() throws Exception {
        HeldCertificate leafOnly = HeldCertificate.of(server.certificate(), server.keyPair(), List.of());
        int port = serve(leafOnly, TlsServerOptions.builder(), new CompletableFuture<>());
        TlsException e = TlsException.classify(
                loop.client(TlsClientContext.create(trustingRoot().build()), "localhost", port).handshakeFailure());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code());
        assertTrue(e.getMessage().contains("issuer 'CN=Test Intermediate'"), e.getMessage());
    }

    @Test
    void verifyNoneConnectsButRecordsWhatWouldHaveFailed() throws Exception {
        int port = serve(server, TlsServerOptions.builder(), new CompletableFuture<>());
        Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().verifyMode(VerifyMode.NONE).build()),
                "localhost", port);
        assertNull(client.handshakeFailure());
        PeerVerdict verdict = (PeerVerdict) client.channel.pipeline().get(SslHandler.class).engine().getSession()
                .getValue(PeerVerdict.SESSION_KEY);
        assertFalse(verdict.isVerified());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, verdict.failure().code());
    }

    @Test
    void serverRequireRefusesAClientWithoutCertificateAndAcceptsOneWith() throws Exception {
        HeldCertificate clientCert = HeldCertificate.builder().commonName("client one").signedBy(ca).build();
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, TlsServerOptions.builder().verifyMode(VerifyMode.REQUIRE)
                .caCertificates(root.certificate()), accepted);

        Side anonymous = loop.client(TlsClientContext.create(trustingRoot().build()), "localhost", port);
        Throwable serverFailure = accepted.get(10, TimeUnit.SECONDS).handshakeFailure();
        assertEquals(TlsErrorCode.PEER_CERT_MISSING, TlsException.classify(serverFailure).code(),
                TlsException.classify(serverFailure).toString());
        anonymous.awaitClosed();

        Side withCert = loop.client(TlsClientContext.create(trustingRoot().certificate(clientCert.keyMaterial()).build()),
                "localhost", port);
        assertNull(withCert.handshakeFailure());
        Loopback.writeNow(withCert, "ping");
        withCert.awaitReceived("ping");
    }

    @Test
    void serverRequestAcceptsNoCertificateButRefusesAnUntrustedOne() throws Exception {
        HeldCertificate stranger = HeldCertificate.builder().commonName("stranger").signedBy(otherRoot).build();
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial())
                .verifyMode(VerifyMode.PEER).caCertificates(root.certificate()).build());
        int port = loop.server(tls, accepted::add);
        Side anonymous = loop.client(TlsClientContext.create(trustingRoot().build()), "localhost", port);
        assertNull(anonymous.handshakeFailure());
        assertNull(accepted.poll(10, TimeUnit.SECONDS).handshakeFailure());

        // In TLS 1.3 the client is done before the server has judged its certificate, so the
        // refusal shows on the server, and the client is closed on.
        Side strangerSide = loop.client(TlsClientContext.create(trustingRoot().certificate(stranger.keyMaterial()).build()),
                "localhost", port);
        Loopback.writeNow(strangerSide, "from a stranger");
        Side serverSide = accepted.poll(10, TimeUnit.SECONDS);
        TlsException refused = TlsException.classify(serverSide.handshakeFailure());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, refused.code(), refused.toString());
        assertTrue(refused.getMessage().contains("CN=stranger") || refused.getMessage().contains("Someone Else"), refused.getMessage());
        strangerSide.awaitClosed();
        assertEquals("", serverSide.received.toString());
    }

    @Test
    void noSharedProtocolAndNoSharedCipherAreNamed() throws Exception {
        int p1 = serve(server, TlsServerOptions.builder().protocols("TLSv1_2"), new CompletableFuture<>());
        Side c1 = loop.client(TlsClientContext.create(trustingRoot().protocols("TLSv1_3").build()), "localhost", p1);
        assertEquals(TlsErrorCode.NO_SHARED_PROTOCOL, TlsException.classify(c1.handshakeFailure()).code(),
                TlsException.classify(c1.handshakeFailure()).toString());

        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int p2 = serve(server, TlsServerOptions.builder().protocols("TLSv1_2").cipherList("ECDHE-ECDSA-AES256-GCM-SHA384"),
                accepted);
        Side c2 = loop.client(TlsClientContext.create(trustingRoot().protocols("TLSv1_2")
                .cipherList("ECDHE-ECDSA-AES128-GCM-SHA256").build()), "localhost", p2);
        // The server knows why; the client only gets the handshake_failure alert.
        TlsException serverSaw = TlsException.classify(accepted.get(10, TimeUnit.SECONDS).handshakeFailure());
        assertEquals(TlsErrorCode.NO_SHARED_CIPHER, serverSaw.code(), serverSaw.toString());
        TlsException clientSaw = TlsException.classify(c2.handshakeFailure());
        assertEquals(TlsErrorCode.PEER_ALERT, clientSaw.code(), clientSaw.toString());
        assertTrue(clientSaw.getMessage().contains("HANDSHAKE_FAILURE"), clientSaw.getMessage());
    }

    @Test
    void tls12WithChosenCipherAndAlpn() throws Exception {
        int port = serve(server, TlsServerOptions.builder().alpnProtocols("h2", "http/1.1"), new CompletableFuture<>());
        Side client = loop.client(TlsClientContext.create(trustingRoot().protocols("TLSv1_2")
                .cipherList("ECDHE-ECDSA-CHACHA20-POLY1305").alpnProtocols("http/1.1").build()), "localhost", port);
        assertNull(client.handshakeFailure());
        SslHandler h = client.channel.pipeline().get(SslHandler.class);
        assertEquals("TLSv1.2", h.engine().getSession().getProtocol());
        assertEquals("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", h.engine().getSession().getCipherSuite());
        assertEquals("http/1.1", h.applicationProtocol());
    }

    @Test
    void handshakeTimeoutHasItsCode() throws Exception {
        // A plain TCP server that never answers the ClientHello.
        int port = loop.server(ch -> { }, s -> { }, false);
        Side client = loop.client(TlsClientContext.create(trustingRoot().handshakeTimeout(Duration.ofMillis(300)).build()),
                "localhost", port);
        assertEquals(TlsErrorCode.HANDSHAKE_TIMEOUT, TlsException.classify(client.handshakeFailure()).code());
    }

    @Test
    void plaintextOnATlsPortIsRecognised() throws Exception {
        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, TlsServerOptions.builder(), accepted);
        Side plain = loop.client(ch -> { }, port);
        Loopback.writeNow(plain, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
        Side serverSide = accepted.get(10, TimeUnit.SECONDS);
        assertEquals(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, serverSide.awaitFailureEvent().code());
    }

    @Test
    void sniIsSentForNamesEvenWithoutDotsButNotForAddressesOrWhenDisabled() throws Exception {
        TlsClientContext byHost = TlsClientContext.create(trustingRoot().build());
        assertEquals("localhost", byHost.sniName("localhost"));
        assertEquals("example.org", byHost.sniName("example.org."));
        assertNull(byHost.sniName("127.0.0.1"));
        assertNull(byHost.sniName("::1"));
        assertNull(TlsClientContext.create(trustingRoot().serverName("").build()).sniName("example.org"));
        assertEquals("other.test", TlsClientContext.create(trustingRoot().serverName("other.test").build()).sniName("localhost"));

        CompletableFuture<Side> accepted = new CompletableFuture<>();
        int port = serve(server, TlsServerOptions.builder(), accepted);
        assertNull(loop.client(byHost, "localhost", port).handshakeFailure());
        SSLSession s = accepted.get(10, TimeUnit.SECONDS).handshake.get(10, TimeUnit.SECONDS)
                .pipeline().get(SslHandler.class).engine().getSession();
        assertEquals("[type=host_name (0), value=localhost]",
                ((javax.net.ssl.ExtendedSSLSession) s).getRequestedServerNames().toString());
    }

    @Test
    void badOptionsFailAtBuildNamingTheOption() {
        TlsException noCert = assertThrows(TlsException.class, () -> TlsServerOptions.builder().build());
        assertTrue(noCert.getMessage().startsWith("certificateFile (SSL_cert_file):"), noCert.getMessage());
        TlsException wrongKey = assertThrows(TlsException.class, () -> TlsServerOptions.builder()
                .certificate(otherRoot.privateKey(), server.chain()).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, wrongKey.code());
        assertTrue(wrongKey.getMessage().contains("does not match"), wrongKey.getMessage());
        TlsException badVersion = assertThrows(TlsException.class, () -> trustingRoot().protocols("SSLv3").build());
        assertTrue(badVersion.getMessage().startsWith("protocols (SSL_version):"), badVersion.getMessage());
        TlsException badCipher = assertThrows(TlsException.class, () -> trustingRoot().cipherList("NOPE").build());
        assertTrue(badCipher.getMessage().startsWith("cipherList (SSL_cipher_list):"), badCipher.getMessage());
    }
}
