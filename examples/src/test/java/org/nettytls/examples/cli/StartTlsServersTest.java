package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/** smtp-server and line-server against swaks, curl, the reference's start_SSL/stop_SSL, and probe --starttls. */
class StartTlsServersTest {
    @TempDir
    static Path dir;
    static Path ca;
    static Path cert;
    static Path key;

    @BeforeAll
    static void pki() throws Exception {
        writePki(dir);
        ca = dir.resolve("ca.pem");
        cert = dir.resolve("server.pem");
        key = dir.resolve("server.key");
    }

    /** A CA ({@code ca.pem}) and a certificate for localhost and 127.0.0.1 ({@code server.pem}, {@code server.key}) in {@code dir}; returns the CA. */
    static HeldCertificate writePki(Path dir) throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1").signedBy(root).build();
        root.writeTo(dir.resolve("ca"));
        server.writeTo(dir.resolve("server"));
        return root;
    }

    /** Starts a server command in this JVM and returns its port once it prints "listening on". */
    static int start(String... args) {
        StringWriter out = new StringWriter();
        Thread t = new Thread(() -> Main.run(new PrintWriter(out, true), new PrintWriter(out, true), args), args[0]);
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        Pattern p = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        while (System.nanoTime() < deadline) {
            Matcher m = p.matcher(out.toString());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        throw new AssertionError(args[0] + " printed no 'listening on' within " + Await.EVENT.toSeconds() + " s: " + out);
    }

    static String awaitMail(Path maildir) throws Exception {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        Path mail = maildir.resolve("1.eml");
        while (!Files.exists(mail)) {
            assertTrue(System.nanoTime() < deadline, "no mail in " + maildir);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
        return Files.readString(mail);
    }

    @Test
    void swaksDeliversOverStarttls() throws Exception {
        String swaks = Interop.require("swaks");
        Path maildir = dir.resolve("swaks-mail");
        int port = start("smtp-server", "--listen", "127.0.0.1:0", "--cert", "default=" + cert + "," + key, "--maildir", maildir.toString());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(swaks, "--server", "127.0.0.1", "--port",
                String.valueOf(port), "--tls", "--tls-verify", "--tls-ca-path", ca.toString(), "--tls-sni", "localhost",
                "--to", "a@example.org", "--from", "b@example.org"));
        assertEquals(0, r.exit, r.toString());
        String mail = awaitMail(maildir);
        assertTrue(mail.contains("X-TLS: true") && mail.contains("a@example.org"), mail);
    }

    @Test
    void curlDeliversWithSslReqd() throws Exception {
        String curl = Interop.require("curl");
        Path maildir = dir.resolve("curl-mail");
        Path body = Files.writeString(dir.resolve("body.txt"), "Subject: hi\r\n\r\nover TLS\r\n");
        int port = start("smtp-server", "--cert", "default=" + cert + "," + key, "--maildir", maildir.toString());
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "--ssl-reqd", "--cacert", ca.toString(),
                "smtp://localhost:" + port, "--mail-from", "b@example.org", "--mail-rcpt", "a@example.org", "-T", body.toString()));
        assertEquals(0, r.exit, r.toString());
        String mail = awaitMail(maildir);
        assertTrue(mail.contains("X-TLS: true") && mail.contains("over TLS"), mail);
    }

    @Test
    void probeStarttlsSmtpUsesTheSmtpScheme() {
        int port = start("smtp-server", "--cert", "default=" + cert + "," + key);
        StringWriter out = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "probe", "127.0.0.1:" + port, "--servername", "localhost",
                "--starttls", "smtp", "--ca", ca.toString());
        assertEquals(Main.OK, status, out.toString());
        assertTrue(out.toString().contains("smtp"), out.toString());
    }

    @Test
    void theCertificateAfterTheUpgradeIsChosenByTheRequestedName() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("SNI CA").certificateAuthority(0).build();
        root.writeTo(dir.resolve("sni-ca"));
        HeldCertificate.builder().commonName("other.test").dns("other.test").signedBy(root).build().writeTo(dir.resolve("other"));
        HeldCertificate.builder().commonName("fallback.test").dns("fallback.test").signedBy(root).build().writeTo(dir.resolve("fallback"));
        int port = start("smtp-server", "--cert", "other.test=" + dir.resolve("other.pem") + "," + dir.resolve("other.key"),
                "--cert", "default=" + dir.resolve("fallback.pem") + "," + dir.resolve("fallback.key"));
        for (String name : List.of("other.test", "fallback.test")) {
            StringWriter out = new StringWriter();
            int status = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "probe", "127.0.0.1:" + port, "--servername", name,
                    "--starttls", "smtp", "--ca", dir.resolve("sni-ca.pem").toString());
            assertEquals(Main.OK, status, name + ": " + out);
        }
        StringWriter out = new StringWriter();
        int status = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "probe", "127.0.0.1:" + port, "--servername", "unknown.test",
                "--starttls", "smtp", "--ca", dir.resolve("sni-ca.pem").toString());
        assertEquals(Main.FAILURE, status, "the default certificate does not name unknown.test: " + out);
    }

    @Test
    void certTakesExactlyWhatServeTakes() {
        StringWriter out = new StringWriter();
        assertEquals(Main.USAGE, Main.run(new PrintWriter(out, true), new PrintWriter(out, true), "line-server", "--cert", cert + "," + key));
        assertTrue(out.toString().contains("expected NAME=CERT[,KEY]"), out.toString());
    }

    /** The reference on one socket: plain, start_SSL, stop_SSL, plain, start_SSL again. */
    private static final String PERL_CLIENT = """
            use strict;
            use warnings;
            use IO::Socket::INET;
            use IO::Socket::SSL;
            my ($port, $ca) = @ARGV;
            $| = 1;
            alarm 20;
            my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
            sub ask { my ($text) = @_; print $s "$text\\n"; my $l = <$s>; defined $l or die "no answer to $text: $SSL_ERROR"; chomp $l; print "$text => $l\\n"; $l }
            ask("ECHO plain one");
            ask("STARTTLS") eq 'OK' or die;
            IO::Socket::SSL->start_SSL($s, SSL_ca_file => $ca, SSL_hostname => 'localhost', SSL_verifycn_scheme => 'default') or die "start_SSL: $SSL_ERROR";
            print "TLS ", $s->get_sslversion, "\\n";
            ask("ECHO over tls");
            ask("STOPTLS") eq 'OK' or die;
            $s->stop_SSL or die "stop_SSL: $SSL_ERROR";
            ask("ECHO plain two");
            ask("STARTTLS") eq 'OK' or die;
            IO::Socket::SSL->start_SSL($s, SSL_ca_file => $ca, SSL_hostname => 'localhost') or die "start_SSL again: $SSL_ERROR";
            ask("ECHO tls again");
            print "DONE\\n";
            """;

    @Test
    void perlStartSslAndStopSslAgainstLineServer() throws Exception {
        String perl = Interop.requirePerlIoSocketSsl();
        int port = start("line-server", "--cert", "default=" + cert + "," + key);
        Path script = Files.writeString(dir.resolve("client.pl"), PERL_CLIENT);
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(perl, script.toString(), String.valueOf(port), ca.toString()));
        assertEquals(0, r.exit, r.toString());
        for (String expected : List.of("ECHO plain one => plain one", "ECHO over tls => over tls", "STOPTLS => OK",
                "ECHO plain two => plain two", "ECHO tls again => tls again", "DONE")) {
            assertTrue(r.stdout.contains(expected), "expected '" + expected + "' in\n" + r);
        }
    }
}
