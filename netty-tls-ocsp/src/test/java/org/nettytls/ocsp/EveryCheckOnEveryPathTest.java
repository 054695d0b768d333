package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.starttls.ProtocolTestServer;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.testing.Loopback;

/**
 * Every client check, over direct TLS and over every STARTTLS protocol, with the same verdict:
 * chain, hostname scheme, pins, CRL file, CRL distribution points, OCSP staple, OCSP resolver,
 * fail-hard, must-staple, the staple callback and the verify callback. Direct TLS and STARTTLS
 * put TLS on the channel through one install path ({@code TlsClientContext.install} and
 * {@code installBefore}), so a check present on one and absent on the other cannot happen; this
 * test is what would notice if it did (as {@code probe --starttls smtp --ocsp-resolve} once said
 * {@code ok} to a revoked server).
 */
class EveryCheckOnEveryPathTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate otherCa;
    static TestResponder responder;
    static Path crlFile;
    static final Map<String, Case> CASES = new LinkedHashMap<>();

    /** One check: the server it meets and the client that checks it, and the verdict (null: accepted). */
    record Case(TlsServerContext server, TlsClientContext direct, Map<StartTlsProtocol, TlsClientContext> starttls,
                TlsErrorCode expected) {
    }

    @TempDir
    static Path dir;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Paths Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("Paths CA").certificateAuthority(0).signedBy(root).build();
        otherCa = HeldCertificate.builder().commonName("Untrusted CA").certificateAuthority(0).build();
        Set<Integer> revoked = Set.of(12, 14);
        responder = new TestResponder(req -> {
            int serial = req.getRequestList()[0].getCertID().getSerialNumber().intValue();
            try {
                HeldCertificate dummy = leaf(serial, b -> b);
                Responses r = Responses.forCert(dummy, ca);
                return (serial == 15 ? r.unknown() : revoked.contains(serial) ? r.revoked(1) : r.good()).build();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Instant now = Instant.now();
        responder.crl = ca.crl(Map.of(BigInteger.valueOf(13), 1), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS))
                .getEncoded();
        crlFile = dir.resolve("crls.pem");
        Files.writeString(crlFile, Pem.encode("X509 CRL", ca.crl(Map.of(BigInteger.valueOf(11), 1), now.minus(1, ChronoUnit.HOURS),
                now.plus(1, ChronoUnit.DAYS)).getEncoded())
                + Pem.encode("X509 CRL", root.crl(Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)).getEncoded()));

        OcspClientConfig resolving = OcspClientConfig.builder().resolve(true).failHard(true).build();
        HeldCertificate good = leaf(10, b -> b);
        add("accepted", server(good, null), resolving, b -> b, null);
        add("chain", server(HeldCertificate.builder().dns("localhost").signedBy(otherCa).build(), null), resolving, b -> b,
                TlsErrorCode.UNTRUSTED_CHAIN);
        add("scheme", server(HeldCertificate.builder().dns("other.example").serialNumber(BigInteger.valueOf(10))
                .ocspUrl(responder.url()).signedBy(ca).build(), null), resolving, b -> b, TlsErrorCode.HOSTNAME_MISMATCH);
        String wrongPin = Fingerprint.of(otherCa.certificate());
        add("pin refuses", server(good, null), resolving, b -> b.fingerprint(wrongPin).forceFingerprint(true),
                TlsErrorCode.FINGERPRINT_MISMATCH);
        HeldCertificate untrustedPinned = HeldCertificate.builder().dns("localhost").signedBy(otherCa).build();
        String pin = Fingerprint.of(untrustedPinned.certificate());
        add("pin accepts", server(untrustedPinned, null), OcspClientConfig.builder().mode(OcspMode.NO_STAPLE).build(),
                b -> b.fingerprint(pin), null);
        add("CRL file", server(leaf(11, b -> b), null), resolving, b -> b.crlFile(crlFile), TlsErrorCode.REVOKED);
        add("CRL distribution point", server(leaf(13, b -> b.crlUrl(responder.base() + "/crl/ca.crl")), null),
                OcspClientConfig.builder().resolve(true).crlDistributionPoints(OcspClientConfig.CrlUse.ONLY).build(), b -> b,
                TlsErrorCode.REVOKED);
        HeldCertificate stapledRevoked = leaf(12, b -> b);
        add("OCSP staple", server(stapledRevoked, Responses.forCert(stapledRevoked, ca).revoked(1).build()),
                OcspClientConfig.builder().build(), b -> b, TlsErrorCode.REVOKED);
        add("OCSP resolver", server(leaf(14, b -> b), null), resolving, b -> b, TlsErrorCode.REVOKED);
        add("OCSP fail-hard", server(leaf(15, b -> b), null), resolving, b -> b, TlsErrorCode.OCSP_RESPONSE_INVALID);
        add("must-staple", server(leaf(16, b -> b.mustStaple(true)), null), OcspClientConfig.builder().build(), b -> b,
                TlsErrorCode.STAPLE_MISSING);
        add("staple callback", server(good, Responses.forCert(good, ca).build()), OcspClientConfig.builder()
                .stapleCallback((ch, staple, chain) -> {
                    throw new TlsException(TlsErrorCode.PEER_CERT_REJECTED, "the test's staple callback refuses every server");
                }).build(), b -> b, TlsErrorCode.PEER_CERT_REJECTED);
        add("verify callback", server(good, null), OcspClientConfig.builder().build(),
                b -> b.verifyCallback((ok, cert, depth, error) -> depth != 0), TlsErrorCode.PEER_CERT_REJECTED);
    }

    @AfterAll
    static void stop() {
        responder.close();
    }

    static HeldCertificate leaf(int serial, java.util.function.UnaryOperator<HeldCertificate.Builder> more) throws Exception {
        return more.apply(HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(serial))
                .ocspUrl(responder.url())).signedBy(ca).build();
    }

    static TlsServerContext server(HeldCertificate cert, byte[] staple) throws TlsException {
        TlsServerOptions.Builder b = TlsServerOptions.builder().certificate(cert.keyMaterial());
        if (staple != null) {
            b.ocspStapling(true).ocspStaples(c -> staple);
        }
        return TlsServerContext.create(b.build());
    }

    static void add(String name, TlsServerContext server, OcspClientConfig ocsp,
                    java.util.function.UnaryOperator<TlsClientOptions.Builder> options, TlsErrorCode expected) throws TlsException {
        TlsClientContext direct = TlsClientContext.create(options.apply(ocsp.applyTo(TlsClientOptions.builder()
                .caCertificates(root.certificate()))).build());
        Map<StartTlsProtocol, TlsClientContext> upgrades = new LinkedHashMap<>();
        for (StartTlsProtocol p : StartTlsProtocol.builtIn()) {
            upgrades.put(p, TlsClientContext.create(options.apply(ocsp.applyTo(TlsClientOptions.builder()
                    .caCertificates(root.certificate()))).build(), p.hostnameScheme()));
        }
        CASES.put(name, new Case(server, direct, upgrades, expected));
    }

    static List<String> paths() {
        List<String> paths = new ArrayList<>();
        paths.add("direct");
        for (StartTlsProtocol p : StartTlsProtocol.builtIn()) {
            paths.add(p.id());
        }
        return paths;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void everyCheckGivesTheSameVerdictOnThisPath(String path) throws Exception {
        Map<String, String> found = new LinkedHashMap<>();
        Map<String, String> expected = new LinkedHashMap<>();
        for (Map.Entry<String, Case> e : CASES.entrySet()) {
            Case c = e.getValue();
            expected.put(e.getKey(), c.expected() == null ? "accepted" : c.expected().id());
            found.put(e.getKey(), path.equals("direct") ? direct(c) : upgrade(StartTlsProtocol.of(path), c));
        }
        assertEquals(expected, found, "the verdicts over " + path);
    }

    /** The verdict of a direct TLS connection: the handshake event that passed the identity gates. */
    static String direct(Case c) throws Exception {
        try (Loopback loop = new Loopback()) {
            int port = loop.server(c.server(), side -> { });
            Throwable failure = loop.client(c.direct(), "localhost", port).handshakeFailure();
            return verdict(failure);
        }
    }

    /** The verdict of the same check after the protocol's STARTTLS: the upgrade future. */
    static String upgrade(StartTlsProtocol protocol, Case c) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (ProtocolTestServer server = new ProtocolTestServer(protocol, c.server())) {
            StartTlsClient client = new StartTlsClient(protocol, c.starttls().get(protocol), "localhost", server.port());
            new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), client);
                }
            }).connect("127.0.0.1", server.port()).syncUninterruptibly();
            Future<Channel> f = client.upgradeFuture();
            assertTrue(f.awaitUninterruptibly(30, TimeUnit.SECONDS), protocol + ": the upgrade neither finished nor failed");
            if (f.isSuccess()) {
                f.getNow().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            return verdict(f.cause());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    static String verdict(Throwable failure) {
        if (failure == null) {
            return "accepted";
        }
        TlsException e = TlsException.find(failure);
        return e == null ? "not a TlsException: " + failure : e.code().id();
    }
}
