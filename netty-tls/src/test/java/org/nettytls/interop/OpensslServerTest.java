package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Date;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.security.cert.X509Certificate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.verify.PeerVerdict;

/**
 * A netty-tls client against {@code openssl s_server}, whose certificates come from a test CA
 * minted with {@link HeldCertificate}. s_server (without {@code -www} or {@code -rev}) prints
 * what it receives on stdout and sends what it reads on stdin, so its output shows exactly which
 * application bytes reached it.
 */
class OpensslServerTest {
    private static final String EARLY = "EARLY-MARKER-written-before-the-handshake";

    @TempDir
    static Path dir;
    static HeldCertificate root;
    static HeldCertificate intermediate;
    static Path caFile;

    private final Loopback loop = new Loopback();
    private PeerProcess server;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Interop Test Root").certificateAuthority(1).build();
        intermediate = HeldCertificate.builder().commonName("Interop Test Intermediate").certificateAuthority(0)
                .signedBy(root).build();
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, root.certificatePem(), StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            loop.close();
        }
    }

    /**
     * Starts {@code openssl s_server} for one connection with {@code leaf} as its certificate and
     * the rest of the leaf's chain as the chain it sends; returns the port it prints.
     */
    private int startServer(String name, HeldCertificate leaf) throws Exception {
        String openssl = Interop.require("openssl");
        Files.writeString(dir.resolve(name + ".pem"), leaf.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(name + ".key"), leaf.privateKeyPem(), StandardCharsets.US_ASCII);
        List<X509Certificate> rest = leaf.chain().subList(1, leaf.chain().size());
        List<String> command = new ArrayList<>(List.of(openssl, "s_server", "-accept", "127.0.0.1:0",
                "-cert", name + ".pem", "-key", name + ".key", "-naccept", "1"));
        if (!rest.isEmpty()) {
            Files.writeString(dir.resolve(name + "-chain.pem"), Pem.certificates(rest), StandardCharsets.US_ASCII);
            command.addAll(List.of("-cert_chain", name + "-chain.pem"));
        }
        server = PeerProcess.start(dir, command);
        return server.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
    }

    private static HeldCertificate.Builder localhost(String commonName) {
        return HeldCertificate.builder().commonName(commonName).dns("localhost").ip("127.0.0.1");
    }

    private static TlsClientContext defaultClient() throws TlsException {
        return TlsClientContext.create(TlsClientOptions.builder().caFile(caFile).build());
    }

    @Test
    void defaultClientVerifiesTheChainAndTalksBothWays() throws Exception {
        HeldCertificate leaf = localhost("OpenSSL Served Leaf").signedBy(intermediate).build();
        int port = startServer("good", leaf);
        Side client = loop.client(defaultClient(), "localhost", port);
        // Written before the handshake finishes, as in the failure tests: here it must arrive,
        // which shows that s_server's output would reveal an early write that got through.
        Loopback.writeNow(client, EARLY + "\n");
        Throwable failure = client.handshakeFailure();
        assertNull(failure, () -> "handshake failed: " + failure + "\n" + server.describe());
        server.awaitStdout(EARLY + "\n");

        SSLSession session = client.channel.pipeline().get(SslHandler.class).engine().getSession();
        assertEquals("TLSv1.3", session.getProtocol());
        assertEquals(2, session.getPeerCertificates().length, "s_server sends the leaf and its intermediate");
        assertEquals(leaf.certificate(), session.getPeerCertificates()[0]);
        PeerVerdict verdict = (PeerVerdict) session.getValue(PeerVerdict.SESSION_KEY);
        assertNotNull(verdict, "the trust manager must have judged the chain");
        assertTrue(verdict.isVerified(), verdict::toString);

        Loopback.writeNow(client, "ping from netty-tls\n");
        server.awaitStdout("ping from netty-tls\n");
        server.send("pong from openssl\n");
        client.awaitReceived("pong from openssl\n");
    }

    @Test
    void untrustedChainFailsAndTheEarlyWriteNeverArrives() throws Exception {
        HeldCertificate strangerRoot = HeldCertificate.builder().commonName("Stranger Root").certificateAuthority(0).build();
        HeldCertificate leaf = localhost("Stranger Leaf").signedBy(strangerRoot).build();
        TlsException e = failingHandshake("untrusted", leaf, TlsErrorCode.UNTRUSTED_CHAIN, "alert unknown ca");
        assertTrue(e.getMessage().contains("CN=Stranger Leaf") && e.getMessage().contains("CN=Stranger Root"),
                "the message must name the refused certificate and its missing issuer: " + e.getMessage());
    }

    @Test
    void expiredCertificateFailsWithItsOwnCode() throws Exception {
        Instant now = Instant.now();
        HeldCertificate leaf = localhost("Expired Leaf")
                .validity(now.minus(30, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)).signedBy(intermediate).build();
        TlsException e = failingHandshake("expired", leaf, TlsErrorCode.CERT_EXPIRED, "alert certificate expired");
        assertTrue(e.getMessage().contains("CN=Expired Leaf") && e.getMessage().contains("expired at"), e.getMessage());
    }

    @Test
    void notYetValidCertificateFailsWithItsOwnCode() throws Exception {
        Instant now = Instant.now();
        HeldCertificate leaf = localhost("Future Leaf")
                .validity(now.plus(1, ChronoUnit.DAYS), now.plus(30, ChronoUnit.DAYS)).signedBy(intermediate).build();
        // BoringSSL answers a certificate that is not yet valid with the certificate_expired alert
        // too (SSL_alert_from_verify_result), where OpenSSL would send bad_certificate; only the
        // client's own error tells the two apart.
        TlsException e = failingHandshake("future", leaf, TlsErrorCode.CERT_NOT_YET_VALID, "alert certificate expired");
        assertTrue(e.getMessage().contains("CN=Future Leaf") && e.getMessage().contains("not valid before"), e.getMessage());
    }

    /**
     * Connects the default client to s_server serving {@code leaf}, writes {@link #EARLY} at once,
     * and checks that the handshake fails with {@code code}, that s_server reports the alert
     * {@code alertText}, and that the early bytes never reached it.
     */
    private TlsException failingHandshake(String name, HeldCertificate leaf, TlsErrorCode code, String alertText)
            throws Exception {
        int port = startServer(name, leaf);
        Side client = loop.client(defaultClient(), "localhost", port);
        Loopback.writeNow(client, EARLY + "\n");
        Throwable failure = client.handshakeFailure();
        assertNotNull(failure, () -> "the handshake must fail\n" + server.describe());
        TlsException e = TlsException.classify(failure);
        assertEquals(code, e.code(), () -> e + "\n" + server.describe());
        assertEquals(code, client.awaitFailureEvent().code(), "the failure also arrives as a pipeline event");
        client.awaitClosed();

        // With -naccept 1 s_server ends once the connection is gone; its output is then complete.
        int exit = server.awaitExit();
        String described = server.describe();
        assertFalse(server.stdout().contains(EARLY) || server.stderr().contains(EARLY),
                "bytes written before the handshake reached a server that failed verification:\n" + described);
        assertTrue(server.stderr().contains(alertText), "s_server should report '" + alertText + "' (exit " + exit + ")\n"
                + described);
        return e;
    }

    @Test
    void tls12OnlyClientNegotiatesTls12() throws Exception {
        HeldCertificate leaf = localhost("OpenSSL TLS 1.2 Leaf").signedBy(intermediate).build();
        int port = startServer("tls12", leaf);
        Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().caFile(caFile)
                .protocols("TLSv1_2").build()), "localhost", port);
        Throwable failure = client.handshakeFailure();
        assertNull(failure, () -> "handshake failed: " + failure + "\n" + server.describe());
        SSLSession session = client.channel.pipeline().get(SslHandler.class).engine().getSession();
        assertEquals("TLSv1.2", session.getProtocol(), "s_server offers TLS 1.3 too; the client must hold to 1.2");

        Loopback.writeNow(client, "tls12 ping\n");
        server.awaitStdout("tls12 ping\n");
        assertTrue(server.stdout().contains("CIPHER is ECDHE-"),
                "s_server should report a TLS 1.2 ECDHE suite:\n" + server.describe());
        server.send("tls12 pong\n");
        client.awaitReceived("tls12 pong\n");
    }

    /**
     * A leaf whose EC public key is written as a compressed point (X9.62 allows it, OpenSSL and
     * BoringSSL read it; the JDK's certificate parser does not), signed by the intermediate.
     */
    private static String compressedPointLeaf(String name) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        SubjectPublicKeyInfo uncompressed = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
        ECPoint point = ECNamedCurveTable.getByName("prime256v1").getCurve()
                .decodePoint(uncompressed.getPublicKeyData().getOctets());
        SubjectPublicKeyInfo compressed = new SubjectPublicKeyInfo(uncompressed.getAlgorithm(), point.getEncoded(true));
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(
                X500Name.getInstance(intermediate.certificate().getSubjectX500Principal().getEncoded()), BigInteger.valueOf(77),
                Date.from(now.minus(1, ChronoUnit.HOURS)), Date.from(now.plus(1, ChronoUnit.DAYS)),
                new X500Name("CN=compressed"), compressed);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
        byte[] der = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(intermediate.privateKey())).getEncoded();
        Files.writeString(dir.resolve(name + ".pem"), Pem.encode("CERTIFICATE", der) + intermediate.certificatePem(),
                StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(name + ".key"), Pem.privateKey(pair.getPrivate()), StandardCharsets.US_ASCII);
        return name;
    }

    @Test
    void aCompressedPointCertificateIsRefusedNamingItsEncoding() throws Exception {
        String name = compressedPointLeaf("compressed");
        String openssl = Interop.require("openssl");
        server = PeerProcess.start(dir, List.of(openssl, "s_server", "-accept", "127.0.0.1:0", "-cert", name + ".pem",
                "-key", name + ".key", "-naccept", "1"));
        int port = server.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
        Side client = loop.client(defaultClient(), "localhost", port);
        Throwable failure = client.handshakeFailure();
        assertNotNull(failure, () -> "the handshake must fail\n" + server.describe());
        // Before: handshake-failed, "General OpenSslEngine problem: ... Invalid EC key", from whichever check parsed it first.
        TlsException e = TlsException.classify(failure);
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, e.code(), e::toString);
        assertTrue(e.getMessage().matches("the peer's certificate at depth 0 \\(CN=compressed\\) encodes its EC public key as a"
                + " compressed point \\(X9\\.62 form 0x0[23]\\), which Java cannot read; .*"), e.getMessage());
        TlsHandshakeEvent event = client.awaitFailureEvent();
        assertEquals(TlsErrorCode.PEER_CERT_REJECTED, event.code());
        assertEquals(e.getMessage(), event.cause().getMessage());
    }
}
