package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.acme.Pebble;
import org.nettytls.cert.Pem;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Loopback;

/**
 * {@code serve --acme} end to end against pebble: a fresh server gets certificates for two names
 * through tls-alpn-01 (one RSA and ECDSA) and, in a second run, one through http-01; clients and
 * {@code probe} verify them against pebble's root; a restart with pebble down serves what is on
 * disk without asking; what a user gets wrong is a usage error naming it.
 */
class ServeAcmeTest {
    @TempDir
    Path dir;

    private static String[] args(Object... parts) {
        String[] out = new String[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = String.valueOf(parts[i]);
        }
        return out;
    }

    /** Ends a serve started with {@code --naccept 50}: plain connections, opened and closed, until it exits. */
    private static String stop(RunningCommand serve, int port) throws Exception {
        RunningCommand.connectUntilExit(serve.status, port);
        return serve.finish();
    }

    private static X509Certificate leaf(X509Certificate root, int port, String name, TlsClientOptions.Builder b) throws Exception {
        TlsClientContext ctx = TlsClientContext.create(b.caCertificates(root).build());
        try (Loopback loop = new Loopback()) {
            Loopback.Side c = loop.client(ctx, name, port);
            Throwable f = c.handshakeFailure();
            if (f != null) {
                throw new AssertionError("handshake for " + name + ": " + f, f);
            }
            return TlsConnectionInfo.of(c.handshake.get()).peerCertificate();
        }
    }

    @Test
    void aFreshServeGetsAndServesCertificatesThenRestartsFromDiskWithPebbleDown() throws Exception {
        int port = Pebble.freeTcpPort();
        Path state = dir.resolve("acme");
        try (Pebble pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")), new Pebble.Config().tlsPort(port))) {
            X509Certificate root = pebble.issuingRoot();
            Path rootFile = dir.resolve("pebble-root.pem");
            Files.writeString(rootFile, Pem.certificate(root));
            RunningCommand serve = new RunningCommand(args("serve", "--listen", "127.0.0.1:" + port, "--echo", "--naccept", 50,
                    "--acme", pebble.directory(), "--acme-email", "hostmaster@acme.test", "--acme-dir", state,
                    "--acme-ca", pebble.httpsCaFile(), "--cert", "a.acme.test=acme:rsa+ecdsa", "--acme-domain", "b.acme.test"));
            serve.awaitOutput(Duration.ofSeconds(90), "acme: issued a.acme.test (ECDSA P-256)", "acme: issued a.acme.test (RSA 2048)",
                    "acme: issued b.acme.test (ECDSA P-256)");
            String log = serve.out.toString();
            assertTrue(log.contains("acme: validated b.acme.test (ECDSA P-256): validated b.acme.test by tls-alpn-01"), log);
            assertTrue(log.contains("agreeing to the terms of service at"), log);
            assertTrue(log.contains("acme: ordered a.acme.test (RSA 2048): ordered a certificate from " + pebble.directory()), log);

            assertEquals("EC", leaf(root, port, "a.acme.test", TlsClientOptions.builder()).getPublicKey().getAlgorithm());
            assertEquals("RSA", leaf(root, port, "a.acme.test", TlsClientOptions.builder().protocols("TLSv1_2")
                    .cipherList("ECDHE-RSA-AES128-GCM-SHA256")).getPublicKey().getAlgorithm());
            X509Certificate b = leaf(root, port, "b.acme.test", TlsClientOptions.builder());
            assertTrue(b.getSubjectAlternativeNames().toString().contains("b.acme.test"));

            // probe, verifying against pebble's root, sees a compressed certificate.
            StringWriter probeOut = new StringWriter();
            int probe = Main.run(new PrintWriter(probeOut), new PrintWriter(new StringWriter()), "probe",
                    "127.0.0.1:" + port, "--servername", "b.acme.test", "--ca", rootFile.toString());
            assertEquals(Main.OK, probe, probeOut::toString);
            assertTrue(probeOut.toString().contains("certificate:  compressed (brotli, RFC 8879)"), probeOut::toString);
            StringWriter plainOut = new StringWriter();
            assertEquals(Main.OK, Main.run(new PrintWriter(plainOut), new PrintWriter(new StringWriter()), "probe",
                    "127.0.0.1:" + port, "--servername", "b.acme.test", "--ca", rootFile.toString(), "--no-cert-compression"));
            assertTrue(plainOut.toString().contains("certificate:  uncompressed"), plainOut::toString);
            stop(serve, port);

            // A restart with the ACME server down serves what is on disk at once.
            pebble.stop();
            RunningCommand again = new RunningCommand(args("serve", "--listen", "127.0.0.1:" + port, "--echo", "--naccept", 50,
                    "--acme", pebble.directory(), "--acme-email", "hostmaster@acme.test", "--acme-dir", state,
                    "--acme-ca", pebble.httpsCaFile(), "--cert", "a.acme.test=acme:rsa+ecdsa", "--acme-domain", "b.acme.test"));
            again.awaitOutput(Duration.ofSeconds(30), "acme: loaded b.acme.test (ECDSA P-256): serving serial "
                    + b.getSerialNumber().toString(16));
            assertEquals(b, leaf(root, port, "b.acme.test", TlsClientOptions.builder()));
            String restarted = stop(again, port);
            assertFalse(restarted.contains("acme: ordered"), restarted);
            assertFalse(restarted.contains("created the account key"), restarted);
        }
    }

