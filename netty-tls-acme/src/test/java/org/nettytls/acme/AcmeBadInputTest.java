package org.nettytls.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * What a user gets wrong, each a clear error with a stable code, and nothing served half-written:
 * an unreachable directory, an ACME server whose HTTPS certificate the configured CAs do not
 * verify, a wrong e-mail, a name the ACME server refuses, a corrupt account key, a full disk.
 */
class AcmeBadInputTest {
    @TempDir
    Path tmp;

    private static AcmeOptions.Builder base(URI directory, Path state) {
        return AcmeOptions.builder(directory).email("hostmaster@acme.test").agreeToTermsOfService(true)
                .stateDirectory(state).retry(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void anUnreachableDirectoryIsRetriedAndSaysSo() throws Exception {
        int closed = Pebble.freeTcpPort();
        AcmeCertificates acme = AcmeCertificates.create(base(URI.create("https://127.0.0.1:" + closed + "/dir"), tmp.resolve("s"))
                .domain("u.acme.test").build());
        try (AcmeServer server = new AcmeServer(acme)) {
            server.start();
            AcmeEvent e = server.await(AcmeEvent::isFailure, 30, "failure");
            assertEquals(TlsErrorCode.ACME_UNREACHABLE, e.code(), e.toString());
            assertTrue(e.message().contains("cannot reach the ACME server at https://127.0.0.1:" + closed + "/dir")
                    && e.message().contains("connection refused"), e.message());
            assertTrue(e.message().contains("no certificate for u.acme.test yet") && e.message().contains("retry 1 in"), e.message());
            AcmeEvent again = server.await(AcmeEvent::isFailure, 30, "second failure");
            assertTrue(again.message().contains("retry 2 in 2 s"), again.message());
        }
    }

    @Test
    void anAcmeServerTheCasDoNotVerifyIsRefusedAsUnreachable(@TempDir Path pebbleDir) throws Exception {
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Not Pebble's CA").certificateAuthority(0).build();
        try (Pebble pebble = Pebble.start(pebbleDir, new Pebble.Config())) {
            AcmeCertificates acme = AcmeCertificates.create(base(pebble.directory(), tmp.resolve("s"))
                    .acmeServerTrust(TlsClientOptions.builder().caCertificates(otherCa.certificate()).build())
                    .domain("v.acme.test").build());
            try (AcmeServer server = new AcmeServer(acme)) {
                server.start();
                AcmeEvent e = server.await(AcmeEvent::isFailure, 30, "failure");
                assertEquals(TlsErrorCode.ACME_UNREACHABLE, e.code(), e.toString());
                assertTrue(e.message().toLowerCase(java.util.Locale.ROOT).contains("trust")
                        || e.message().contains("untrusted") || e.message().contains("certificate"), e.message());
            }
        }
    }

    @Test
    void aWrongEmailIsRefusedBeforeAnythingStarts() {
        TlsException e = assertThrows(TlsException.class, () -> AcmeOptions.builder(URI.create("https://acme.test/dir"))
                .email("mailto:hostmaster").stateDirectory(tmp).domain("w.acme.test").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("'mailto:hostmaster' is not an e-mail address"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AcmeOptions.builder(URI.create("https://acme.test/dir"))
                .domain("*.acme.test"));
    }

    @Test
    void aNameTheAcmeServerRefusesFailsAloneAndClearly(@TempDir Path pebbleDir) throws Exception {
        try (Pebble pebble = Pebble.start(pebbleDir, new Pebble.Config())) {
            pebble.stop();
            AcmeCertificates acme = AcmeCertificates.create(base(pebble.directory(), tmp.resolve("s"))
                    .acmeServerTrust(AcmePebbleTest.trust(pebble)).domain("ok.acme.test").domain("blocked.acme.test").build());
            try (AcmeServer server = new AcmeServer(acme)) {
                pebble.startServer(new Pebble.Config().tlsPort(server.tlsPort()).httpPort(server.httpPort())
                        .block("blocked.acme.test"));
                server.start();
                server.await(AcmeEvent.Kind.ISSUED, "ok.acme.test", 60);
                AcmeEvent refused = server.await(e -> e.isFailure() && "blocked.acme.test".equals(e.name()), 60, "refusal");
                assertEquals(TlsErrorCode.ACME_REFUSED, refused.code());
                assertTrue(refused.message().contains("refused to order a certificate for blocked.acme.test")
                        && refused.message().contains("rejectedIdentifier"), refused.message());
                assertFalse(Files.exists(acme.certificateFile("blocked.acme.test", AcmeKeyType.ECDSA_P256)));
            }
        }
    }

    @Test
    void aCorruptAccountKeyIsAClearErrorAtStart() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("s"));
        Files.writeString(state.resolve("account.key"), "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n");
        TlsException e = assertThrows(TlsException.class, () -> AcmeCertificates.create(
                base(URI.create("https://127.0.0.1:1/dir"), state).domain("k.acme.test").build()));
        assertEquals(TlsErrorCode.BAD_INPUT, e.code());
        assertTrue(e.getMessage().contains(state.resolve("account.key").toString())
                && e.getMessage().contains("is not a usable ACME account key"), e.getMessage());
        // The key is left as it was for the user to look at.
        assertTrue(Files.readString(state.resolve("account.key")).contains("bm90IGEga2V5"));
    }

    /**
     * A state directory on a 64 KiB tmpfs, filled up after the account key is written: the issued
     * certificate cannot be written, the failure says so, no file (whole or partial, temporary or
     * not) is left, nothing is served; once there is room again the retry issues and serves it.
     */
    @Test
    void aFullDiskLeavesNothingHalfWritten(@TempDir Path pebbleDir) throws Exception {
        Path state = Files.createDirectories(tmp.resolve("tiny"));
        Processes.Result mount = Processes.run(null, "mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", state.toString());
        if (mount.exit != 0) {
            String msg = "cannot mount a tmpfs to fill (needs root): " + mount.output().trim();
            // Root is not a peer .ci/run can install: required interop fails only where mounting should have worked.
            if (Interop.required() && "root".equals(System.getProperty("user.name"))) {
                throw new AssertionError(msg + " and -Dnetty-tls.interop=required is set");
            }
            assumeTrue(false, msg);
        }
        try (Pebble pebble = Pebble.start(pebbleDir, new Pebble.Config())) {
            pebble.stop();
            AcmeCertificates acme = AcmeCertificates.create(base(pebble.directory(), state)
                    .acmeServerTrust(AcmePebbleTest.trust(pebble)).domain("full.acme.test").build());
            Path filler = state.resolve("filler");
            Files.createDirectories(state.resolve("full.acme.test"));
            fill(filler);
            try (AcmeServer server = new AcmeServer(acme)) {
                pebble.startServer(new Pebble.Config().tlsPort(server.tlsPort()).httpPort(server.httpPort()));
                server.start();
                AcmeEvent e = server.await(AcmeEvent::isFailure, 60, "write failure");
                assertEquals(TlsErrorCode.WRITE_FAILED, e.code(), e.toString());
                assertTrue(e.message().contains("No space left on device") && e.message().contains("nothing was replaced")
                        && e.message().contains("no certificate for full.acme.test yet"), e.message());
                try (Stream<Path> left = Files.list(state.resolve("full.acme.test"))) {
                    assertEquals(List.of(), left.toList(), "nothing half-written beside the certificate");
                }
                AssertionError refused = assertThrows(AssertionError.class,
                        () -> server.connect(pebble.issuingRoot(), "full.acme.test"));
                assertTrue(refused.getMessage().contains("unrecognized_name") || refused.getMessage().contains("handshake"),
                        refused.getMessage());

                Files.delete(filler);
                AcmeEvent issued = server.await(AcmeEvent.Kind.ISSUED, "full.acme.test", 60);
                assertNotNull(issued.certificate());
                assertEquals(issued.certificate(), server.connect(pebble.issuingRoot(), "full.acme.test").get(0));
            }
        } finally {
            Processes.run(null, "umount", state.toString());
        }
    }

    private static void fill(Path filler) throws IOException {
        byte[] block = new byte[1024];
        try (var out = Files.newOutputStream(filler)) {
            for (int i = 0; i < 1024; i++) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space")) {
                throw full;
            }
            return;
        }
        throw new AssertionError("the tmpfs did not fill up");
    }
}
