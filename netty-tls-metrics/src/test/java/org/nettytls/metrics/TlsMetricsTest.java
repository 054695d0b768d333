package org.nettytls.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StartTlsServer;
import org.nettytls.testing.Await;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/**
 * A scripted sequence of real handshakes over 127.0.0.1 (successes, a resumption, failures of
 * either side, SNI hits, a wildcard, a miss to the default, a plaintext client), STARTTLS
 * upgrades and a refusal, and a reload; then the exact counts and gauges each meter must show.
 */
class TlsMetricsTest {
    static HeldCertificate root;
    static HeldCertificate wwwRsa;
    static HeldCertificate wwwEc;
    static HeldCertificate wild;
    static HeldCertificate fallback;

    final MeterRegistry registry = new SimpleMeterRegistry();
    final TlsMetrics metrics = TlsMetrics.of(registry);
    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Metrics Root").certificateAuthority(0).build();
        wwwRsa = HeldCertificate.builder().dns("www.test").rsa(2048).days(30).signedBy(root).build();
        wwwEc = HeldCertificate.builder().dns("www.test").days(20).signedBy(root).build();
        wild = HeldCertificate.builder().dns("*.wild.test").days(10).signedBy(root).build();
        fallback = HeldCertificate.builder().dns("default.test").ip("127.0.0.1").days(5).signedBy(root).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    SniMapping mapping(HeldCertificate www) throws org.nettytls.TlsException {
        return SniMapping.builder()
                .add("www.test", server(www))
                .addCertificate("www.test", wwwEc.keyMaterial())
                .add("*.wild.test", server(wild))
                .add(SniMapping.DEFAULT, server(fallback))
                .build();
    }

    TlsServerOptions server(HeldCertificate cert) throws org.nettytls.TlsException {
        return TlsServerOptions.builder().certificate(cert.keyMaterial()).observer(metrics).build();
    }

    TlsClientContext client(String verifyName) throws Exception {
        TlsClientOptions.Builder b = TlsClientOptions.builder().caCertificates(root.certificate()).observer(metrics);
        if (verifyName != null) {
            b.verifycnName(verifyName);
        }
        return TlsClientContext.create(b.build());
    }