    @Test
    void http01OnAPlainPort() throws Exception {
        int port = Pebble.freeTcpPort();
        int http = Pebble.freeTcpPort();
        try (Pebble pebble = Pebble.start(Files.createDirectories(dir.resolve("pebble")),
                new Pebble.Config().tlsPort(port).httpPort(http))) {
            RunningCommand serve = new RunningCommand(args("serve", "--listen", "127.0.0.1:" + port, "--echo", "--naccept", 50,
                    "--acme", pebble.directory(), "--acme-dir", dir.resolve("acme"), "--acme-ca", pebble.httpsCaFile(),
                    "--acme-domain", "c.acme.test", "--acme-challenge", "http-01", "--acme-http", "127.0.0.1:" + http));
            serve.awaitOutput(Duration.ofSeconds(90), "acme: answering http-01 on 127.0.0.1:" + http,
                    "validated c.acme.test by http-01", "acme: issued c.acme.test (ECDSA P-256)");
            X509Certificate c = leaf(pebble.issuingRoot(), port, "c.acme.test", TlsClientOptions.builder());
            assertTrue(c.getSubjectAlternativeNames().toString().contains("c.acme.test"));
            stop(serve, port);
        }
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(status), err.toString()};
    }

    @Test
    void mistakesAreUsageErrorsNamingTheProblem() throws Exception {
        Path state = Files.createDirectories(dir.resolve("acme"));
        Files.writeString(state.resolve("account.key"), "garbage\n");
        String[] r = run("serve", "--listen", "127.0.0.1:0", "--echo", "--acme", "https://127.0.0.1:1/dir",
                "--acme-dir", state.toString(), "--acme-domain", "k.acme.test");
        assertEquals(String.valueOf(Main.USAGE), r[0], r[1]);
        assertTrue(r[1].contains("is not a usable ACME account key") && r[1].contains("[bad-input]"), r[1]);

        r = run("serve", "--listen", "127.0.0.1:0", "--echo", "--acme", "https://127.0.0.1:1/dir", "--acme-dir",
                dir.resolve("other").toString(), "--acme-email", "hostmaster", "--acme-domain", "k.acme.test");
        assertEquals(String.valueOf(Main.USAGE), r[0], r[1]);
        assertTrue(r[1].contains("'hostmaster' is not an e-mail address") && r[1].contains("[bad-configuration]"), r[1]);

        for (List<String> bad : List.of(
                List.of("--acme", "https://127.0.0.1:1/dir", "--acme-domain", "k.acme.test"),
                List.of("--acme", "https://127.0.0.1:1/dir", "--acme-dir", "x"),
                List.of("--acme-dir", "x", "--cert", "default=x.pem"),
                List.of("--acme", "https://127.0.0.1:1/dir", "--acme-dir", "x", "--acme-domain", "k.acme.test:dsa"),
                List.of("--acme", "https://127.0.0.1:1/dir", "--acme-dir", "x", "--acme-domain", "*.acme.test"),
                List.of("--acme", "https://127.0.0.1:1/dir", "--acme-dir", "x", "--acme-domain", "k.acme.test",
                        "--acme-challenge", "http-01"))) {
            List<String> a = new java.util.ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0", "--echo"));
            a.addAll(bad);
            r = run(a.toArray(new String[0]));
            assertEquals(String.valueOf(Main.USAGE), r[0], bad + ": " + r[1]);
            assertTrue(r[1].startsWith("error: "), bad + ": " + r[1]);
        }
    }
}
