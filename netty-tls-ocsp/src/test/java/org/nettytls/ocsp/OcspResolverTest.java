package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.Req;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** The resolver over real HTTP on the event loop: good, revoked, down, slow, garbage, partial answers, full chain. */
class OcspResolverTest {
    static HeldCertificate root;
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final Loopback loop = new Loopback();
    TestResponder responder;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Resolver Root").certificateAuthority(1).build();
    }

    @AfterEach
    void close() {
        loop.close();
        if (responder != null) {
            responder.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** A CA whose certificates name {@code url} as their responder, and one leaf; the root's responder is at {@code url-root}. */
    static HeldCertificate[] pki(String url, int serial) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Resolver CA").certificateAuthority(0).ocspUrl(url + "-root")
                .signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(serial))
                .ocspUrl(url).signedBy(ca).build();
        return new HeldCertificate[] {ca, leaf};
    }

    OcspResolver resolve(OcspResolver r) throws Exception {
        EventLoop el = group.next();
        return r.resolve(el, NioSocketChannel.class).get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Answers with the status the test asks for, for each certificate asked about, signed by {@code ca}. */
    static byte[] answer(OCSPReq req, HeldCertificate ca, List<BigInteger> revoked) {
        try {
            org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder b = new org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder(
                    new org.bouncycastle.cert.ocsp.RespID(new org.bouncycastle.cert.jcajce.JcaX509CertificateHolder(
                            ca.certificate()).getSubject()));
            java.util.Date now = new java.util.Date();
            java.util.Date next = new java.util.Date(now.getTime() + 3_600_000);
            for (Req r : req.getRequestList()) {
                org.bouncycastle.cert.ocsp.CertificateStatus st = revoked.contains(r.getCertID().getSerialNumber())
                        ? new org.bouncycastle.cert.ocsp.RevokedStatus(now, 1) : org.bouncycastle.cert.ocsp.CertificateStatus.GOOD;
                b.addResponse(r.getCertID(), st, now, next, null);
            }
            if (req.getExtension(OcspVerifier.NONCE) != null) {
                b.setResponseExtensions(new org.bouncycastle.asn1.x509.Extensions(req.getExtension(OcspVerifier.NONCE)));
            }
            return new org.bouncycastle.cert.ocsp.OCSPRespBuilder().build(0, b.build(
                    new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                            ca.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA")
                            .build(ca.privateKey()), null, now)).getEncoded();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aGoodCertificateResolvesGoodByGetAndARevokedOneRevoked() throws Exception {
        HeldCertificate[] holder = new HeldCertificate[1];
        responder = new TestResponder(req -> answer(req, holder[0], List.of(BigInteger.valueOf(7))));
        HeldCertificate[] good = pki(responder.url(), 6);
        holder[0] = good[0];
        HeldCertificate revoked = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(7))
                .ocspUrl(responder.url()).signedBy(good[0]).build();
        OcspClientConfig config = OcspClientConfig.builder().build();
        OcspResolver r = resolve(OcspResolver.forChain(List.of(good[1].certificate(), good[0].certificate(),
                root.certificate()), config));
        assertEquals("", r.hardError());
        assertEquals(OcspStatus.Result.GOOD, r.statuses().get(0).result());
        assertEquals(List.of("GET"), List.copyOf(responder.methods), "a small request goes by GET (RFC 5019)");
        OcspResolver rr = resolve(OcspResolver.forChain(List.of(revoked.certificate(), good[0].certificate()), config));
        assertTrue(rr.hardError().contains("revoked"), rr.hardError());
        // The answers are cached: asking again needs no request.
        int before = responder.requests.get();
        OcspResolver again = OcspResolver.forChain(List.of(revoked.certificate(), good[0].certificate()), config);
        assertTrue(again.hardError().contains("revoked"), again.hardError());
        assertEquals(before, responder.requests.get());
    }

    @Test
    void theReferenceApiWorksByHandAndPartialAnswersAreAskedAgain() throws Exception {
        HeldCertificate[] p = pki("http://127.0.0.1:9/ocsp", 10);
        HeldCertificate leaf2 = HeldCertificate.builder().dns("b.test").serialNumber(BigInteger.valueOf(11))
                .ocspUrl("http://127.0.0.1:9/ocsp").signedBy(p[0]).build();
        OcspClientConfig config = OcspClientConfig.builder().build();
        OcspResolver r = new OcspResolver(List.of(p[1].certificate(), leaf2.certificate()),
                List.of(p[0].certificate(), p[0].certificate()), config);
        assertNull(r.hardError());
        assertEquals(List.of("http://127.0.0.1:9/ocsp"), List.copyOf(r.requests().keySet()), "one batch per URL");
        OCSPReq req = new OCSPReq(r.requests().get("http://127.0.0.1:9/ocsp"));
        assertEquals(2, req.getRequestList().length);
        // The responder answers only for the first certificate.
        byte[] partial = Responses.forCert(p[1], p[0]).build();
        assertNull(r.addResponse("http://127.0.0.1:9/ocsp", partial));
        assertEquals(List.of(BigInteger.valueOf(11)), r.openSerials("http://127.0.0.1:9/ocsp"));
        assertEquals("", r.addResponse("http://127.0.0.1:9/ocsp", Responses.forCert(leaf2, p[0]).build()));
        assertNull(r.softError());
    }

    @Test
    void aDownSlowOrGarbageResponderIsASoftErrorWithinTheTimeoutAndHardUnderFailHard() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        responder = new TestResponder(req -> null);
        TestResponder garbage = new TestResponder(req -> new byte[] {0x30, 0x03, 1, 2, 3});
        try {
            for (String url : List.of("http://127.0.0.1:" + closedPort + "/", responder.url(), garbage.url())) {
                HeldCertificate[] p = pki(url, 20);
                OcspClientConfig soft = OcspClientConfig.builder().timeout(Duration.ofMillis(500)).build();
                OcspResolver r = resolve(OcspResolver.forChain(List.of(p[1].certificate(), p[0].certificate()), soft));
                assertEquals("", r.hardError(), url);
                assertNotNull(r.softError(), url);
                // The silent one ends by the timeout, which says so (it would never end without one).
                assertTrue(!url.equals(responder.url()) || r.softError().contains("within 500 ms"), r.softError());
                assertEquals(OcspStatus.Result.SOFT_FAILURE, r.statuses().get(0).result());
                OcspClientConfig hard = OcspClientConfig.builder().timeout(Duration.ofMillis(500)).failHard(true).build();
                OcspResolver h = resolve(OcspResolver.forChain(List.of(p[1].certificate(), p[0].certificate()), hard));
                assertTrue(h.hardError() != null && !h.hardError().isEmpty(), url);
            }
        } finally {
            garbage.close();
        }
    }

    @Test
    void aCertificateWithoutAnOcspUrlIsSoft() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("No URL CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        OcspResolver r = OcspResolver.forChain(List.of(leaf.certificate(), ca.certificate()), OcspClientConfig.builder().build());
        assertEquals("", r.hardError());
        assertTrue(r.softError().contains("names no OCSP responder"), r.softError());
    }

    @Test
    void crlDistributionPointsAnswerAloneOrWhenOcspGivesNoAnswer() throws Exception {
        responder = new TestResponder(req -> new byte[] {1});
        HeldCertificate ca = HeldCertificate.builder().commonName("CRL DP CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate clean = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(50))
                .ocspUrl(responder.url()).crlUrl(responder.base() + "/crl/ca.crl").signedBy(ca).build();
        HeldCertificate gone = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(51))
                .ocspUrl(responder.url()).crlUrl(responder.base() + "/crl/ca.crl").signedBy(ca).build();
        java.time.Instant now = java.time.Instant.now();
        responder.crl = ca.crl(java.util.Map.of(BigInteger.valueOf(51), 1), now.minusSeconds(60), now.plusSeconds(3600))
                .getEncoded();
        // The OCSP responder answers garbage, so the CRL decides.
        OcspClientConfig fallback = OcspClientConfig.builder().crlDistributionPoints(OcspClientConfig.CrlUse.FALLBACK).build();
        OcspResolver ok = resolve(OcspResolver.forChain(List.of(clean.certificate(), ca.certificate()), fallback));
        assertEquals("", ok.hardError());
        assertEquals(OcspStatus.Result.GOOD, ok.statuses().get(0).result());
        assertEquals(OcspStatus.Source.CRL, ok.statuses().get(0).source());
        OcspClientConfig only = OcspClientConfig.builder().crlDistributionPoints(OcspClientConfig.CrlUse.ONLY).build();
        int before = responder.requests.get();
        OcspResolver bad = resolve(OcspResolver.forChain(List.of(gone.certificate(), ca.certificate()), only));
        assertTrue(bad.hardError().contains("revoked"), bad.hardError());
        assertEquals(before + 1, responder.requests.get(), "only the CRL was fetched");
        // A CRL signed by another key is not believed.
        HeldCertificate impostor = HeldCertificate.builder().commonName("CRL DP CA").certificateAuthority(0).build();
        responder.crl = impostor.crl(java.util.Map.of(), now.minusSeconds(60), now.plusSeconds(3600)).getEncoded();
        OcspClientConfig fresh = OcspClientConfig.builder().crlDistributionPoints(OcspClientConfig.CrlUse.ONLY).build();
        OcspResolver forged = resolve(OcspResolver.forChain(List.of(clean.certificate(), ca.certificate()), fresh));
        assertEquals(OcspStatus.Result.SOFT_FAILURE, forged.statuses().get(0).result(), String.valueOf(forged.statuses()));
    }

    /** Starts a responder that says good to everything, signed by the CA of the PKI it returns (CA, leaf {@code serial}). */
    HeldCertificate[] goodResponder(int serial) throws Exception {
        HeldCertificate[] holder = new HeldCertificate[1];
        responder = new TestResponder(req -> answer(req, holder[0], List.of()));
        HeldCertificate[] p = pki(responder.url(), serial);
        holder[0] = p[0];
        return p;
    }

    @Test
    void aNonceIsSentAndMustComeBack() throws Exception {
        HeldCertificate[] p = goodResponder(30);
        OcspResolver r = resolve(OcspResolver.forChain(List.of(p[1].certificate(), p[0].certificate()),
                OcspClientConfig.builder().nonce(true).build()));
        assertEquals("", r.hardError());
        assertEquals(OcspStatus.Result.GOOD, r.statuses().get(0).result());
        assertNotNull(responder.received.peek().getExtension(OcspVerifier.NONCE));
    }

    /** The resolver in the handshake: with no staple, TRY_STAPLE + resolve and FULL_CHAIN decide before any data. */
    @Test
    void theHandlerResolvesTheFullChainBeforeLettingDataThrough() throws Exception {
        HeldCertificate[] holder = new HeldCertificate[1];
        List<BigInteger> revokedSerials = new java.util.concurrent.CopyOnWriteArrayList<>();
        responder = new TestResponder(req -> {
            // The intermediate's status comes from the root, the leaf's from the CA.
            X509Certificate issuer = holder[0].certificate();
            try {
                boolean forCa = req.getRequestList()[0].getCertID().matchesIssuer(
                        new org.bouncycastle.cert.jcajce.JcaX509CertificateHolder(root.certificate()),
                        new org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder().build());
                return answer(req, forCa ? root : holder[0], revokedSerials);
            } catch (Exception e) {
                throw new IllegalStateException(issuer.toString(), e);
            }
        });
        HeldCertificate[] p = pki(responder.url(), 40);
        holder[0] = p[0];
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(p[1].keyMaterial()).build());
        int port = loop.server(server, s -> { });
        OcspClientConfig ocsp = OcspClientConfig.builder().fullChain(true).build();
        Side ok = OcspClients.connect(loop, OcspClients.context(ocsp, root), ocsp, port);
        assertNull(ok.handshakeFailure());
        String status = OcspClients.status(ok);
        assertTrue(status.startsWith("good (resolver"), status);
        assertEquals(2, responder.requests.get(), "the leaf and the intermediate, each from its own issuer");

        revokedSerials.add(p[0].certificate().getSerialNumber());
        OcspClientConfig fresh = OcspClientConfig.builder().fullChain(true).build();
        Side bad = OcspClients.connect(loop, OcspClients.context(fresh, root), fresh, port);
        Loopback.writeNow(bad, "MUST-NOT-ARRIVE");
        Throwable failure = bad.handshakeFailure();
        assertNotNull(failure);
        assertEquals(TlsErrorCode.REVOKED, TlsException.classify(failure).code());
    }

    // A slow responder through full handshakes with resolve on.

    /** A TLS echo server for {@code cert} (no staple), whose accepted connections go to {@code accepted}. */
    int echoServer(HeldCertificate cert, BlockingQueue<Side> accepted) throws Exception {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build()),
                accepted::add);
    }

    static void awaitRequests(TestResponder r, int n) {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (r.requests.get() < n) {
            assertTrue(System.nanoTime() < deadline, "the responder got " + r.requests.get() + " requests, not " + n);
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    @Test
    void aSlowResponderHoldsTheApplicationsWritesUntilItsAnswer() throws Exception {
        HeldCertificate[] holder = new HeldCertificate[1];
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        AtomicReference<String> serverHadWhenAnswering = new AtomicReference<>();
        responder = new TestResponder(req -> {
            Side s = accepted.peek();
            serverHadWhenAnswering.set(s == null ? "(no connection)" : s.received.toString());
            return answer(req, holder[0], List.of());
        });
        responder.delayMillis = 500;
        HeldCertificate[] p = pki(responder.url(), 60);
        holder[0] = p[0];
        int port = echoServer(p[1], accepted);
        // The answer must come in time however loaded the machine: the timeout is not what this tests.
        OcspClientConfig ocsp = OcspClientConfig.builder().resolve(true).timeout(Await.EVENT).build();
        Side c = OcspClients.connect(loop, OcspClients.context(ocsp, root), ocsp, port);
        Loopback.writeNow(c, "EARLY");
        assertNull(c.handshakeFailure());
        assertTrue(OcspClients.status(c).startsWith("good (resolver"), OcspClients.status(c));
        // Half a second after the TLS handshake had finished, the server still had nothing.
        assertEquals("", serverHadWhenAnswering.get());
        accepted.peek().awaitReceived("EARLY");
    }

    @Test
    void aResponderThatNeverAnswersIsSoftAfterTheTimeoutAndHardUnderFailHard() throws Exception {
        responder = new TestResponder(req -> null);
        HeldCertificate[] p = pki(responder.url(), 61);
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = echoServer(p[1], accepted);
        OcspClientConfig soft = OcspClientConfig.builder().resolve(true).timeout(Duration.ofMillis(300)).build();
        long start = System.nanoTime();
        Side c = OcspClients.connect(loop, OcspClients.context(soft, root), soft, port);
        Loopback.writeNow(c, "EARLY");
        assertNull(c.handshakeFailure());
        long took = System.nanoTime() - start;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(300), "the verdict waited for the timeout");
        String status = OcspClients.status(c);
        assertTrue(status.startsWith("soft-failure: the HTTP request failed: no answer from " + responder.url()), status);
        assertTrue(status.contains("within 300 ms (resolver"), status);
        accepted.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS).awaitReceived("EARLY");

        OcspClientConfig hard = OcspClientConfig.builder().resolve(true).failHard(true).timeout(Duration.ofMillis(300))
                .build();
        Side h = OcspClients.connect(loop, OcspClients.context(hard, root), hard, port);
        Loopback.writeNow(h, "MUST-NOT-ARRIVE");
        Throwable failure = h.handshakeFailure();
        assertNotNull(failure);
        assertEquals(TlsErrorCode.OCSP_RESPONSE_INVALID, TlsException.classify(failure).code());
        assertTrue(failure.getMessage().contains("within 300 ms"), failure.getMessage());
        Side s = accepted.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(s);
        s.awaitClosed();
        assertEquals("", s.received.toString());
    }

    /** A client on {@code group} whose handshake (as the handlers after {@code setup} see it) completes {@code done}. */
    static Channel connectOn(EventLoopGroup group, int port, Consumer<SocketChannel> setup,
                             CompletableFuture<Channel> done, StringBuffer received) {
        return new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                setup.accept(ch);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof SslHandshakeCompletionEvent e) {
                            if (e.isSuccess()) {
                                done.complete(ctx.channel());
                            } else {
                                done.completeExceptionally(e.cause());
                            }
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.append(((io.netty.buffer.ByteBuf) msg).toString(StandardCharsets.UTF_8));
                        ReferenceCountUtil.release(msg);
                    }
                });
            }
        }).connect("127.0.0.1", port).syncUninterruptibly().channel();
    }

    @Test
    void aSlowResolutionDoesNotHoldUpAnotherConnectionOnTheSameEventLoop() throws Exception {
        responder = new TestResponder(req -> null);
        HeldCertificate[] p = pki(responder.url(), 62);
        int port = echoServer(p[1], new LinkedBlockingQueue<>());
        EventLoopGroup one = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            // A timeout no loaded machine reaches before the second connection is done.
            OcspClientConfig ocsp = OcspClientConfig.builder().resolve(true).timeout(Await.EVENT.multipliedBy(10)).build();
            TlsClientContext resolving = OcspClients.context(ocsp, root);
            CompletableFuture<Channel> slow = new CompletableFuture<>();
            Channel a = connectOn(one, port, ch -> {
                try {
                    resolving.install(ch.pipeline(), "localhost", port);
                } catch (TlsException e) {
                    throw new IllegalStateException(e);
                }
            }, slow, new StringBuffer());
            awaitRequests(responder, 1);
            // A is now waiting for the responder, which never answers.
            TlsClientContext plain = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                    .build());
            CompletableFuture<Channel> quick = new CompletableFuture<>();
            StringBuffer echoed = new StringBuffer();
            Channel b = connectOn(one, port, ch -> {
                try {
                    plain.install(ch.pipeline(), "localhost", port);
                } catch (TlsException e) {
                    throw new IllegalStateException(e);
                }
            }, quick, echoed);
            assertEquals(a.eventLoop(), b.eventLoop(), "the test needs both on one event loop");
            quick.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
            b.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.UTF_8));
            Await.until(() -> echoed.indexOf("ping") >= 0, () -> "no echo on the second connection");
            assertFalse(slow.isDone(), "the first connection is still waiting for its verdict");
            a.close().syncUninterruptibly();
            b.close().syncUninterruptibly();
        } finally {
            one.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLargeBatchGoesByPostAndAnOversizedAnswerIsSoft() throws Exception {
        HeldCertificate[] p = goodResponder(70);
        List<X509Certificate> leaves = new java.util.ArrayList<>();
        for (int serial = 71; serial <= 73; serial++) {
            leaves.add(HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(serial))
                    .ocspUrl(responder.url()).signedBy(p[0]).build().certificate());
        }
        OcspClientConfig config = OcspClientConfig.builder().nonce(true).build();
        OcspResolver r = resolve(new OcspResolver(leaves, List.of(p[0].certificate(), p[0].certificate(),
                p[0].certificate()), config));
        assertEquals("", r.hardError(), r.softError());
        assertEquals(List.of("POST"), List.copyOf(responder.methods), "too big for RFC 5019's GET");
        assertEquals(3, responder.received.peek().getRequestList().length, "one request for the three");

        responder.answer = req -> new byte[OcspClientConfig.DEFAULT_MAX_RESPONSE_BYTES + 1];
        OcspResolver big = resolve(OcspResolver.forChain(List.of(p[1].certificate(), p[0].certificate()),
                OcspClientConfig.builder().build()));
        assertEquals("", big.hardError());
        assertEquals(OcspStatus.Result.SOFT_FAILURE, big.statuses().get(0).result());
        assertTrue(big.softError().toLowerCase(java.util.Locale.ROOT).contains("too large"), big.softError());
    }
}
