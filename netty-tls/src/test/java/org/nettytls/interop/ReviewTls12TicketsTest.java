package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;

/**
 * Review of issue #17: "TLS 1.2 session tickets off by default" on the paths the single-certificate
 * test does not take: an additional (ECDSA) certificate BoringSSL picks from the context's
 * credentials, additional certificates stapled per connection, the SNI selector, and a user's
 * {@code contextCustomizer}.
 */
class ReviewTls12TicketsTest {
    @TempDir
    static Path dir;
    static HeldCertificate ca;
    static HeldCertificate rsa;
    static HeldCertificate ec;
    private final Loopback loop = new Loopback();

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Tickets Review CA").certificateAuthority(0).build();
        rsa = HeldCertificate.builder().dns("localhost").rsa(2048).signedBy(ca).build();
        ec = HeldCertificate.builder().dns("localhost").signedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    private TlsServerContext context(String path) throws Exception {
        TlsServerOptions.Builder b = TlsServerOptions.builder().certificate(rsa.keyMaterial());
        switch (path) {
            case "staples":
                b.ocspStaples(cert -> null);
                break;
            case "customizer":
                b.contextCustomizer(builder -> builder.sessionTimeout(600));
                break;
            default:
                break;
        }
        return TlsServerContext.create(b.build(), List.of(ec.keyMaterial()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ecdsa-credential", "staples", "customizer", "sni"})
    void noTls12TicketWithoutSessionTickets(String path) throws Exception {
        String openssl = Interop.require("openssl");
        TlsServerContext context = context(path);
        int port;
        if (path.equals("sni")) {
            SniMapping mapping = SniMapping.builder().add("localhost", TlsServerOptions.builder()
                    .certificate(rsa.keyMaterial()).build()).addCertificate("localhost", ec.keyMaterial()).build();
            port = loop.server(ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS), s -> { }, true);
        } else {
            port = loop.server(context, s -> { });
        }
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256", "-CAfile", "ca.pem",
                "-servername", "localhost"));
        assertTrue(r.stdout.contains("New, TLSv1.2"), r::toString);
        assertTrue(r.stdout.contains("ECDHE-ECDSA"), r::toString);
        assertFalse(r.stdout.contains("TLS session ticket:"), () -> path + ": a TLS 1.2 ticket without sessionTickets(true): " + r);
    }
}
