package org.nettytls.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;

/**
 * The library against a real ACME server: Debian's pebble, validating the netty-tls server under
 * test over tls-alpn-01 (answered by SniCertSelector) and http-01 (answered on a plain port),
 * with clients verifying the issued chains against pebble's own root.
 */
class AcmePebbleTest {
    @TempDir
    Path tmp;

    private AcmeOptions.Builder options(Pebble pebble, Path state) {
        return AcmeOptions.builder(pebble.directory()).email("hostmaster@acme.test").agreeToTermsOfService(true)
                .stateDirectory(state).acmeServerTrust(trust(pebble)).retry(java.time.Duration.ofSeconds(1),
                        java.time.Duration.ofSeconds(2));
    }

    static TlsClientOptions trust(Pebble pebble) {
        try {
            return TlsClientOptions.builder().caCertificates(pebble.httpsCa().certificate()).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ports must be known before pebble starts: its tlsPort and httpPort are the server's. */
    private static Pebble.Config at(AcmeServer server) {
        return new Pebble.Config().tlsPort(server.tlsPort()).httpPort(server.httpPort());
    }

    private static String serial(List<X509Certificate> chain) {
        return chain.get(0).getSerialNumber().toString(16);
    }

    /**
     * A client whose date checks read the middle of {@code expected}'s 30-second validity, not the
     * wall clock: on a loaded machine the check may come after that certificate expired, and
     * what is tested is which certificate is served, not how fast. (Pebble's intermediate and root
     * are valid for years around it.)
     */
    private static TlsClientOptions.Builder within(X509Certificate expected) {
        long from = expected.getNotBefore().getTime();
        long to = expected.getNotAfter().getTime();
        return TlsClientOptions.builder().validationClock(java.time.Clock.fixed(
                java.time.Instant.ofEpochMilli(from + (to - from) / 2), java.time.ZoneOffset.UTC));
    }

    @Test
    void twoNamesByTlsAlpnOneByHttp01AndClientsVerifyThem() throws Exception {
        Path pebbleDir = Files.createDirectories(tmp.resolve("pebble"));
        Pebble.Config config;
        // The directory URL is fixed before anything starts; pebble takes it when the server's ports are known.
        try (Pebble pebble = Pebble.start(pebbleDir, new Pebble.Config())) {
            pebble.stop();
            AcmeCertificates alpn = AcmeCertificates.create(options(pebble, tmp.resolve("alpn"))
                    .domain("a.acme.test", AcmeKeyType.ECDSA_P256, AcmeKeyType.RSA_2048).domain("b.acme.test").build());
            AcmeCertificates http = AcmeCertificates.create(options(pebble, tmp.resolve("http"))
                    .challenges(AcmeChallengeType.HTTP_01).domain("c.acme.test").build());
            try (AcmeServer server = new AcmeServer(alpn, http)) {
                config = at(server);
                pebble.startServer(config);
                server.start();
                for (String name : List.of("a.acme.test", "b.acme.test", "c.acme.test")) {
                    server.await(e -> e.kind() == AcmeEvent.Kind.ISSUED && name.equals(e.name()) || e.isFailure(), 90,
                            "issued " + name);
                }
                server.await(e -> e.kind() == AcmeEvent.Kind.ISSUED && "a.acme.test".equals(e.name())
                        && e.keyType() == AcmeKeyType.RSA_2048 || e.isFailure(), 90, "issued a.acme.test RSA");
                assertTrue(server.seen.stream().noneMatch(AcmeEvent::isFailure), server.seen.toString());
                assertTrue(server.seen.stream().anyMatch(e -> e.kind() == AcmeEvent.Kind.VALIDATED
                        && e.message().contains("b.acme.test by tls-alpn-01")), server.seen.toString());
                assertTrue(server.seen.stream().anyMatch(e -> e.kind() == AcmeEvent.Kind.VALIDATED
                        && e.message().contains("c.acme.test by http-01")), server.seen.toString());

                X509Certificate root = pebble.issuingRoot();
                for (String name : List.of("a.acme.test", "b.acme.test", "c.acme.test")) {
                    List<X509Certificate> chain = server.connect(root, name);
                    assertTrue(chain.get(0).getSubjectAlternativeNames().toString().contains(name), chain.get(0).toString());
                    assertEquals("EC", chain.get(0).getPublicKey().getAlgorithm(), name);
                }
                // The name's RSA certificate goes to a client that can take nothing else.
                List<X509Certificate> rsa = server.connect(root, "a.acme.test", TlsClientOptions.builder().protocols("TLSv1_2")
                        .cipherList("ECDHE-RSA-AES128-GCM-SHA256"));
                assertEquals("RSA", rsa.get(0).getPublicKey().getAlgorithm());
                // Chain and key in one file, nothing temporary left beside it.
                Path file = alpn.certificateFile("a.acme.test", AcmeKeyType.ECDSA_P256);
                String pem = Files.readString(file);
                assertTrue(pem.contains("BEGIN CERTIFICATE") && pem.contains("PRIVATE KEY"), pem);
                try (Stream<Path> all = Files.list(file.getParent())) {
                    assertEquals(List.of("ecdsa.pem", "rsa.pem"), all.map(p -> p.getFileName().toString()).sorted().toList());
                }
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(file)));
            }
        }
    }

