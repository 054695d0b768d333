package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.util.concurrent.Future;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * The server stapler's life over time, against an in-process responder, with its clock and
 * timers in the test's hands: refresh at half the validity (and the new response stapled to
 * later connections), backoff while the responder is down, the last good response kept until
 * its nextUpdate and no longer, and persisted responses at start.
 */
class OcspStaplerTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate leaf;

    @TempDir
    Path dir;
    final Loopback loop = new Loopback();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final List<AutoCloseable> closeables = new ArrayList<>();
    final Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    final OcspCacheTest.TestClock clock = new OcspCacheTest.TestClock(t0);
    final ManualTimer timer = new ManualTimer();
    final BlockingQueue<OcspStaplerEvent> events = new LinkedBlockingQueue<>();
    final AtomicReference<byte[]> answer = new AtomicReference<>();
    TestResponder responder;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Stapler Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Stapler CA").certificateAuthority(0).signedBy(root).build();
        // The responder URL is given to each stapler; the certificate's own only has to exist.
        leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(900))
                .ocspUrl("http://127.0.0.1:9/unused").signedBy(ca).build();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        loop.close();
        if (responder != null) {
            responder.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Timers the test fires by hand, on the stapler's event loop, remembering each delay asked for. */
    static final class ManualTimer implements OcspStapler.Timer {
        record Scheduled(EventLoop loop, Runnable task, Duration delay) {
        }

        final BlockingQueue<Scheduled> scheduled = new LinkedBlockingQueue<>();

        @Override
        public Future<?> schedule(EventLoop loop, Runnable task, Duration delay) {
            scheduled.add(new Scheduled(loop, task, delay));
            return loop.newPromise();
        }

        Scheduled next() throws InterruptedException {
            Scheduled s = scheduled.poll(10, TimeUnit.SECONDS);
            assertNotNull(s, "the stapler scheduled nothing within 10 s");
            return s;
        }

        void fire(Scheduled s) {
            s.loop.execute(s.task);
        }
    }

    byte[] response(Instant thisUpdate, Instant nextUpdate) throws Exception {
        return Responses.forCert(leaf, ca).times(thisUpdate, nextUpdate).build();
    }

    OcspStapler.Builder stapler(Duration timeout) throws Exception {
        if (responder == null) {
            responder = new TestResponder(req -> answer.get());
        }
        return OcspStapler.builder(group).certificate(leaf.chain()).responderUrl(URI.create(responder.url()))
                .verification(OcspClientConfig.builder().validationClock(clock).timeout(timeout).build())
                .timer(timer).listener(events::add);
    }

    OcspStapler started(OcspStapler.Builder b) throws Exception {
        OcspStapler s = b.start();
        closeables.add(s);
        return s;
    }

    OcspStaplerEvent nextEvent(OcspStaplerEvent.Kind kind) throws InterruptedException {
        OcspStaplerEvent e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "no stapler event within 10 s; expected " + kind);
        assertEquals(kind, e.kind(), e.toString());
        return e;
    }

    /** A stapling server for {@link #leaf}; each connection gets what the stapler holds when it is accepted. */
    int server(OcspStapler stapler) throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                .ocspStapling(true).build());
        return loop.server(ch -> stapler.staple(tls.install(ch.pipeline())), s -> { }, true);
    }

    /** A stapling server for {@code cert}, naming it to the stapler. */
    int server(OcspStapler stapler, HeldCertificate cert) throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial())
                .ocspStapling(true).build());
        return loop.server(ch -> stapler.staple(tls.install(ch.pipeline()), cert.certificate()), s -> { }, true);
    }

    /** What a real handshake with the server at {@code port} carries as its staple; empty when none. */
    byte[] stapleSeen(int port) throws Exception {
        CompletableFuture<byte[]> seen = new CompletableFuture<>();
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .ocspStapling(true).addPeerCheck(peer -> {
                    byte[] b = ((ReferenceCountedOpenSslEngine) peer.engine()).getOcspResponse();
                    seen.complete(b == null ? new byte[0] : b);
                }).build());
        Side c = loop.client(client, "localhost", port);
        assertNull(c.handshakeFailure());
        return seen.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aShortLivedStapleIsRefreshedAtHalfItsValidityAndTheNewOneIsStapledToLaterConnections() throws Exception {
        byte[] first = response(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59)));
        answer.set(first);
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)));
        stapler.ready().get(10, TimeUnit.SECONDS);
        nextEvent(OcspStaplerEvent.Kind.FETCHED);
        ManualTimer.Scheduled refresh = timer.next();
        assertEquals(Duration.ofMinutes(29), refresh.delay(), "half of thisUpdate..nextUpdate, counted from now");
        int port = server(stapler);
        assertArrayEquals(first, stapleSeen(port));

        byte[] second = response(t0.plus(Duration.ofMinutes(28)), t0.plus(Duration.ofMinutes(88)));
        answer.set(second);
        clock.now = t0.plus(Duration.ofMinutes(29));
        timer.fire(refresh);
        OcspStaplerEvent refreshed = nextEvent(OcspStaplerEvent.Kind.REFRESHED);
        assertEquals(t0.plus(Duration.ofMinutes(28)), refreshed.status().thisUpdate());
        assertArrayEquals(second, stapler.currentStaple(leaf.certificate()));
        assertArrayEquals(second, stapleSeen(port), "a later connection gets the new response");
        assertEquals(Duration.ofMinutes(29), timer.next().delay(), "the next refresh is at half the new validity");
        assertEquals(2, responder.requests.get());
    }

    @Test
    void theRefreshComesNoLaterThanTheResponderCertificateExpires() throws Exception {
        HeldCertificate delegate = HeldCertificate.builder().commonName("Short-lived Responder")
                .extendedKeyUsage(HeldCertificate.OCSP_SIGNING).validity(t0.minus(Duration.ofDays(1)),
                        t0.plus(Duration.ofMinutes(10))).signedBy(ca).build();
        answer.set(Responses.forCert(leaf, ca).signedBy(delegate).times(t0.minus(Duration.ofMinutes(1)),
                t0.plus(Duration.ofHours(4))).build());
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)));
        stapler.ready().get(10, TimeUnit.SECONDS);
        nextEvent(OcspStaplerEvent.Kind.FETCHED);
        assertEquals(Duration.ofMinutes(10), timer.next().delay());
    }

    @Test
    void aDownResponderIsRetriedWithDoublingBackoffAndStaplingResumesWhenItRecovers() throws Exception {
        responder = new TestResponder(req -> answer.get());
        responder.refuse = true;
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)));
        int port = server(stapler);
        stapler.ready().get(10, TimeUnit.SECONDS);
        assertTrue(nextEvent(OcspStaplerEvent.Kind.FAILED).cause().contains("closed the connection"));
        assertArrayEquals(new byte[0], stapleSeen(port));
        // Every retry waits for its timer: responder hits only grow when the test fires one.
        List<Duration> delays = new ArrayList<>();
        for (int hit = 1; hit <= 12; hit++) {
            assertEquals(hit, responder.requests.get(), "one request per attempt, no tight loop");
            ManualTimer.Scheduled retry = timer.next();
            delays.add(retry.delay());
            assertTrue(timer.scheduled.isEmpty(), "one retry at a time");
            timer.fire(retry);
            nextEvent(OcspStaplerEvent.Kind.FAILED);
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L, 600L, 600L),
                delays.stream().map(Duration::toSeconds).toList(), "doubling from 1 s, at most 10 minutes");

        byte[] good = response(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59)));
        answer.set(good);
        responder.refuse = false;
        timer.fire(timer.next());
        nextEvent(OcspStaplerEvent.Kind.FETCHED);
        assertArrayEquals(good, stapleSeen(port), "stapling resumes");
        ManualTimer.Scheduled refresh = timer.next();
        assertEquals(Duration.ofMinutes(29), refresh.delay(), "back to the refresh schedule");

        // Down again at the refresh: the last good response is kept until its nextUpdate, and the backoff starts over.
        responder.refuse = true;
        clock.now = t0.plus(Duration.ofMinutes(29));
        timer.fire(refresh);
        nextEvent(OcspStaplerEvent.Kind.FAILED);
        assertEquals(Duration.ofSeconds(1), timer.next().delay());
        assertArrayEquals(good, stapleSeen(port), "kept while current");
        clock.now = t0.plus(Duration.ofMinutes(59));
        assertNull(stapler.currentStaple(leaf.certificate()));
        assertArrayEquals(new byte[0], stapleSeen(port), "never stapled once past its nextUpdate");
        assertEquals(15, responder.requests.get(), "the first fetch, 12 retries, the recovery, the refresh");
    }

    @Test
    void aRevokedAnswerStopsTheStaplingAtOnce() throws Exception {
        answer.set(response(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59))));
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)).persistTo(dir));
        stapler.ready().get(10, TimeUnit.SECONDS);
        nextEvent(OcspStaplerEvent.Kind.FETCHED);
        assertEquals(1, persisted().size());
        answer.set(Responses.forCert(leaf, ca).revoked(1).build());
        timer.fire(timer.next());
        OcspStaplerEvent failed = nextEvent(OcspStaplerEvent.Kind.FAILED);
        assertEquals(OcspStatus.Result.REVOKED, failed.status().result());
        assertNull(stapler.currentStaple(leaf.certificate()), "the earlier good response is not stapled any more");
        assertArrayEquals(new byte[0], stapleSeen(server(stapler)));
        assertEquals(List.of(), persisted(), "nor is it left to be reloaded after a restart");
    }

    List<Path> persisted() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** Persists a response valid from {@code t0 - 1 min} to {@code t0 + 59 min} with a first stapler, then closes it. */
    void persistOne() throws Exception {
        answer.set(response(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59))));
        OcspStapler first = stapler(Duration.ofSeconds(5)).persistTo(dir).start();
        try {
            first.ready().get(10, TimeUnit.SECONDS);
            nextEvent(OcspStaplerEvent.Kind.FETCHED);
        } finally {
            first.close();
        }
        assertEquals(1, persisted().size());
        timer.scheduled.clear();
    }

    @Test
    void aPersistedCurrentStapleIsServedAtOnceWithTheResponderDown() throws Exception {
        persistOne();
        byte[] persisted = answer.get();
        answer.set(null);
        // The responder now never answers: the first fetch of the new stapler is still waiting.
        OcspStapler stapler = started(stapler(Duration.ofSeconds(30)).persistTo(dir));
        assertArrayEquals(persisted, stapler.currentStaple(leaf.certificate()), "loaded before start() returned");
        assertArrayEquals(persisted, stapleSeen(server(stapler)));
        assertFalse(stapler.ready().isDone(), "served before the responder answered");
    }

    @Test
    void anExpiredPersistedStapleIsNotServed() throws Exception {
        persistOne();
        responder.refuse = true;
        clock.now = t0.plus(Duration.ofMinutes(60));
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)).persistTo(dir));
        assertNull(stapler.currentStaple(leaf.certificate()));
        stapler.ready().get(10, TimeUnit.SECONDS);
        assertArrayEquals(new byte[0], stapleSeen(server(stapler)));
    }

    @Test
    void aPersistedResponseForAnotherCertificateIsNotServed() throws Exception {
        persistOne();
        // Someone put another certificate's (good, current) response under this one's name.
        HeldCertificate other = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(901))
                .signedBy(ca).build();
        Files.write(persisted().get(0), Responses.forCert(other, ca).times(t0.minus(Duration.ofMinutes(1)),
                t0.plus(Duration.ofMinutes(59))).build());
        responder.refuse = true;
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)).persistTo(dir));
        assertNull(stapler.currentStaple(leaf.certificate()));
    }

    @Test
    void withSeveralCertificatesEachHandshakeGetsTheStapleOfTheCertificateItPresents() throws Exception {
        HeldCertificate second = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(902))
                .ocspUrl("http://127.0.0.1:9/unused").signedBy(ca).build();
        byte[] forLeaf = response(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59)));
        byte[] forSecond = Responses.forCert(second, ca).times(t0.minus(Duration.ofMinutes(1)),
                t0.plus(Duration.ofMinutes(59))).build();
        responder = new TestResponder(req -> req.getRequestList()[0].getCertID().getSerialNumber()
                .equals(second.certificate().getSerialNumber()) ? forSecond : forLeaf);
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)).certificate(second.chain()));
        stapler.ready().get(10, TimeUnit.SECONDS);
        assertArrayEquals(forLeaf, stapleSeen(server(stapler, leaf)));
        assertArrayEquals(forSecond, stapleSeen(server(stapler, second)));
        // Without naming the certificate the stapler cannot tell; it says so instead of stapling nothing.
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(second.keyMaterial())
                .ocspStapling(true).build());
        io.netty.handler.ssl.SslHandler handler = tls.newHandler(io.netty.buffer.ByteBufAllocator.DEFAULT);
        try {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> stapler.staple(handler));
            assertTrue(e.getMessage().contains("staple(handler, leaf)"), e.getMessage());
        } finally {
            io.netty.util.ReferenceCountUtil.release(handler.engine());
        }
    }

    /** A responder answering each request with a good response for the serial asked about, among {@code certs}. */
    TestResponder responderFor(HeldCertificate... certs) throws Exception {
        java.util.Map<BigInteger, byte[]> bySerial = new java.util.HashMap<>();
        for (HeldCertificate c : certs) {
            bySerial.put(c.certificate().getSerialNumber(), Responses.forCert(c, ca)
                    .times(t0.minus(Duration.ofMinutes(1)), t0.plus(Duration.ofMinutes(59))).build());
        }
        return new TestResponder(req -> bySerial.get(req.getRequestList()[0].getCertID().getSerialNumber()));
    }

    List<BigInteger> serialsAsked() {
        return responder.received.stream().map(r -> r.getRequestList()[0].getCertID().getSerialNumber()).toList();
    }

    static HeldCertificate renewed(int serial) throws Exception {
        return HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(serial))
                .ocspUrl("http://127.0.0.1:9/unused").signedBy(ca).build();
    }

    /** A stapler for {@link #leaf} alone, its first response fetched, with a responder that knows {@code known}. */
    OcspStapler stapling(HeldCertificate... known) throws Exception {
        responder = responderFor(known);
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)));
        stapler.ready().get(10, TimeUnit.SECONDS);
        nextEvent(OcspStaplerEvent.Kind.FETCHED);
        return stapler;
    }

    @Test
    void aCertificateAddedWhileRunningIsFetchedAndStapledAsSoonAsAGoodResponseArrives() throws Exception {
        HeldCertificate later = renewed(903);
        OcspStapler stapler = stapling(leaf, later);
        timer.next();
        int laterPort = server(stapler, later);
        assertArrayEquals(new byte[0], stapleSeen(laterPort), "not known yet: no staple, and no error either");

        stapler.follow(List.of(leaf.chain(), later.chain())).get(10, TimeUnit.SECONDS);
        OcspStaplerEvent fetched = nextEvent(OcspStaplerEvent.Kind.FETCHED);
        assertEquals(later.certificate(), fetched.certificate());
        assertEquals(List.of(leaf.certificate(), later.certificate()), stapler.certificates());
        byte[] staple = stapleSeen(laterPort);
        assertEquals(later.certificate().getSerialNumber(), Responses.parse(staple).getResponseObject() instanceof
                org.bouncycastle.cert.ocsp.BasicOCSPResp b ? b.getResponses()[0].getCertID().getSerialNumber() : null,
                "the new certificate's own response");
        assertArrayEquals(staple, stapler.currentStaple(later.certificate()));
        assertNotNull(stapler.currentStaple(leaf.certificate()), "the known certificate keeps its response");
        assertEquals(List.of(leaf.certificate().getSerialNumber(), later.certificate().getSerialNumber()), serialsAsked(),
                "the known certificate is not fetched again");
        assertEquals(Duration.ofMinutes(29), timer.next().delay(), "the new certificate is refreshed like the others");
        assertTrue(timer.scheduled.isEmpty());

        stapler.follow(List.of(leaf.chain(), later.chain())).get(10, TimeUnit.SECONDS);
        stapler.add(later.chain()).get(10, TimeUnit.SECONDS);
        assertEquals(2, responder.requests.get(), "following the same certificates again fetches nothing");
    }

    @Test
    void aCertificateNoLongerServedIsNoLongerRefreshedNorStapled() throws Exception {
        HeldCertificate renewal = renewed(904);
        OcspStapler stapler = stapling(leaf, renewal);
        ManualTimer.Scheduled oldRefresh = timer.next();

        // The certificate file was renewed: the reloaded mapping serves only the new certificate.
        stapler.follow(List.of(renewal.chain())).get(10, TimeUnit.SECONDS);
        assertEquals(renewal.certificate(), nextEvent(OcspStaplerEvent.Kind.FETCHED).certificate());
        ManualTimer.Scheduled newRefresh = timer.next();
        assertEquals(List.of(renewal.certificate()), stapler.certificates());
        assertNull(stapler.currentStaple(leaf.certificate()));
        assertNull(stapler.status(leaf.certificate()));

        // Its refresh timer was cancelled; even if it fires anyway, nothing is asked for it, nor retried.
        timer.fire(oldRefresh);
        clock.now = t0.plus(Duration.ofMinutes(29));
        timer.fire(newRefresh);
        assertEquals(renewal.certificate(), nextEvent(OcspStaplerEvent.Kind.REFRESHED).certificate());
        timer.next();
        assertEquals(List.of(leaf.certificate().getSerialNumber(), renewal.certificate().getSerialNumber(),
                renewal.certificate().getSerialNumber()), serialsAsked(), "the retired certificate is never asked again");
        assertTrue(timer.scheduled.isEmpty(), "nothing scheduled for the retired certificate");
        assertTrue(events.isEmpty(), "no event for the retired certificate: " + events);

        // Renewal after renewal, the stapler holds only what is served (their fetches need not finish for that).
        for (int serial = 905; serial < 910; serial++) {
            stapler.follow(List.of(renewed(serial).chain()));
        }
        assertEquals(1, stapler.certificates().size());
    }

    @Test
    void aFollowWithABadChainChangesNothing() throws Exception {
        responder = responderFor(leaf);
        OcspStapler stapler = started(stapler(Duration.ofSeconds(5)));
        stapler.ready().get(10, TimeUnit.SECONDS);
        HeldCertificate later = renewed(910);
        org.nettytls.TlsException e = org.junit.jupiter.api.Assertions.assertThrows(org.nettytls.TlsException.class,
                () -> stapler.follow(List.of(later.chain(), List.of(renewed(911).certificate()))));
        assertTrue(e.getMessage().contains("needs the certificate and its issuer"), e.getMessage());
        assertEquals(List.of(leaf.certificate()), stapler.certificates(), "neither added nor retired");
        assertNotNull(stapler.currentStaple(leaf.certificate()));
        assertEquals(1, responder.requests.get());
    }
}
