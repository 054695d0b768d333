package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * The client's OCSP checks inside real handshakes against a netty-tls server that staples
 * what each test crafts: modes, must-staple, the reference's three bugs, resumption, the
 * resolver, and identity before data.
 */
class OcspHandshakeTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate leaf;
    static HeldCertificate other;
    static HeldCertificate mustStapleLeaf;

    final Loopback loop = new Loopback();
    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Staple Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Staple CA").certificateAuthority(0).signedBy(root).build();
        leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(500)).signedBy(ca).build();
        other = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(501)).signedBy(ca).build();
        mustStapleLeaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(502)).mustStaple(true)
                .signedBy(ca).build();
    }

    @AfterEach
    void close() throws Exception {
        loop.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** A server presenting {@code cert} (and its chain) that staples {@code staple} (none when null). */
    int serve(KeyMaterial km, byte[] staple, String version, BlockingQueue<Side> accepted) throws Exception {
        TlsServerOptions.Builder b = TlsServerOptions.builder().certificate(km).ocspStapling(true);
        if (version != null) {
            b.protocols(version);
        }
        TlsServerContext tls = TlsServerContext.create(b.build());
        return loop.server(ch -> {
            SslHandler h = tls.install(ch.pipeline());
            if (staple != null) {
                ((ReferenceCountedOpenSslEngine) h.engine()).setOcspResponse(staple);
            }
        }, accepted::add, true);
    }

    int serve(HeldCertificate cert, byte[] staple) throws Exception {
        return serve(cert.keyMaterial(), staple, null, new LinkedBlockingQueue<>());
    }

    TlsClientContext client(OcspClientConfig ocsp) throws Exception {
        return OcspClients.context(ocsp, root);
    }

    Side connect(TlsClientContext tls, OcspClientConfig ocsp, int port) {
        return OcspClients.connect(loop, tls, ocsp, port);
    }

    static OcspClientConfig config(OcspMode mode) throws TlsException {
        return OcspClientConfig.builder().mode(mode).build();
    }

    static String ocspStatus(Side side) throws Exception {
        return OcspClients.status(side);
    }

    static TlsErrorCode failureCode(Side side) {
        Throwable t = side.handshakeFailure();
        assertNotNull(t, "the handshake should have failed");
        return TlsException.classify(t).code();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void aGoodStapleIsReportedInTheConnectionInfo(String version) throws Exception {
        OcspClientConfig ocsp = config(OcspMode.MUST_STAPLE);
        int port = serve(leaf.keyMaterial(), Responses.forCert(leaf, ca).build(), version, new LinkedBlockingQueue<>());
        Side c = connect(client(ocsp), ocsp, port);
        assertNull(c.handshakeFailure());
        String status = ocspStatus(c);
        assertTrue(status.startsWith("good (staple"), status);
        SslHandler ssl = c.channel.pipeline().get(SslHandler.class);
        assertEquals(Optional.of(status), TlsConnectionInfo.of(c.channel).ocspStatus());
        assertNotNull(ssl);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void aRevokedStapleFailsTheHandshakeAndEarlyDataNeverArrives(String version) throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = serve(leaf.keyMaterial(), Responses.forCert(leaf, ca).revoked(1).build(), version, accepted);
        OcspClientConfig ocsp = config(OcspMode.TRY_STAPLE);
        Side c = connect(client(ocsp), ocsp, port);
        Loopback.writeNow(c, "MUST-NOT-ARRIVE");
        assertEquals(TlsErrorCode.REVOKED, failureCode(c));
        Side s = accepted.poll(10, TimeUnit.SECONDS);
        assertNotNull(s);
        s.awaitClosed();
        assertEquals("", s.received.toString());
        assertTrue(TlsException.classify(c.handshakeFailure()).getMessage().contains("keyCompromise"));
    }

    @Test
    void mustStapleWithoutAStapleFails() throws Exception {
        OcspClientConfig ocsp = config(OcspMode.MUST_STAPLE);
        Side c = connect(client(ocsp), ocsp, serve(leaf, null));
        assertEquals(TlsErrorCode.STAPLE_MISSING, failureCode(c));
    }

    @Test
    void tryStapleWithoutAStapleIsASoftFailureNeverGood() throws Exception {
        OcspClientConfig ocsp = config(OcspMode.TRY_STAPLE);
        Side c = connect(client(ocsp), ocsp, serve(leaf, null));
        assertNull(c.handshakeFailure());
        assertTrue(ocspStatus(c).startsWith("soft-failure: the server sent no staple"), ocspStatus(c));
    }

    @Test
    void aMustStapleCertificateWithoutAStapleFailsUnderTryStaple() throws Exception {
        OcspClientConfig ocsp = config(OcspMode.TRY_STAPLE);
        Side c = connect(client(ocsp), ocsp, serve(mustStapleLeaf, null));
        assertEquals(TlsErrorCode.STAPLE_MISSING, failureCode(c));
        assertTrue(TlsException.classify(c.handshakeFailure()).getMessage().contains("TLS feature"));
    }

    @Test
    void underNoStapleTheInfoSaysTheCertificateDemandsOne() throws Exception {
        OcspClientConfig ocsp = config(OcspMode.NO_STAPLE);
        Side c = connect(client(ocsp), ocsp, serve(mustStapleLeaf, null));
        assertNull(c.handshakeFailure());
        assertTrue(ocspStatus(c).contains("the certificate demands one"), ocspStatus(c));
    }

    /** The reference's bug (a): an expired "good" staple, made before a revocation, is replayed. */
    @Test
    void anExpiredGoodStapleIsRefusedUnderMustStapleAndNotGoodUnderTryStaple() throws Exception {
        Instant now = Instant.now();
        byte[] expired = Responses.forCert(leaf, ca).times(now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)))
                .build();
        int port = serve(leaf, expired);
        OcspClientConfig must = config(OcspMode.MUST_STAPLE);
        Side c = connect(client(must), must, port);
        assertEquals(TlsErrorCode.OCSP_RESPONSE_INVALID, failureCode(c));
        OcspClientConfig tryStaple = config(OcspMode.TRY_STAPLE);
        Side t = connect(client(tryStaple), tryStaple, port);
        assertNull(t.handshakeFailure());
        assertTrue(ocspStatus(t).startsWith("soft-failure: the response has expired"), ocspStatus(t));
    }

    /** The reference's bug (b): a staple for another certificate counts when the server also sends its root. */
    @Test
    void aStapleForAnotherCertificateIsRefusedEvenWithTheRootSent() throws Exception {
        List<java.security.cert.X509Certificate> chain = new ArrayList<>(leaf.chain());
        chain.add(root.certificate());
        KeyMaterial withRoot = KeyMaterial.of(leaf.privateKey(), chain);
        byte[] forOther = Responses.forCert(other, ca).build();
        byte[] forCa = Responses.forCert(ca, root).build();
        for (byte[] staple : List.of(forOther, forCa)) {
            int port = serve(withRoot, staple, null, new LinkedBlockingQueue<>());
            OcspClientConfig must = config(OcspMode.MUST_STAPLE);
            assertEquals(TlsErrorCode.OCSP_RESPONSE_INVALID, failureCode(connect(client(must), must, port)));
        }
    }

    /** The reference's bug (c): with a shared cache, a revocation one connection saw is reported clean to the next. */
    @Test
    void aRevocationSeenByOneConnectionIsNotForgottenByTheNext() throws Exception {
        OcspCache shared = OcspCache.inMemory(10);
        OcspClientConfig first = OcspClientConfig.builder().cache(shared).build();
        Side c1 = connect(client(first), first, serve(leaf, Responses.forCert(leaf, ca).revoked(1).build()));
        assertEquals(TlsErrorCode.REVOKED, failureCode(c1));
        // Another context, same cache; this server replays a "good" from before the revocation, still in its validity.
        byte[] oldGood = Responses.forCert(leaf, ca).times(Instant.now().minus(Duration.ofHours(2)),
                Instant.now().plus(Duration.ofHours(20))).build();
        OcspClientConfig second = OcspClientConfig.builder().cache(shared).mode(OcspMode.MUST_STAPLE).build();
        Side c2 = connect(client(second), second, serve(leaf, oldGood));
        assertEquals(TlsErrorCode.REVOKED, failureCode(c2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void aResumedSessionDoesNotSkipRevocation(String version) throws Exception {
        OcspCache cache = OcspCache.inMemory(10);
        OcspClientConfig ocsp = OcspClientConfig.builder().cache(cache).mode(OcspMode.MUST_STAPLE).build();
        TlsClientContext tls = client(ocsp);
        int port = serve(leaf.keyMaterial(), Responses.forCert(leaf, ca).build(), version, new LinkedBlockingQueue<>());
        Side first = connect(tls, ocsp, port);
        assertNull(first.handshakeFailure());
        // A round trip, so that the TLS 1.3 session ticket has arrived.
        Loopback.writeNow(first, "ping");
        first.awaitReceived("ping");
        Side resumed = connect(tls, ocsp, port);
        assertNull(resumed.handshakeFailure());
        assertEquals(Optional.of(true), TlsConnectionInfo.of(resumed.channel).sessionReused(), "the test needs a resumption");
        assertTrue(ocspStatus(resumed).startsWith("good (cache"), ocspStatus(resumed));
        // Now the certificate is known to be revoked (as another connection would learn it).
        cache.put(OcspCertId.of(leaf.certificate(), ca.certificate()).key(), OcspClientConfig.builder().build().verifier().verify(
                Responses.forCert(leaf, ca).revoked(1).build(), leaf.certificate(), ca.certificate(), null, Instant.now(),
                OcspStatus.Source.STAPLE));
        Side again = connect(tls, ocsp, port);
        assertEquals(TlsErrorCode.REVOKED, failureCode(again));
    }

    // SSL_ocsp_staple_callback

    /** What one call of a staple callback saw. */
    record StapleCall(io.netty.channel.Channel channel, byte[] staple, List<java.security.cert.X509Certificate> chain,
                      boolean onEventLoop) {
    }

    static OcspStapleCallback recording(ConcurrentLinkedQueue<StapleCall> calls, OcspStapleCallback then) {
        return (channel, staple, chain) -> {
            calls.add(new StapleCall(channel, staple, chain, channel.eventLoop().inEventLoop()));
            return then.onStaple(channel, staple, chain);
        };
    }

    static OcspClientConfig withCallback(OcspMode mode, OcspStapleCallback callback) throws TlsException {
        return OcspClientConfig.builder().mode(mode).stapleCallback(callback).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void theStapleCallbackGetsTheChannelTheStapleAndTheChainAndItsGoodReplacesTheDefaultChecks(String version)
            throws Exception {
        // The default checks would refuse this revoked staple; the callback is the judge now.
        byte[] revoked = Responses.forCert(leaf, ca).revoked(1).build();
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = serve(leaf.keyMaterial(), revoked, version, accepted);
        ConcurrentLinkedQueue<StapleCall> calls = new ConcurrentLinkedQueue<>();
        OcspClientConfig ocsp = withCallback(OcspMode.TRY_STAPLE, recording(calls,
                (ch, staple, chain) -> OcspStatus.byCallback(OcspStatus.Result.GOOD, "the application vouches for it")));
        Side c = connect(client(ocsp), ocsp, port);
        Loopback.writeNow(c, "EARLY");
        assertNull(c.handshakeFailure());
        assertEquals(1, calls.size());
        StapleCall call = calls.peek();
        assertEquals(c.channel, call.channel());
        assertArrayEquals(revoked, call.staple());
        assertEquals(leaf.certificate(), call.chain().get(0));
        assertEquals(ca.certificate(), call.chain().get(1));
        assertTrue(call.onEventLoop());
        assertEquals("good: the application vouches for it (staple callback)", ocspStatus(c));
        accepted.poll(10, TimeUnit.SECONDS).awaitReceived("EARLY");
    }

    @Test
    void theStapleCallbackIsCalledWithNullWithoutAStapleAndNothingReportedIsNotGood() throws Exception {
        ConcurrentLinkedQueue<StapleCall> calls = new ConcurrentLinkedQueue<>();
        OcspClientConfig ocsp = withCallback(OcspMode.TRY_STAPLE, recording(calls, (ch, staple, chain) -> null));
        Side c = connect(client(ocsp), ocsp, serve(leaf, null));
        assertNull(c.handshakeFailure());
        assertEquals(1, calls.size());
        assertNull(calls.peek().staple());
        assertEquals("not checked: the staple callback reported nothing (staple callback)", ocspStatus(c));
        // FAIL_HARD: a verdict other than good fails.
        OcspClientConfig hard = OcspClientConfig.builder().failHard(true).stapleCallback((ch, staple, chain) -> null).build();
        assertEquals(TlsErrorCode.STAPLE_MISSING, failureCode(connect(client(hard), hard, serve(leaf, null))));
    }

    @Test
    void aStapleCallbackThatRefusesClosesTheConnectionBeforeAnyDataIsSent() throws Exception {
        byte[] good = Responses.forCert(leaf, ca).build();
        OcspStapleCallback no = (ch, staple, chain) -> {
            throw new TlsException(TlsErrorCode.PEER_CERT_REJECTED, "the application refuses this server");
        };
        OcspStapleCallback broken = (ch, staple, chain) -> {
            throw new IllegalStateException("a bug in the callback");
        };
        // A callback applying the default checks to a response of its own (say, fetched elsewhere) that says revoked.
        byte[] revoked = Responses.forCert(leaf, ca).revoked(1).build();
        OcspClientConfig defaults = OcspClientConfig.builder().build();
        OcspStapleCallback byDefaultChecks = (ch, staple, chain) -> defaults.verifyStaple(revoked, chain);
        List<OcspStapleCallback> callbacks = List.of(no, broken, byDefaultChecks);
        List<TlsErrorCode> codes = List.of(TlsErrorCode.PEER_CERT_REJECTED, TlsErrorCode.OCSP_RESPONSE_INVALID,
                TlsErrorCode.REVOKED);
        for (int i = 0; i < callbacks.size(); i++) {
            BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
            int port = serve(leaf.keyMaterial(), good, null, accepted);
            OcspClientConfig ocsp = withCallback(OcspMode.TRY_STAPLE, callbacks.get(i));
            Side c = connect(client(ocsp), ocsp, port);
            Loopback.writeNow(c, "MUST-NOT-ARRIVE");
            assertEquals(codes.get(i), failureCode(c));
            Side s = accepted.poll(10, TimeUnit.SECONDS);
            assertNotNull(s);
            s.awaitClosed();
            assertEquals("", s.received.toString(), codes.get(i).id());
            assertTrue(ocspStatus(c).startsWith("refused: "), ocspStatus(c));
        }
    }

    @Test
    void whereAStapleIsRequiredTheStapleCallbackCannotWaiveIt() throws Exception {
        ConcurrentLinkedQueue<StapleCall> calls = new ConcurrentLinkedQueue<>();
        OcspStapleCallback good = recording(calls, (ch, staple, chain) -> OcspStatus.byCallback(OcspStatus.Result.GOOD,
                "fine by me"));
        OcspClientConfig must = withCallback(OcspMode.MUST_STAPLE, good);
        assertEquals(TlsErrorCode.STAPLE_MISSING, failureCode(connect(client(must), must, serve(leaf, null))));
        OcspClientConfig tryStaple = withCallback(OcspMode.TRY_STAPLE, good);
        assertEquals(TlsErrorCode.STAPLE_MISSING, failureCode(connect(client(tryStaple), tryStaple,
                serve(mustStapleLeaf, null))), "a must-staple certificate");
        assertEquals(2, calls.size(), "called with null, as the reference does, before the refusal");
        OcspClientConfig soft = withCallback(OcspMode.MUST_STAPLE, (ch, staple, chain) -> OcspStatus.byCallback(
                OcspStatus.Result.SOFT_FAILURE, "cannot tell"));
        assertEquals(TlsErrorCode.OCSP_RESPONSE_INVALID, failureCode(connect(client(soft), soft,
                serve(leaf, Responses.forCert(leaf, ca).build()))));
    }

    @Test
    void underNoStapleTheStapleCallbackIsNotCalled() throws Exception {
        ConcurrentLinkedQueue<StapleCall> calls = new ConcurrentLinkedQueue<>();
        OcspClientConfig ocsp = withCallback(OcspMode.NO_STAPLE, recording(calls, (ch, staple, chain) -> null));
        Side c = connect(client(ocsp), ocsp, serve(leaf, Responses.forCert(leaf, ca).build()));
        assertNull(c.handshakeFailure());
        assertTrue(ocspStatus(c).startsWith("not checked: no staple asked for"), ocspStatus(c));
        assertEquals(0, calls.size());
    }
}
