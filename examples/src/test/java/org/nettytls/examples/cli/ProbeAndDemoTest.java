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
import org.nettytls.cert.Fingerprint;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Await;
import org.nettytls.testing.Processes;

/** {@code probe} against the real {@code openssl s_server} (the demo has DemoTest). */
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

    private int startOpensslServer(HeldCertificate leaf, String... extra) throws Exception {
        String openssl = Interop.require("openssl");
        leaf.writeTo(dir.resolve("server"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(openssl, "s_server", "-accept",
                "127.0.0.1:" + port, "-cert", "server.pem", "-key", "server.key", "-quiet"));
        command.addAll(java.util.List.of(extra));
        server = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("s_server.log").toFile()).start();
        return awaitPort(server, port, dir.resolve("s_server.log"));
    }

    /** Waits until {@code server} accepts on {@code port}; fails with its log when it dies or does not within {@link Await#EVENT}. */
    static int awaitPort(Process server, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return port;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new AssertionError(server.info().command().orElse("the server") + " did not start: "
                            + Processes.readLog(log));
                }
                Thread.sleep(20);
            }
        }
    }

    @Test
    void probeHoldsTheServerToTheWebPkiProfileWhenAsked() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Probe Root").certificateAuthority(0).build();
        // A common name only: fine for IO::Socket::SSL's default scheme, not for the Baseline Requirements.
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").signedBy(root).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        int port = startOpensslServer(leaf);
        String ca = dir.resolve("ca.pem").toString();

        String[] byDefault = run("probe", "127.0.0.1:" + port, "--ca", ca, "--servername", "localhost");
        assertEquals("0", byDefault[0], String.join("\n", byDefault));
        assertTrue(byDefault[1].contains("verification: verified") && byDefault[1].contains("profile:      default"),
                byDefault[1]);

        String[] webpki = run("probe", "127.0.0.1:" + port, "--ca", ca, "--servername", "localhost", "--profile", "webpki",
                "--json");
        assertEquals("1", webpki[0], String.join("\n", webpki));
        assertTrue(webpki[1].contains("\"profile\": \"webpki\"") && webpki[1].contains("\"code\": \"profile-violation\"")
                && webpki[1].contains("has no subjectAltName"), webpki[1]);

        String[] bad = run("probe", "127.0.0.1:" + port, "--profile", "strict");
        assertEquals("2", bad[0], String.join("\n", bad));
        assertTrue(bad[2].contains("--profile") && bad[2].contains("'strict' is not default or webpki"), bad[2]);
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
    void probeChecksTheHostnameAndHonoursFingerprints() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Probe Root").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("wrong.example").dns("wrong.example", "*.wrong.example")
                .signedBy(root).build();
        String ca = dir.resolve("ca.pem").toString();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        int port = startOpensslServer(leaf);
        String target = "localhost:" + port;

        String[] mismatch = run("probe", target, "--ca", ca);
        assertEquals("1", mismatch[0], String.join("\n", mismatch));
        assertEquals(1, mismatch[2].lines().count(), mismatch[2]);
        assertTrue(mismatch[2].strip().endsWith("[hostname-mismatch]"), mismatch[2]);
        assertTrue(mismatch[2].contains("expected 'localhost'") && mismatch[2].contains("DNS:wrong.example, DNS:*.wrong.example"),
                "names the expected name and the certificate's names: " + mismatch[2]);
        String[] mismatchJson = run("probe", target, "--ca", ca, "--scheme", "http", "--json");
        assertEquals("1", mismatchJson[0]);
        assertTrue(mismatchJson[1].contains("\"code\": \"hostname-mismatch\""), mismatchJson[1]);
        assertTrue(mismatchJson[1].contains("expected 'localhost' under scheme http, certificate has DNS:wrong.example"),
                mismatchJson[1]);

        String[] named = run("probe", target, "--ca", ca, "--name", "www.wrong.example", "--scheme", "smtp");
        assertEquals("0", named[0], String.join("\n", named));
        assertTrue(named[1].contains("hostname:     www.wrong.example under scheme smtp: matched by DNS:*.wrong.example"), named[1]);
        assertTrue(named[1].contains("  cert names: DNS:wrong.example, DNS:*.wrong.example, CN=wrong.example"), named[1]);
        assertTrue(named[1].matches("(?s).*  suffixes:   built-in \\S+\n.*"), named[1]);
        String[] viaSni = run("probe", target, "--ca", ca, "--servername", "wrong.example", "--json");
        assertEquals("0", viaSni[0], String.join("\n", viaSni));
        assertTrue(viaSni[1].contains("\"name\": \"wrong.example\""), viaSni[1]);
        assertTrue(viaSni[1].contains("\"matched\": true"), viaSni[1]);
        assertTrue(viaSni[1].contains("\"publicSuffixList\": \"built-in "), viaSni[1]);

        String[] unchecked = run("probe", target, "--verify", "none");
        assertEquals("0", unchecked[0], String.join("\n", unchecked));
        assertTrue(unchecked[1].contains("hostname:     localhost under scheme default: NOT matched: "), unchecked[1]);
        String[] schemeNone = run("probe", target, "--ca", ca, "--scheme", "none");
        assertEquals("0", schemeNone[0], String.join("\n", schemeNone));
        assertTrue(schemeNone[1].contains("under scheme none: not checked"), schemeNone[1]);

        // A matching pin accepts the server although no CA vouches for it and its name is wrong.
        String pin = Fingerprint.of(leaf.certificate());
        String[] pinned = run("probe", target, "--verify", "peer", "--fingerprint", pin);
        assertEquals("0", pinned[0], String.join("\n", pinned));
        assertTrue(pinned[1].contains("verification: verified"), pinned[1]);
        String[] pinnedByKey = run("probe", target, "--fingerprint", "sha1$" + "00".repeat(20), "--fingerprint",
                Fingerprint.of(leaf.certificate(), "sha1", true).toUpperCase(java.util.Locale.ROOT).replace("SHA1$PUB$", "sha1$pub$"));
        assertEquals("0", pinnedByKey[0], String.join("\n", pinnedByKey));

        String otherPin = Fingerprint.of(root.certificate());
        String[] forced = run("probe", target, "--ca", ca, "--servername", "wrong.example", "--fingerprint", otherPin,
                "--force-fingerprint");
        assertEquals("1", forced[0], String.join("\n", forced));
        assertEquals(1, forced[2].lines().count(), forced[2]);
        assertTrue(forced[2].strip().endsWith("[fingerprint-mismatch]"), forced[2]);
        assertEquals("0", run("probe", target, "--ca", ca, "--servername", "wrong.example", "--fingerprint", pin,
                "--force-fingerprint")[0]);

        String[] badPin = run("probe", target, "--fingerprint", "sha256$xyz");
        assertEquals("2", badPin[0], String.join("\n", badPin));
        assertTrue(badPin[2].contains("SSL_fingerprint"), badPin[2]);
        String[] badScheme = run("probe", target, "--scheme", "htttp");
        assertEquals("2", badScheme[0], String.join("\n", badScheme));
        assertTrue(badScheme[2].contains("unknown scheme 'htttp'") && badScheme[2].strip().endsWith("[bad-configuration]"),
                badScheme[2]);
        String[] forceAlone = run("probe", target, "--force-fingerprint");
        assertEquals("2", forceAlone[0], String.join("\n", forceAlone));
    }

    @Test
    void probeChecksOcspStaplesByMode() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate root = HeldCertificate.builder().commonName("Probe OCSP Root").certificateAuthority(0).rsa(2048).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .signedBy(root).build();
        root.writeTo(dir.resolve("ca"));
        leaf.writeTo(dir.resolve("leaf"));
        // A real staple from openssl ocsp, offline: request, then the responder's answer from its index.
        Files.writeString(dir.resolve("ca.cnf"), "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ndefault_md = sha256\n");
        Files.writeString(dir.resolve("index.txt"), "");
        Processes.run(dir, openssl, "ca", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-valid", "leaf.pem")
                .expectSuccess();
        Processes.run(dir, openssl, "ocsp", "-issuer", "ca.pem", "-cert", "leaf.pem", "-no_nonce", "-reqout", "req.der")
                .expectSuccess();
        Processes.run(dir, openssl, "ocsp", "-index", "index.txt", "-CA", "ca.pem", "-rsigner", "ca.pem", "-rkey", "ca.key",
                "-reqin", "req.der", "-respout", "staple.der", "-ndays", "1").expectSuccess();
        int stapling = startOpensslServer(leaf, "-status_file", "staple.der");
        String ca = dir.resolve("ca.pem").toString();
        String[] good = run("probe", "localhost:" + stapling, "--ca", ca, "--ocsp", "must-staple");
        assertEquals("0", good[0], String.join("\n", good));
        assertTrue(good[1].contains("ocsp:         good (staple"), good[1]);
        stop();

        int bare = startOpensslServer(leaf);
        String[] missing = run("probe", "localhost:" + bare, "--ca", ca, "--ocsp", "must-staple");
        assertEquals("1", missing[0], String.join("\n", missing));
        assertTrue(missing[2].strip().endsWith("[staple-missing]"), missing[2]);
        String[] soft = run("probe", "localhost:" + bare, "--ca", ca, "--json");
        assertEquals("0", soft[0], String.join("\n", soft));
        assertTrue(soft[1].contains("\"ocsp\": \"soft-failure: the server sent no staple"), soft[1]);
        String[] hard = run("probe", "localhost:" + bare, "--ca", ca, "--ocsp-fail-hard");
        assertEquals("1", hard[0], String.join("\n", hard));
        String[] bad = run("probe", "localhost:" + bare, "--ca", ca, "--ocsp", "always");
        assertEquals("2", bad[0], String.join("\n", bad));
    }

    @Test
    void probeChecksCrls() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Probe Root").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().dns("localhost").serialNumber(java.math.BigInteger.valueOf(77))
                .signedBy(root).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
        Instant now = Instant.now();
        Files.writeString(dir.resolve("revoking.crl"), org.nettytls.cert.Pem.encode("X509 CRL", root.crl(
                java.util.Map.of(java.math.BigInteger.valueOf(77), 1), now.minus(1, ChronoUnit.HOURS),
                now.plus(1, ChronoUnit.DAYS)).getEncoded()));
        Files.writeString(dir.resolve("clean.crl"), org.nettytls.cert.Pem.encode("X509 CRL", root.crl(
                java.util.Map.of(), now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS)).getEncoded()));
        int port = startOpensslServer(leaf);
        String ca = dir.resolve("ca.pem").toString();
        String[] revoked = run("probe", "localhost:" + port, "--ca", ca, "--crl", dir.resolve("revoking.crl").toString());
        assertEquals("1", revoked[0], String.join("\n", revoked));
        assertTrue(revoked[2].contains("keyCompromise") && revoked[2].strip().endsWith("[revoked]"), revoked[2]);
        String[] clean = run("probe", "localhost:" + port, "--ca", ca, "--crl", dir.resolve("clean.crl").toString());
        assertEquals("0", clean[0], String.join("\n", clean));
        String[] unreadable = run("probe", "localhost:" + port, "--ca", ca, "--crl", dir.resolve("none.crl").toString());
        assertEquals("2", unreadable[0], String.join("\n", unreadable));
        assertTrue(unreadable[2].contains("none.crl"), unreadable[2]);
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
        assertTrue(badTarget[2].contains("expected HOST:PORT, found 'localhost'"), badTarget[2]);
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
}