    @Test
    void countsEveryHandshakeSelectionAndUpgradeExactly() throws Exception {
        AtomicReference<HeldCertificate> www = new AtomicReference<>(wwwRsa);
        SniReloader certs = SniReloader.create(() -> mapping(www.get()));
        metrics.monitor(certs);
        SniSelectorOptions selector = SniSelectorOptions.builder().observer(metrics).build();
        int port = loop.server(ch -> SniCertSelector.install(ch.pipeline(), certs, selector), side -> { }, true);

        TlsClientContext verifying = client(null);
        // 1 and 2: www.test in full, then resumed from the TLS 1.3 ticket that came after the echo.
        Side first = loop.client(verifying, "www.test", port);
        assertNull(first.handshakeFailure());
        Loopback.writeNow(first, "ping\n");
        first.awaitReceived("ping");
        first.channel.close().syncUninterruptibly();
        Side again = loop.client(verifying, "www.test", port);
        assertNull(again.handshakeFailure());
        assertEquals(Boolean.TRUE, TlsConnectionInfo.of(again.channel).sessionReused().orElse(null));
        // 3: a wildcard name.
        assertNull(loop.client(verifying, "a.wild.test", port).handshakeFailure());
        // 4: a name nothing matches: the default's certificate, which the client refuses.
        assertNotNull(loop.client(client(null), "nope.test", port).handshakeFailure());
        // 5: no name at all (an IP address), checked against the default's IP address.
        assertNull(loop.client(client(null), "127.0.0.1", port).handshakeFailure());
        // 6: plaintext on the TLS port.
        Side plain = loop.client(ch -> { }, port);
        Loopback.writeNow(plain, "GET / HTTP/1.0\r\n\r\n");
        plain.awaitClosed();

        awaitCount(() -> total(registry.find(TlsMetrics.HANDSHAKE).tag("tls.role", "server")), 6);
        awaitCount(() -> total(registry.find(TlsMetrics.HANDSHAKE).tag("tls.role", "client")), 5);

        assertEquals(4, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "server", "outcome", "success")));
        assertEquals(1, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "server", "outcome", "success",
                "tls.resumed", "true", "tls.protocol.version", "1.3")));
        assertEquals(1, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "server",
                "error.type", "plaintext-on-tls-port")));
        assertEquals(2, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "server", "outcome", "failure")));
        assertEquals(4, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "client", "outcome", "success")));
        assertEquals(1, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "client", "error.type", "hostname-mismatch")));
        Timer full = registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "client", "outcome", "success", "tls.resumed", "false")
                .timers().iterator().next();
        assertTrue(full.totalTime(TimeUnit.NANOSECONDS) > 0, "a handshake takes time");
        assertTrue(!full.getId().getTag("tls.cipher").equals("none") && !full.getId().getTag("tls.curve").equals("none"),
                full.getId().toString());

        // SNI: configured names only, the miss and the nameless client under the default.
        assertEquals(2, count(TlsMetrics.SNI, "tls.sni.name", "www.test", "tls.sni.match", "exact"));
        assertEquals(1, count(TlsMetrics.SNI, "tls.sni.name", "*.wild.test", "tls.sni.match", "wildcard"));
        assertEquals(1, count(TlsMetrics.SNI, "tls.sni.name", "default", "tls.sni.match", "default"));
        assertEquals(1, count(TlsMetrics.SNI, "tls.sni.name", "default", "tls.sni.match", "no-name"));
        assertTrue(registry.find(TlsMetrics.SNI).tag("tls.sni.name", "nope.test").counters().isEmpty());

        // Expiry: every name, every key type; then a reload that renews www.test's RSA certificate.
        assertEquals(4, registry.find(TlsMetrics.CERT_EXPIRY).gauges().size());
        assertDays(30, gauge(TlsMetrics.CERT_EXPIRY, "tls.sni.name", "www.test", "tls.key.type", "RSA"));
        assertDays(20, gauge(TlsMetrics.CERT_EXPIRY, "tls.sni.name", "www.test", "tls.key.type", "EC"));
        assertDays(10, gauge(TlsMetrics.CERT_EXPIRY, "tls.sni.name", "*.wild.test", "tls.key.type", "EC"));
        assertDays(5, gauge(TlsMetrics.CERT_EXPIRY, "tls.sni.name", "default", "tls.key.type", "EC"));
        www.set(HeldCertificate.builder().dns("www.test").rsa(2048).days(90).signedBy(root).build());
        assertTrue(certs.reload());
        assertEquals(4, registry.find(TlsMetrics.CERT_EXPIRY).gauges().size());
        assertDays(90, gauge(TlsMetrics.CERT_EXPIRY, "tls.sni.name", "www.test", "tls.key.type", "RSA"));
        // A connection after the reload is still counted under its configured name.
        assertNull(loop.client(verifying, "www.test", port).handshakeFailure());
        awaitCount(() -> count(TlsMetrics.SNI, "tls.sni.name", "www.test", "tls.sni.match", "exact"), 3);
    }

    @Test
    void startTlsUpgradesAndRefusalsByProtocol() throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(fallback.keyMaterial())
                .observer(metrics).build());
        int smtp = loop.server(ch -> {
            ch.pipeline().addLast(new StartTlsHandler(StartTlsProtocol.SMTP.serverFraming()),
                    new StartTlsServer(StartTlsProtocol.SMTP, tls), new TinySmtp(true));
            ch.writeAndFlush(Unpooled.copiedBuffer("220 metrics ESMTP\r\n", StandardCharsets.US_ASCII));
        }, side -> { }, false);
        int noTls = loop.server(ch -> {
            ch.pipeline().addLast(new TinySmtp(false));
            ch.writeAndFlush(Unpooled.copiedBuffer("220 plain ESMTP\r\n", StandardCharsets.US_ASCII));
        }, side -> { }, false);
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(root.certificate())
                .observer(metrics).build(), StartTlsProtocol.SMTP.hostnameScheme());
        List<StartTlsClient> clients = new ArrayList<>();
        for (int p : new int[] {smtp, smtp, noTls}) {
            loop.client(ch -> {
                StartTlsClient c = new StartTlsClient(StartTlsProtocol.SMTP, client, "127.0.0.1", p);
                clients.add(c);
                ch.pipeline().addLast(new StartTlsHandler(StartTlsProtocol.SMTP.clientFraming()), c);
            }, p);
        }
        for (StartTlsClient c : clients) {
            c.upgradeFuture().awaitUninterruptibly(20, TimeUnit.SECONDS);
        }
        awaitCount(() -> count(TlsMetrics.STARTTLS, "tls.role", "server", "outcome", "upgraded"), 2);
        assertEquals(2, count(TlsMetrics.STARTTLS, "tls.starttls.protocol", "smtp", "tls.role", "client", "outcome", "upgraded"));
        assertEquals(1, count(TlsMetrics.STARTTLS, "tls.starttls.protocol", "smtp", "tls.role", "client", "outcome", "refused",
                "error.type", "starttls-refused"));
        // The upgrades' handshakes are handshakes too, in both roles.
        awaitCount(() -> timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "server", "outcome", "success")), 2);
        assertEquals(2, timers(registry.find(TlsMetrics.HANDSHAKE).tags("tls.role", "client", "outcome", "success")));
    }

    @Test
    void staplesAndClientVerdicts() throws Exception {
        HeldCertificate ocspRoot = HeldCertificate.builder().commonName("Metrics OCSP Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().commonName("Metrics OCSP CA").certificateAuthority(0).signedBy(ocspRoot).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").ocspUrl("http://127.0.0.1:9/unused").signedBy(ca).build();
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        try (org.nettytls.ocsp.TestResponder responder = new org.nettytls.ocsp.TestResponder(req -> {
            try {
                return org.nettytls.ocsp.Responses.forCert(leaf, ca).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })) {
            org.nettytls.ocsp.OcspStapler stapler = org.nettytls.ocsp.OcspStapler.builder(group)
                    .certificate(List.of(leaf.certificate(), ca.certificate()))
                    .responderUrl(java.net.URI.create(responder.url())).listener(metrics.staplerListener()).start();
            metrics.monitor(stapler);
            assertTrue(stapler.ready().awaitUninterruptibly(20, TimeUnit.SECONDS));
            assertEquals(1, count(TlsMetrics.STAPLE_FETCHES, "outcome", "fetched", "source", "responder"));
            assertEquals(1.0, gauge(TlsMetrics.STAPLE_STATUS, "status", "good"));
            assertEquals(0.0, gauge(TlsMetrics.STAPLE_STATUS, "status", "none"));
            double age = gauge(TlsMetrics.STAPLE_AGE, "serial", leaf.certificate().getSerialNumber().toString(16));
            assertTrue(age >= 59 && age < 3600, "the test responder's thisUpdate is a minute ago: " + age);

            TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial())
                    .ocspStapling(true).ocspStaples(stapler::currentStaple).observer(metrics).build());
            int port = loop.server(server, side -> { });
            org.nettytls.ocsp.OcspClientConfig ocsp = org.nettytls.ocsp.OcspClientConfig.builder()
                    .mode(org.nettytls.ocsp.OcspMode.MUST_STAPLE).verdictListener(metrics).build();
            TlsClientContext client = TlsClientContext.create(ocsp.applyTo(TlsClientOptions.builder()
                    .caCertificates(ocspRoot.certificate()).observer(metrics)).build());
            for (int i = 0; i < 2; i++) {
                Throwable f = loop.client(client, "localhost", port).handshakeFailure();
                assertNull(f, () -> org.nettytls.TlsException.classify(f).toString());
            }
            awaitCount(() -> count(TlsMetrics.OCSP_VERDICTS, "tls.ocsp.result", "good", "outcome", "passed"), 2);
            // A resumed session carries no staple: its verdict comes from the cache.
            assertEquals(2, count(TlsMetrics.OCSP_VERDICTS));
            stapler.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Enough SMTP for a client to reach STARTTLS: a greeting, EHLO with or without STARTTLS, QUIT. */
    static final class TinySmtp extends ChannelInboundHandlerAdapter {
        private final boolean offersTls;

        TinySmtp(boolean offersTls) {
            this.offersTls = offersTls;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            String line = ((io.netty.buffer.ByteBuf) msg).toString(StandardCharsets.US_ASCII).trim();
            ReferenceCountUtil.release(msg);
            String reply = line.toUpperCase().startsWith("EHLO") ? (offersTls ? "250-metrics\r\n250 STARTTLS\r\n" : "250 plain\r\n")
                    : "250 ok\r\n";
            ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.US_ASCII));
        }
    }

    static void awaitCount(DoubleSupplier value, double expected) throws InterruptedException {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (value.getAsDouble() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        // Whatever else was to arrive has had its time: the count must be exact, not at least.
        Thread.sleep(200);
        assertEquals(expected, value.getAsDouble());
    }

    static double total(Search search) {
        return timers(search);
    }

    static double timers(Search search) {
        long n = 0;
        for (Timer t : search.timers()) {
            n += t.count();
        }
        return n;
    }

    double count(String name, String... tags) {
        double n = 0;
        for (Counter c : registry.find(name).tags(tags).counters()) {
            n += c.count();
        }
        return n;
    }

    double gauge(String name, String... tags) {
        Gauge g = registry.find(name).tags(tags).gauge();
        assertNotNull(g, name + " " + List.of(tags) + " in " + registry.getMeters().stream().map(Meter::getId).toList());
        return g.value();
    }

    static void assertDays(int days, double seconds) {
        double expected = Instant.now().plus(days, ChronoUnit.DAYS).getEpochSecond() - Instant.now().getEpochSecond();
        // Certificates start a little before now; a day's slack covers that and the clock moving.
        assertTrue(Math.abs(expected - seconds) < 86_400, "expected about " + days + " days, found " + seconds + " s");
    }
}
