package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;

/** {@code probe} against the real {@code openssl s_server}, and the {@code demo}. */
class ProbeAndDemoTest {
    @TempDir
    Path dir;

    private Process server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    private int startOpensslServer(HeldCertificate leaf) throws Exception {
        String openssl = Interop.require("openssl");
        leaf.writeTo(dir.resolve("server"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        server = new ProcessBuilder(openssl, "s_server", "-accept", "127.0.0.1:" + port, "-cert", "server.pem",
                "-key", "server.key", "-quiet").directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("s_server.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new AssertionError("openssl s_server did not start: " + Files.readString(dir.resolve("s_server.log")));
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void probeReportsAVerifiedServerAndJsonFailures() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Probe Root").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .signedBy(root).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        int port = startOpensslServer(leaf);

        String[] ok = run("probe", "127.0.0.1:" + port, "--ca", dir.resolve("ca.pem").toString(), "--servername", "localhost",
                "--version", "TLSv1_2", "--cipher", "ECDHE-RSA-AES256-GCM-SHA384");
        assertEquals("0", ok[0], String.join("\n", ok));
        assertTrue(ok[1].contains("protocol:     TLSv1_2 (0x0303)"), ok[1]);
        assertTrue(ok[1].contains("cipher:       ECDHE-RSA-AES256-GCM-SHA384"), ok[1]);
        assertTrue(ok[1].contains("server name:  localhost"), ok[1]);
        assertTrue(ok[1].contains("verification: verified"), ok[1]);
        assertTrue(ok[1].contains("key:     RSA 2048"), ok[1]);

        // No --ca: the system's CAs do not know this root; JSON carries the code and exit is 1.
        String[] untrusted = run("probe", "localhost:" + port, "--json");
        assertEquals("1", untrusted[0], String.join("\n", untrusted));
        assertTrue(untrusted[1].contains("\"ok\": false"), untrusted[1]);
        assertTrue(untrusted[1].contains("\"code\": \"untrusted-chain\""), untrusted[1]);
        assertTrue(untrusted[1].contains("Probe Root"), untrusted[1]);

        String[] text = run("probe", "localhost:" + port);
        assertEquals("1", text[0]);
        assertEquals(1, text[2].lines().count(), "one line, no stack trace: " + text[2]);
        assertTrue(text[2].startsWith("error: ") && text[2].strip().endsWith("[untrusted-chain]"), text[2]);

        String[] unverified = run("probe", "localhost:" + port, "--verify", "none", "--json");
        assertEquals("0", unverified[0], String.join("\n", unverified));
        assertTrue(unverified[1].contains("\"verified\": false"), unverified[1]);
    }

    @Test
    void probeFailsCleanlyOnExpiredCertificatesAndBadInput() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Probe Root").certificateAuthority(0).build();
        Instant now = Instant.now();
        HeldCertificate expired = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .validity(now.minus(3, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)).signedBy(root).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        int port = startOpensslServer(expired);
        String[] r = run("probe", "localhost:" + port, "--ca", dir.resolve("ca.pem").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("expired at") && r[2].contains("[cert-expired]"), r[2]);

        String[] badTarget = run("probe", "localhost");
        assertEquals("2", badTarget[0], String.join("\n", badTarget));
        assertTrue(badTarget[2].contains("is not host:port"), badTarget[2]);
        String[] badVersion = run("probe", "localhost:" + port, "--version", "SSLv3");
        assertEquals("2", badVersion[0]);
        assertTrue(badVersion[2].contains("SSL_version"), badVersion[2]);
        String[] missingCa = run("probe", "localhost:" + port, "--ca", dir.resolve("nope.pem").toString());
        assertEquals("2", missingCa[0]);
        assertTrue(missingCa[2].contains("nope.pem"), missingCa[2]);
        try (ServerSocket closed = new ServerSocket(0)) {
            int unused = closed.getLocalPort();
            closed.close();
            String[] refused = run("probe", "127.0.0.1:" + unused);
            assertEquals("1", refused[0]);
            assertTrue(refused[2].contains("[connection-failed]"), refused[2]);
        }
    }

    @Test
    void demoRunsEveryCheckAndExitsZero() {
        String[] r = run("demo");
        assertEquals("0", r[0], String.join("\n", r));
        List<String> lines = r[1].lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\d+ checks, \\d+ behaved as they should, 0 did not.*")), r[1]);
        assertFalse(r[1].contains("[FAIL]"), r[1]);
        assertTrue(r[1].contains("[ ok ] an expired server certificate is refused"), r[1]);
    }
}
