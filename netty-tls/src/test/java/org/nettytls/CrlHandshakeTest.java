package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/** SSL_check_crl and SSL_crl_file inside real handshakes: a revoked server never gets the client's data. */
class CrlHandshakeTest {
    static HeldCertificate root;
    static HeldCertificate ca;
    static HeldCertificate good;
    static HeldCertificate revoked;
    static Instant now = Instant.now();

    @TempDir
    Path dir;

    final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws TlsException {
        root = HeldCertificate.builder().commonName("CRL Root").certificateAuthority(1).build();
        ca = HeldCertificate.builder().commonName("CRL CA").certificateAuthority(0).signedBy(root).build();
        good = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(100)).signedBy(ca).build();
        revoked = HeldCertificate.builder().dns("localhost").serialNumber(BigInteger.valueOf(101)).signedBy(ca).build();
    }

    @AfterEach
    void close() {
        loop.close();
    }

    private Path write(String name, X509CRL... crls) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (X509CRL c : crls) {
            sb.append(Pem.encode("X509 CRL", c.getEncoded()));
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    private int serve(HeldCertificate cert, BlockingQueue<Side> accepted) throws TlsException {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build()),
                accepted::add);
    }

    private static TlsClientOptions.Builder client() {
        return TlsClientOptions.builder().caCertificates(root.certificate());
    }

    @Test
    void aRevokedServerIsRefusedWithTheReasonAndGetsNothing() throws Exception {
        X509CRL caCrl = ca.crl(Map.of(BigInteger.valueOf(101), 1), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
        X509CRL other = root.crl(Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
        // The revoking CRL comes second in the file: every CRL of a file counts, not only the first.
        Path crls = write("crls.pem", other, caCrl);
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = serve(revoked, accepted);
        Side c = loop.client(TlsClientContext.create(client().crlFile(crls).build()), "localhost", port);
        Loopback.writeNow(c, "MUST-NOT-ARRIVE");
        TlsException e = TlsException.classify(c.handshakeFailure());
        assertEquals(TlsErrorCode.REVOKED, e.code(), e.toString());
        assertTrue(e.getMessage().contains("keyCompromise") && e.getMessage().contains("0x65"), e.getMessage());
        Side s = accepted.poll(10, TimeUnit.SECONDS);
        assertNotNull(s.handshakeFailure());
        assertTrue(TlsException.classify(s.handshakeFailure()).getMessage().toUpperCase().contains("REVOKED"),
                "the server is told with the certificate_revoked alert: " + s.handshakeFailure());
        assertEquals("", s.received.toString());

        assertNull(loop.client(TlsClientContext.create(client().crlFile(crls).build()), "localhost",
                serve(good, new LinkedBlockingQueue<>())).handshakeFailure());
    }

    @Test
    void withoutAUsableCrlTheCheckFailsAsInOpenssl() throws Exception {
        int port = serve(good, new LinkedBlockingQueue<>());
        Path onlyRoot = write("root.pem", root.crl(Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)));
        TlsException missing = TlsException.classify(loop.client(TlsClientContext.create(client().crlFile(onlyRoot).build()),
                "localhost", port).handshakeFailure());
        assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, missing.code(), missing.toString());
        assertTrue(missing.getMessage().contains("CRL"), missing.getMessage());

        Path expired = write("expired.pem", ca.crl(Map.of(), now.minus(3, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)));
        TlsException stale = TlsException.classify(loop.client(TlsClientContext.create(client().crlFile(expired).build()),
                "localhost", port).handshakeFailure());
        assertTrue(stale.getMessage().contains("expired") || stale.getMessage().contains("nextUpdate"), stale.getMessage());
    }

    @Test
    void theLeafIsCheckedByDefaultTheWholeChainOnRequest() throws Exception {
        // The root revokes the intermediate; the CA's own CRL is clean.
        Path crls = write("chain.pem",
                ca.crl(Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)),
                root.crl(Map.of(ca.certificate().getSerialNumber(), 2), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)));
        int port = serve(good, new LinkedBlockingQueue<>());
        assertNull(loop.client(TlsClientContext.create(client().crlFile(crls).build()), "localhost", port).handshakeFailure());
        TlsException e = TlsException.classify(loop.client(TlsClientContext.create(client().crlFile(crls).crlFullChain(true)
                .build()), "localhost", port).handshakeFailure());
        assertEquals(TlsErrorCode.REVOKED, e.code(), e.toString());
        assertTrue(e.getMessage().contains("CRL CA") && e.getMessage().contains("cACompromise"), e.getMessage());
    }

    @Test
    void crlsAreFoundInTheCaDirectoryUnderTheirHashedNames() throws Exception {
        Path caDir = Files.createDirectory(dir.resolve("ca"));
        Files.writeString(caDir.resolve("root.pem"), root.certificatePem());
        X509CRL crl = ca.crl(Map.of(BigInteger.valueOf(101), 4), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
        Files.writeString(caDir.resolve("0a1b2c3d.r0"), Pem.encode("X509 CRL", crl.getEncoded()));
        int port = serve(revoked, new LinkedBlockingQueue<>());
        TlsException e = TlsException.classify(loop.client(TlsClientContext.create(TlsClientOptions.builder()
                .caPath(caDir).checkCrl(true).build()), "localhost", port).handshakeFailure());
        assertEquals(TlsErrorCode.REVOKED, e.code(), e.toString());
        assertTrue(e.getMessage().contains("superseded"), e.getMessage());
        // Without SSL_check_crl the same directory's CRLs are not consulted.
        assertNull(loop.client(TlsClientContext.create(TlsClientOptions.builder().caPath(caDir).build()), "localhost", port)
                .handshakeFailure());
    }

    @Test
    void anUnreadableCrlFileIsOneClearError() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN X509 CRL-----\nnot base64!\n");
        TlsException e = assertThrows(TlsException.class, () -> client().crlFile(garbage).build());
        assertEquals(TlsErrorCode.BAD_INPUT, e.code());
        assertTrue(e.getMessage().startsWith(garbage.toString()), e.getMessage());
        TlsException missing = assertThrows(TlsException.class, () -> client().crlFile(dir.resolve("nope.crl")).build());
        assertTrue(missing.getMessage().contains("nope.crl"), missing.getMessage());
    }
}