    @Test
    void aShortLifetimeIsRenewedWithoutARestartAndAnOutageKeepsTheCertificate() throws Exception {
        Path pebbleDir = Files.createDirectories(tmp.resolve("pebble"));
        try (Pebble pebble = Pebble.start(pebbleDir, new Pebble.Config())) {
            pebble.stop();
            AcmeCertificates acme = AcmeCertificates.create(options(pebble, tmp.resolve("state")).domain("r.acme.test").build());
            try (AcmeServer server = new AcmeServer(acme)) {
                // 30 s certificates: renewal due after 20 s (two thirds; pebble 2.4.0 offers no ARI).
                pebble.startServer(at(server).validitySeconds(30));
                server.start();
                AcmeEvent issued = server.await(AcmeEvent.Kind.ISSUED, "r.acme.test", 90);
                X509Certificate root = pebble.issuingRoot();
                assertEquals(issued.certificate().getSerialNumber().toString(16),
                        serial(server.connect(root, "r.acme.test", within(issued.certificate()))));
                AcmeEvent planned = server.await(AcmeEvent.Kind.SCHEDULED, "r.acme.test", 30);
                assertTrue(planned.message().contains("two thirds of the lifetime"), planned.message());

                AcmeEvent renewed = server.await(AcmeEvent.Kind.RENEWED, "r.acme.test", 90);
                assertNotEquals(issued.certificate().getSerialNumber(), renewed.certificate().getSerialNumber());
                // The same server, no restart: new connections get the renewed certificate.
                assertEquals(renewed.certificate().getSerialNumber().toString(16),
                        serial(server.connect(root, "r.acme.test", within(renewed.certificate()))));

                // The ACME server goes down: the next renewal fails, the renewed certificate stays.
                pebble.stop();
                AcmeEvent down = server.await(e -> e.isFailure() && "r.acme.test".equals(e.name()), 90, "renewal failure");
                assertEquals(TlsErrorCode.ACME_UNREACHABLE, down.code(), down.toString());
                assertTrue(down.message().contains("stays in service"), down.message());
                assertEquals(renewed.certificate().getSerialNumber().toString(16),
                        serial(server.connect(root, "r.acme.test", within(renewed.certificate()))));

                // It comes back refusing the name: a clear refusal, and still the same certificate.
                pebble.startServer(at(server).validitySeconds(30).block("r.acme.test"));
                AcmeEvent refused = server.await(e -> e.isFailure() && e.code() == TlsErrorCode.ACME_REFUSED, 60, "refusal");
                assertTrue(refused.message().contains("rejectedIdentifier") || refused.message().contains("blocked"),
                        refused.message());
                assertTrue(refused.message().contains("stays in service"), refused.message());
                assertFalse(server.seen.stream().anyMatch(e -> e.kind() == AcmeEvent.Kind.RENEWED
                        && e != renewed), server.seen.toString());
            }
        }
    }
}
