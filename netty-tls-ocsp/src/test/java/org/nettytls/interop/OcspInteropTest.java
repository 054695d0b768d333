package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.ocsp.OcspClientConfig;
import org.nettytls.ocsp.OcspClients;
import org.nettytls.ocsp.OcspMode;
import org.nettytls.ocsp.OcspResolver;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.ocsp.OcspStaplerEvent;
import org.nettytls.ocsp.OcspStatus;
import org.nettytls.ocsp.Responses;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;

/**
 * OCSP with real peers: {@code openssl ocsp} as the responder (a delegated responder
 * certificate, revocation by {@code openssl ca -revoke}); our stapling server judged by
 * {@code openssl s_client -status}, {@code curl --cert-status} and {@code gnutls-cli --ocsp};
 * {@code openssl s_server -status_file} serving forged staples to our client.
 */
class OcspInteropTest {
    @TempDir
    Path dir;
    final Loopback loop = new Loopback();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    final List<AutoCloseable> closeables = new ArrayList<>();
    String openssl;
    HeldCertificate root;
    HeldCertificate ca;
    HeldCertificate responder;
    HeldCertificate good;
    HeldCertificate revoked;
    HeldCertificate goodEc;
    String url;

    @BeforeEach
    void pki() throws Exception {
        openssl = Interop.require("openssl");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        url = "http://127.0.0.1:" + port;
        root = HeldCertificate.builder().commonName("Interop OCSP Root").certificateAuthority(1).rsa(2048).build();
        // Servers send the intermediate, as real ones do: curl needs the issuer in the chain to compute the OCSP ID.
        ca = HeldCertificate.builder().commonName("Interop OCSP CA").certificateAuthority(0).rsa(2048).signedBy(root)
                .build();
        responder = HeldCertificate.builder().commonName("Interop OCSP Responder").rsa(2048)
                .extendedKeyUsage(HeldCertificate.OCSP_SIGNING).ocspNoCheck(true).signedBy(ca).build();
        good = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .serialNumber(BigInteger.valueOf(0x1001)).ocspUrl(url).signedBy(ca).build();
        revoked = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .serialNumber(BigInteger.valueOf(0x1002)).ocspUrl(url).signedBy(ca).build();
        goodEc = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .serialNumber(BigInteger.valueOf(0x1004)).ocspUrl(url).signedBy(ca).build();
        root.writeTo(dir.resolve("root"));
        goodEc.writeTo(dir.resolve("good-ec"));
        ca.writeTo(dir.resolve("ca"));
        responder.writeTo(dir.resolve("responder"));
        good.writeTo(dir.resolve("good"));
        revoked.writeTo(dir.resolve("revoked"));
        Files.writeString(dir.resolve("ca.cnf"), "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ndefault_md = sha256\n"
                + "unique_subject = no\n");
        Files.writeString(dir.resolve("index.txt"), "");
        Processes.run(dir, openssl, "ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-valid",
                "good.pem").expectSuccess();
        Processes.run(dir, openssl, "ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-valid",
                "good-ec.pem").expectSuccess();
        Processes.run(dir, openssl, "ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-revoke",
                "revoked.pem", "-crl_reason", "keyCompromise").expectSuccess();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        loop.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Starts {@code openssl ocsp} on the port of {@link #url}, signing with the delegated responder. */
    void startResponder() throws Exception {
        int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
        PeerProcess p = PeerProcess.start(dir, openssl, "ocsp", "-port", String.valueOf(port), "-index", "index.txt",
                "-CA", "ca.pem", "-rsigner", "responder.pem", "-rkey", "responder.key", "-ndays", "1");
        closeables.add(p);
        // Not a probe connection: openssl ocsp serves one connection at a time and would wait on it.
        Await.until(() -> p.stderr().contains("waiting for OCSP client connections"), () -> "openssl ocsp did not start: " + p.stderr());
    }

    @Test
    void theResolverAsksOpensslOcspAndGetsGoodAndRevoked() throws Exception {
        startResponder();
        OcspClientConfig config = OcspClientConfig.builder().nonce(true).build();
        OcspResolver ok = OcspResolver.forChain(List.of(good.certificate(), ca.certificate(), root.certificate()), config)
                .resolve(group.next(), NioSocketChannel.class).get(20, TimeUnit.SECONDS);
        assertEquals("", ok.hardError(), ok.softError());
        assertEquals(OcspStatus.Result.GOOD, ok.statuses().get(0).result(), String.valueOf(ok.statuses()));
        OcspResolver bad = OcspResolver.forChain(List.of(revoked.certificate(), ca.certificate(), root.certificate()), config)
                .resolve(group.next(), NioSocketChannel.class).get(20, TimeUnit.SECONDS);
        assertTrue(bad.hardError().contains("revoked") && bad.hardError().contains("keyCompromise"), bad.hardError());
    }

    /** A netty-tls HTTPS server that staples through {@link OcspStapler}; answers one fixed HTTP response. */
    int stapledServer(HeldCertificate cert, OcspStapler stapler) throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial())
                .ocspStapling(true).build());
        return loop.server(ch -> {
            stapler.staple(tls.install(ch.pipeline()));
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ReferenceCountUtil.release(msg);
                    ctx.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n"
                            + "\r\nok\n", StandardCharsets.US_ASCII)).addListener(ChannelFutureListener.CLOSE);
                }
            });
        }, s -> { }, false);
    }

    @Test
    void ourStaplesPleaseOpensslCurlGnutlsAndOurOwnClient() throws Exception {
        startResponder();
        LinkedBlockingQueue<OcspStaplerEvent> events = new LinkedBlockingQueue<>();
        OcspStapler stapler = OcspStapler.builder(group).certificate(good.chain()).persistTo(dir.resolve("staples"))
                .listener(events::add).start();
        closeables.add(stapler);
        stapler.ready().get(20, TimeUnit.SECONDS);
        OcspStaplerEvent first = events.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(first);
        assertEquals(OcspStaplerEvent.Kind.FETCHED, first.kind(), first.toString());
        assertTrue(Files.list(dir.resolve("staples")).findAny().isPresent(), "the good response is persisted");
        int port = stapledServer(good, stapler);

        Processes.Result sclient = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-servername", "localhost", "-CAfile", "root.pem", "-status"));
        assertTrue(sclient.stdout.contains("OCSP Response Status: successful"), sclient.output());
        assertTrue(sclient.stdout.contains("Cert Status: good"), sclient.output());

        String curl = Interop.require("curl");
        Processes.Result c = Processes.run(dir, curl, "-sS", "--cacert", "root.pem", "--cert-status",
                "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/");
        assertEquals(0, c.exit, c.output());
        assertEquals("ok\n", c.stdout);

        String gnutls = Interop.require("gnutls-cli");
        Processes.Result g = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(gnutls,
                "--x509cafile=root.pem", "--port=" + port, "--ocsp", "localhost"));
        assertTrue(g.output().contains("Handshake was completed"), g.output());
        assertTrue(!g.output().contains("OCSP: certificate is revoked"), g.output());

        OcspClientConfig must = OcspClientConfig.builder().mode(OcspMode.MUST_STAPLE).build();
        Side side = OcspClients.connect(loop, OcspClients.context(must, root), must, port);
        assertNull(side.handshakeFailure());
        String status = OcspClients.status(side);
        assertTrue(status.startsWith("good (staple"), status);
    }

    @Test
    void theStaplerNeverStaplesARevokedCertificateAndCurlRefusesTheServer() throws Exception {
        startResponder();
        LinkedBlockingQueue<OcspStaplerEvent> events = new LinkedBlockingQueue<>();
        OcspStapler stapler = OcspStapler.builder(group).certificate(revoked.chain())
                .listener(events::add).start();
        closeables.add(stapler);
        stapler.ready().get(20, TimeUnit.SECONDS);
        OcspStaplerEvent e = events.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        assertNotNull(e);
        assertEquals(OcspStaplerEvent.Kind.FAILED, e.kind());
        assertEquals(OcspStatus.Result.REVOKED, e.status().result());
        assertNull(stapler.currentStaple(revoked.certificate()));
        int port = stapledServer(revoked, stapler);
        String curl = Interop.require("curl");
        Processes.Result c = Processes.run(dir, curl, "-sS", "--cacert", "root.pem", "--cert-status",
                "--resolve", "localhost:" + port + ":127.0.0.1", "https://localhost:" + port + "/");
        assertTrue(c.exit != 0, "curl must refuse a server without a staple: " + c.output());
    }

    /**
     * One name with an RSA and an ECDSA certificate, each with its own response: whichever
     * certificate BoringSSL chooses in the handshake goes out with its own staple (the certID's
     * serial says whose), under TLS 1.2 (chosen by cipher suite) and TLS 1.3 (by signature algorithm).
     */
    @Test
    void eachKeyTypeOfOneNameGetsItsOwnStaple() throws Exception {
        startResponder();
        OcspStapler stapler = OcspStapler.builder(group).certificate(good.chain()).certificate(goodEc.chain()).start();
        closeables.add(stapler);
        stapler.ready().get(20, TimeUnit.SECONDS);
        assertNotNull(stapler.currentStaple(good.certificate()), String.valueOf(stapler.status(good.certificate())));
        assertNotNull(stapler.currentStaple(goodEc.certificate()), String.valueOf(stapler.status(goodEc.certificate())));
        SniMapping mapping = SniMapping.builder().add("localhost", TlsServerOptions.builder().certificate(good.keyMaterial())
                .ocspStaples(stapler::currentStaple).build()).addCertificate("localhost", goodEc.keyMaterial()).build();
        int port = loop.server(ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS), s -> { },
                false);
        Map<String, List<String>> cases = new java.util.LinkedHashMap<>();
        cases.put("1001 2048", List.of("-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"));
        cases.put("1004 256", List.of("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"));
        cases.put("1001 2048 ", List.of("-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"));
        cases.put("1004 256 ", List.of("-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"));
        for (Map.Entry<String, List<String>> c : cases.entrySet()) {
            String[] want = c.getKey().trim().split(" ");
            List<String> cmd = new ArrayList<>(List.of(openssl, "s_client", "-connect", "127.0.0.1:" + port, "-servername",
                    "localhost", "-CAfile", "root.pem", "-status"));
            cmd.addAll(c.getValue());
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], cmd);
            java.util.function.Supplier<String> what = () -> String.join(" ", c.getValue()) + ":\n" + r.output();
            assertTrue(r.stdout.contains("Server public key is " + want[1] + " bit"), what);
            assertTrue(r.stdout.contains("Cert Status: good"), what);
            assertTrue(r.stdout.contains("Serial Number: " + want[0]), what);
        }
    }

    /**
     * The suspicion of the README's performance notes, checked: with a lookup that answers later
     * (certificates from a store), {@code SniCertSelector.selectedFuture()} completes after the new
     * {@code SslHandler} has answered the ClientHello, so a staple set from it never reaches the
     * client; from {@code onHandler} it does. (With a mapping that answers at once the future
     * happens to complete before the ClientHello is handed over; nothing may rely on that.)
     */
    @Test
    void aStapleFromSelectedFutureIsTooLateAndOneFromOnHandlerIsNot() throws Exception {
        startResponder();
        OcspStapler stapler = OcspStapler.builder(group).certificate(good.chain()).start();
        closeables.add(stapler);
        stapler.ready().get(20, TimeUnit.SECONDS);
        assertNotNull(stapler.currentStaple(good.certificate()));
        TlsServerOptions options = TlsServerOptions.builder().certificate(good.keyMaterial()).ocspStapling(true).build();
        SniMapping mapping = SniMapping.builder().add("localhost", options).build();
        // Answers from another thread, as a lookup in a certificate store would.
        SniLookup later = name -> mapping.lookup(name).toCompletableFuture().thenApplyAsync(c -> c,
                java.util.concurrent.CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
        List<Throwable> lateFailures = new java.util.concurrent.CopyOnWriteArrayList<>();
        int late = loop.server(ch -> SniCertSelector.install(ch.pipeline(), later, SniSelectorOptions.DEFAULTS)
                .selectedFuture().addListener((io.netty.util.concurrent.Future<io.netty.handler.ssl.SslHandler> f) -> {
                    if (f.isSuccess()) {
                        try {
                            stapler.staple(f.getNow(), good.certificate());
                        } catch (RuntimeException e) {
                            lateFailures.add(e);
                        }
                    }
                }), s -> { }, false);
        int early = loop.server(ch -> SniCertSelector.install(ch.pipeline(), later, SniSelectorOptions.builder()
                .onHandler((handler, context) -> stapler.staple(handler, context.options().keyMaterial().leaf())).build()),
                s -> { }, false);
        for (String version : List.of("-tls1_2", "-tls1_3")) {
            Processes.Result tooLate = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(openssl, "s_client",
                    "-connect", "127.0.0.1:" + late, "-servername", "localhost", "-CAfile", "root.pem", "-status", version));
            assertTrue(tooLate.stdout.contains("Verify return code: 0 (ok)"), tooLate::output);
            assertTrue(tooLate.stdout.contains("OCSP response: no response sent"), tooLate::output);
            Processes.Result inTime = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(openssl, "s_client",
                    "-connect", "127.0.0.1:" + early, "-servername", "localhost", "-CAfile", "root.pem", "-status", version));
            assertTrue(inTime.stdout.contains("Cert Status: good"), inTime::output);
        }
        assertEquals(List.of(), lateFailures);
    }

    /** {@code openssl s_server -status_file} with forged staples: each one is refused under MUST_STAPLE with the right code. */
    @Test
    void forgedStaplesFromOpensslSServerAreRefused() throws Exception {
        HeldCertificate other = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(0x1003))
                .signedBy(ca).build();
        HeldCertificate rogue = HeldCertificate.builder().commonName("Rogue Signer").extendedKeyUsage(
                HeldCertificate.OCSP_SIGNING).build();
        Instant now = Instant.now();
        Map<String, byte[]> staples = new java.util.LinkedHashMap<>();
        staples.put("expired-good", Responses.forCert(good, ca).times(now.minus(Duration.ofDays(3)),
                now.minus(Duration.ofDays(1))).build());
        staples.put("future-good", Responses.forCert(good, ca).times(now.plus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(3))).build());
        staples.put("unknown", Responses.forCert(good, ca).unknown().build());
        staples.put("revoked", Responses.forCert(good, ca).revoked(1).build());
        staples.put("other-cert", Responses.forCert(other, ca).build());
        staples.put("unauthorized", Responses.forCert(good, ca).signedBy(rogue).build());
        staples.put("try-later", Responses.unsuccessful(3));
        Map<String, TlsErrorCode> expected = Map.of("revoked", TlsErrorCode.REVOKED);
        for (Map.Entry<String, byte[]> staple : staples.entrySet()) {
            Files.write(dir.resolve(staple.getKey() + ".der"), staple.getValue());
            for (OcspMode mode : List.of(OcspMode.MUST_STAPLE, OcspMode.TRY_STAPLE)) {
                try (PeerProcess server = PeerProcess.start(dir, openssl, "s_server", "-accept", "127.0.0.1:0", "-cert",
                        "good.pem", "-key", "good.key", "-cert_chain", "ca.pem", "-status_file", staple.getKey() + ".der", "-naccept", "1")) {
                    int port = server.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
                    OcspClientConfig config = OcspClientConfig.builder().mode(mode).build();
                    Side side = OcspClients.connect(loop, OcspClients.context(config, root), config, port);
                    Throwable failure = side.handshakeFailure();
                    String what = staple.getKey() + " under " + mode;
                    if (mode == OcspMode.MUST_STAPLE || staple.getKey().equals("revoked") || staple.getKey().equals("unknown")) {
                        assertNotNull(failure, what + " must fail");
                        assertEquals(expected.getOrDefault(staple.getKey(), TlsErrorCode.OCSP_RESPONSE_INVALID),
                                TlsException.classify(failure).code(), what + ": " + failure);
                    } else {
                        assertNull(failure, what);
                        String status = OcspClients.status(side);
                        assertTrue(status.startsWith("soft-failure"), what + " is never good: " + status);
                    }
                }
            }
        }
    }
}
