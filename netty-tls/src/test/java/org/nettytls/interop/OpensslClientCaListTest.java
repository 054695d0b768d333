package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;

/**
 * {@code SSL_client_ca_file} as {@code openssl s_client} sees it: a server that asks for a
 * client certificate names the configured CAs in its CertificateRequest, and names none when
 * no list is configured (OpenSSL's default too), even though it trusts a CA.
 */
class OpensslClientCaListTest {
    @TempDir
    static Path dir;
    static HeldCertificate serverCert;

    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Client CA List Root").certificateAuthority(0).build();
        serverCert = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(root).build();
        HeldCertificate clientRoot = HeldCertificate.builder().subject("CN=Client Issuing CA,O=Interop Tests")
                .certificateAuthority(0).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("client-ca.pem"), clientRoot.certificatePem(), StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    /** Runs s_client (no client certificate) against a server built from {@code options}; returns its output. */
    private String sClient(TlsServerOptions.Builder options) throws Exception {
        String openssl = Interop.require("openssl");
        int port = loop.server(TlsServerContext.create(options.certificate(serverCert.keyMaterial())
                .verifyMode(VerifyMode.PEER).caFile(dir.resolve("client-ca.pem")).build()), side -> { });
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-servername", "localhost", "-CAfile", "ca.pem", "-verify_return_error"));
        assertEquals(0, r.exit, () -> "VerifyMode.PEER accepts a client without certificate\n" + r);
        assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), r::toString);
        return r.stdout;
    }

    @Test
    void configuredClientCaNamesAreSent() throws Exception {
        String out = sClient(TlsServerOptions.builder().clientCaFile(dir.resolve("client-ca.pem")));
        assertTrue(out.contains("Acceptable client certificate CA names\nCN = Client Issuing CA, O = Interop Tests\n"),
                "s_client must list the configured CA:\n" + out);
        assertFalse(out.contains("No client certificate CA names sent"), out);
    }

    @Test
    void withoutAListNoNamesAreSent() throws Exception {
        String out = sClient(TlsServerOptions.builder());
        assertTrue(out.contains("No client certificate CA names sent"), out);
        assertFalse(out.contains("Acceptable client certificate CA names"), out);
    }
}
