package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;

/**
 * Real clients nobody here wrote against the selector: which certificate each gets by the name it
 * sends and the signature algorithms or cipher suites it offers. The certificates' common names
 * say which one came ("a.test RSA", "a.test ECDSA", ...).
 */
class SniInteropTest {
    @TempDir
    static Path dir;
    static Loopback loop;
    static int port;
    static SniPki.Server server;

    @BeforeAll
    static void start() throws Exception {
        Files.writeString(dir.resolve("ca.pem"), SniPki.CA.certificatePem(), StandardCharsets.US_ASCII);
        SniMapping mapping = SniPki.mapping(true).build();
        loop = new Loopback();
        server = new SniPki.Server(loop, mapping, SniSelectorOptions.DEFAULTS);
        port = server.port;
    }

    @AfterAll
    static void stop() {
        loop.close();
    }

    private static String subjectCn(String output, String tool) {
        Matcher m = Pattern.compile("(?:subject=|subject `|s:)\\s*CN\\s*=\\s*([^,'\\n]+)").matcher(output);
        if (!m.find()) {
            throw new AssertionError(tool + " printed no subject:\n" + output);
        }
        return m.group(1).trim();
    }

    private static String sClient(String... extra) {
        String openssl = Interop.require("openssl");
        List<String> cmd = new ArrayList<>(List.of(openssl, "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", "ca.pem", "-verify_return_error"));
        cmd.addAll(List.of(extra));
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], cmd);
        assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), r::toString);
        return subjectCn(r.stdout, "openssl s_client");
    }

    @Test
    void opensslNamesPickCertificates() {
        assertEquals("a.test ECDSA", sClient("-servername", "a.test"));
        assertEquals("b.test ECDSA", sClient("-servername", "b.test"));
        assertEquals("wildcard", sClient("-servername", "x.wild.test"));
        assertEquals("default RSA", sClient("-noservername"));
    }

    @Test
    void opensslSignatureAlgorithmsPickTheKeyTypeInTls13() {
        assertEquals("a.test ECDSA", sClient("-servername", "a.test", "-tls1_3", "-sigalgs", "ECDSA+SHA256"));
        assertEquals("a.test RSA", sClient("-servername", "a.test", "-tls1_3", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"));
    }

    @Test
    void opensslCipherSuitesPickTheKeyTypeInTls12() {
        assertEquals("a.test RSA", sClient("-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"));
        assertEquals("a.test ECDSA", sClient("-servername", "a.test", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"));
    }

    @Test
    void theServersEventNamesWhatOpensslGot() {
        server.clear();
        sClient("-servername", "a.test", "-tls1_3", "-sigalgs", "RSA-PSS+SHA256");
        SniSelectionEvent e = server.last().next(SniSelectionEvent.class);
        assertEquals("a.test", e.serverName());
        assertEquals(SniPki.A_RSA.certificate(), e.certificate());
    }

    @Test
    void opensslWithoutMatchOrDefaultReadsUnrecognizedName() throws Exception {
        SniMapping noDefault = SniPki.mapping(false).build();
        try (Loopback other = new Loopback()) {
            SniPki.Server strict = new SniPki.Server(other, noDefault, SniSelectorOptions.DEFAULTS);
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(Interop.require("openssl"),
                    "s_client", "-connect", "127.0.0.1:" + strict.port, "-servername", "nobody.test"));
            assertTrue(r.output().contains("unrecognized name"), r::toString);
            assertEquals(TlsErrorCode.UNRECOGNIZED_NAME, strict.last().next(SniSelectionEvent.class).code());
        }
    }

    private static String gnutls(String name, String priority) {
        String gnutls = Interop.require("gnutls-cli");
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(gnutls,
                "--x509cafile=ca.pem", "--port", String.valueOf(port), "--sni-hostname", name,
                "--verify-hostname", name, "--priority", priority, "127.0.0.1"));
        assertTrue(r.output().contains("Handshake was completed"), r::toString);
        return subjectCn(r.output(), "gnutls-cli");
    }

    @Test
    void gnutlsPrioritiesPickTheKeyType() {
        assertEquals("a.test ECDSA", gnutls("a.test", "NORMAL:-SIGN-ALL:+SIGN-ECDSA-SECP256R1-SHA256"));
        assertEquals("a.test RSA", gnutls("a.test", "NORMAL:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256:+SIGN-RSA-SHA256"));
        assertEquals("a.test RSA", gnutls("a.test", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-RSA"));
        assertEquals("a.test ECDSA", gnutls("a.test", "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA"));
    }

    @Test
    void perlIoSocketSslWithSslHostname() {
        String perl = Interop.requirePerlIoSocketSsl();
        String script = String.join("\n",
                "use strict; use IO::Socket::SSL;",
                "for my $name (@ARGV[1..$#ARGV]) {",
                "  my $s = IO::Socket::SSL->new(PeerAddr => \"127.0.0.1:$ARGV[0]\", SSL_hostname => $name,",
                "    SSL_ca_file => 'ca.pem', SSL_verifycn_name => $name, SSL_verifycn_scheme => 'http')",
                "    or die \"$name: $SSL_ERROR\\n\";",
                "  print \"$name -> \", $s->peer_certificate('commonName'), \"\\n\";",
                "  print $s \"ping $name\\n\"; my $echo = <$s>; print \"echo: $echo\";",
                "  $s->close;",
                "}");
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0],
                List.of(perl, "-e", script, String.valueOf(port), "a.test", "b.test", "x.wild.test")).expectSuccess();
        assertTrue(r.stdout.contains("a.test -> a.test ECDSA"), r::toString);
        assertTrue(r.stdout.contains("b.test -> b.test ECDSA"), r::toString);
        assertTrue(r.stdout.contains("x.wild.test -> wildcard"), r::toString);
        assertTrue(r.stdout.contains("echo: ping b.test"), r::toString);
    }
}
