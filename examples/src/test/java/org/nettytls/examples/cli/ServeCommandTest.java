package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/** {@code serve} with two names, RSA and ECDSA for one of them, and a default, against openssl s_client. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void servesByNameAndKeyTypeAndSaysWhatItSent() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate ca = HeldCertificate.builder().commonName("Serve CA").certificateAuthority(0).build();
        HeldCertificate.builder().commonName("a RSA").dns("a.test").rsa(2048).signedBy(ca).build().writeTo(dir.resolve("a-rsa"));
        HeldCertificate.builder().commonName("a ECDSA").dns("a.test").signedBy(ca).build().writeTo(dir.resolve("a-ec"));
        HeldCertificate.builder().commonName("b").dns("b.test").signedBy(ca).build().writeTo(dir.resolve("b"));
        HeldCertificate.builder().commonName("fallback").dns("fallback.test").rsa(2048).signedBy(ca).build()
                .writeTo(dir.resolve("d"));
        java.nio.file.Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out), new PrintWriter(err),
                "serve", "--listen", "127.0.0.1:0", "--echo", "--naccept", "4",
                "--cert", "a.test=" + p("a-rsa.pem") + "," + p("a-rsa.key"),
                "--cert", "a.test%ecc=" + p("a-ec.pem") + "," + p("a-ec.key"),
                "--cert", "b.test=" + p("b.pem") + "," + p("b.key"),
                "--cert", "default=" + p("d.pem") + "," + p("d.key")));
        int port = awaitPort(out, err, status);
        assertTrue(out.toString().matches("(?s)transport: (io_uring|epoll \\(io_uring unavailable: .*\\)|nio \\(io_uring unavailable: .*\\))\\R.*"), out::toString);

        assertEquals("a ECDSA", cn(openssl, port, "-servername", "a.test", "-sigalgs", "ECDSA+SHA256"));
        assertEquals("a RSA", cn(openssl, port, "-servername", "a.test", "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"));
        assertEquals("b", cn(openssl, port, "-servername", "b.test"));
        assertEquals("fallback", cn(openssl, port, "-noservername"));
        assertEquals(Main.OK, status.get(30, TimeUnit.SECONDS), () -> out + "\n" + err);
        assertTrue(out.toString().contains(" a.test -> CN=a RSA (RSA)"), out::toString);
        assertTrue(out.toString().contains(" (no name) -> CN=fallback (RSA)"), out::toString);
        assertEquals("", err.toString());
    }

    @Test
    void aBadCertArgumentIsAUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0", "--echo",
                "--cert", "a.test");
        assertEquals(Main.USAGE, status, err::toString);
        assertTrue(err.toString().contains("expected NAME=CERT[,KEY]"), err::toString);
        status = Main.run(new PrintWriter(out), new PrintWriter(err), "serve", "--listen", "127.0.0.1:0", "--echo",
                "--cert", "a.test=" + dir.resolve("missing.pem"));
        assertEquals(Main.USAGE, status, err::toString);
        assertTrue(err.toString().contains("missing.pem"), err::toString);
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    /**
     * serve with --session-tickets and --plain-http-redirect: curl speaking plain HTTP gets the
     * redirect, and probe --reconnect resumes (TLS 1.2 by ticket) while --keylog records the keys.
     */
    @Test
    void plainHttpIsRedirectedAndProbeReconnectsWithTickets() throws Exception {
        String curl = Interop.require("curl");
        HeldCertificate ca = HeldCertificate.builder().commonName("Serve CA").certificateAuthority(0).build();
        HeldCertificate.builder().dns("localhost").signedBy(ca).build().writeTo(dir.resolve("s"));
        java.nio.file.Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> Main.run(new PrintWriter(out),
                new PrintWriter(err), "serve", "--listen", "127.0.0.1:0", "--echo", "--naccept", "4", "--session-tickets",
                "--plain-http-redirect", "https://localhost:8443", "--cert", "default=" + p("s.pem") + "," + p("s.key")));
        int port = awaitPort(out, err, status);

        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0],
                List.of(curl, "-sS", "-i", "http://127.0.0.1:" + port + "/path?q=1"));
        assertTrue(r.stdout.startsWith("HTTP/1.1 301") && r.stdout.contains("Location: https://localhost:8443/path?q=1"),
                r::toString);

        StringWriter probeOut = new StringWriter();
        int probe = Main.run(new PrintWriter(probeOut), new PrintWriter(new StringWriter()), "probe",
                "localhost:" + port, "--ca", p("ca.pem"), "--version", "TLSv1_2", "--reconnect", "2",
                "--keylog", p("keys.log"));
        assertEquals(Main.OK, probe, probeOut::toString);
        assertTrue(probeOut.toString().contains("session:      new\nreconnect 1:  reused\nreconnect 2:  reused\n"),
                probeOut::toString);
        String keys = java.nio.file.Files.readString(dir.resolve("keys.log"));
        assertEquals(3, keys.lines().filter(l -> l.startsWith("CLIENT_RANDOM ")).count(), keys);
        assertEquals(Main.OK, status.get(30, TimeUnit.SECONDS), () -> out + "\n" + err);
    }

    static int awaitPort(StringWriter out, StringWriter err, CompletableFuture<Integer> status) {
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            Matcher m = listening.matcher(out.toString());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (status.isDone() || System.nanoTime() > deadline) {
                throw new AssertionError("serve did not start listening:\n" + out + "\n" + err);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private String cn(String openssl, int port, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(openssl, "s_client", "-connect", "127.0.0.1:" + port,
                "-CAfile", "ca.pem", "-verify_return_error"));
        cmd.addAll(List.of(extra));
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], cmd);
        Matcher m = Pattern.compile("subject=CN = ([^\\n]+)").matcher(r.stdout);
        assertTrue(m.find() && r.stdout.contains("Verify return code: 0 (ok)"), r::toString);
        return m.group(1).trim();
    }
}
