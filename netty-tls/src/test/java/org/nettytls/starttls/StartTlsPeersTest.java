package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/** Real STARTTLS clients nobody here wrote, against the server side of every protocol helper. */
class StartTlsPeersTest {
    @TempDir
    static Path dir;
    static TlsServerContext tls;
    static Path caFile;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build());
        caFile = ca.writeTo(dir.resolve("ca")).get(0);
    }

    @ParameterizedTest
    @EnumSource(BuiltInProtocol.class)
    void opensslStarttlsCompletes(StartTlsProtocol protocol) {
        String openssl = Interop.require("openssl");
        try (ProtocolTestServer server = new ProtocolTestServer(protocol, tls, StartTlsHandler.PlaintextPolicy.FAIL)) {
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                    "-connect", "127.0.0.1:" + server.port(), "-starttls", protocol.id(), "-servername", "localhost",
                    "-verify_hostname", "localhost", "-CAfile", caFile.toString(), "-verify_return_error"));
            assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), r.toString());
        }
    }

    @Test
    void gnutlsCliStarttlsSmtpCompletes() {
        String gnutls = Interop.require("gnutls-cli");
        try (ProtocolTestServer server = new ProtocolTestServer(StartTlsProtocol.SMTP, tls, StartTlsHandler.PlaintextPolicy.FAIL)) {
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), "NOOP\r\n".getBytes(), List.of(gnutls,
                    "--port", String.valueOf(server.port()), "--starttls-proto=smtp", "--x509cafile=" + caFile, "localhost"));
            assertTrue(r.stdout.contains("Handshake was completed") || r.stderr.contains("Handshake was completed"), r.toString());
        }
    }
}
