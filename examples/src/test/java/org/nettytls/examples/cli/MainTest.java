package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.SubjectAltName;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

class MainTest {
    @TempDir
    Path dir;

    /** One run of the command line: its exit status and what it wrote. */
    private static final class Run {
        final int status;
        final String out;
        final String err;

        Run(int status, String out, String err) {
            this.status = status;
            this.out = out;
            this.err = err;
        }

        @Override
        public String toString() {
            return "exit " + status + "\nout: " + out + "\nerr: " + err;
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private Run ok(String... args) {
        Run r = run(args);
        assertEquals(Main.OK, r.status, r.toString());
        assertEquals("", r.err, r.toString());
        return r;
    }

    @Test
    void fingerprintAgreesWithOpensslInPemAndDer() throws Exception {
        String openssl = Interop.require("openssl");
        ok("cert", "ca", "--out", path("ca"));
        Processes.run(dir, openssl, "x509", "-in", "ca.pem", "-outform", "DER", "-out", "ca.der").expectSuccess();
        for (String algo : List.of("sha256", "sha1", "md5")) {
            String o = Processes.run(dir, openssl, "x509", "-noout", "-fingerprint", "-" + algo, "-in", "ca.pem")
                    .expectSuccess().stdout.trim();
            String expected = algo + "$" + o.substring(o.indexOf('=') + 1).replace(":", "").toLowerCase(Locale.ROOT);
            assertEquals(expected + "\n", ok("fingerprint", "--algo", algo, path("ca.pem")).out);
            assertEquals(expected + "\n", ok("fingerprint", "--algo", algo, path("ca.der")).out, "DER is detected by content");
        }
        assertEquals(ok("fingerprint", "--algo", "sha256", path("ca.pem")).out, ok("fingerprint", path("ca.pem")).out,
                "sha256 is the default");
        assertTrue(ok("fingerprint", "--pub", path("ca.pem")).out.matches("sha256\\$pub\\$[0-9a-f]{64}\n"));
    }

    @Test
    void caAndIssuedCertificatesPassOpensslVerify() throws Exception {
        String openssl = Interop.require("openssl");
        Run ca = ok("cert", "ca", "--out", path("ca"), "--cn", "CLI Root", "--key", "rsa", "--days", "30");
        assertEquals("wrote " + path("ca.pem") + "\nwrote " + path("ca.key") + "\n", ca.out);
        ok("cert", "issue", "--ca", path("ca"), "--out", path("inter"), "--cn", "CLI Intermediate", "--ca-cert");
        ok("cert", "issue", "--ca", path("inter"), "--out", path("leaf"), "--cn", "leaf.test",
                "--san", "DNS:leaf.test,IP:127.0.0.1", "--san", "EMAIL:ops@leaf.test", "--ocsp-url", "http://127.0.0.1:9/ocsp",
                "--crl-url", "http://127.0.0.1:9/ca.crl", "--must-staple", "--days", "10");

        List<X509Certificate> chain = CertificateLoader.certificates(dir.resolve("leaf.pem"));
        assertEquals(2, chain.size(), "PREFIX.pem holds the leaf and the intermediate, not the root");
        assertEquals("leaf.test", CertificateFields.commonName(chain.get(0)));
        assertEquals(List.of(SubjectAltName.dns("leaf.test"), SubjectAltName.ip("127.0.0.1"),
                SubjectAltName.email("ops@leaf.test")), CertificateFields.subjectAltNames(chain.get(0)));
        assertEquals(List.of("http://127.0.0.1:9/ocsp"), CertificateFields.ocspUrls(chain.get(0)));
        assertEquals(List.of("http://127.0.0.1:9/ca.crl"), CertificateFields.crlUrls(chain.get(0)));
        assertTrue(CertificateFields.mustStaple(chain.get(0)));
        assertTrue(Files.readString(dir.resolve("leaf.key")).startsWith("-----BEGIN PRIVATE KEY-----"));

        Processes.Result verify = Processes.run(dir, openssl, "verify", "-CAfile", "ca.pem", "-untrusted", "leaf.pem",
                "-purpose", "sslserver", "leaf.pem");
        assertEquals(0, verify.exit, verify.toString());
        assertTrue(verify.stdout.contains("leaf.pem: OK"), verify.stdout);
        Processes.Result alone = Processes.run(dir, openssl, "verify", "-CAfile", "ca.pem", "inter.pem");
        assertEquals(0, alone.exit, alone.toString());
    }

    @Test
    void caWithIntermediatesWritesTheRootApart() throws Exception {
        String openssl = Interop.require("openssl");
        Run ca = ok("cert", "ca", "--out", path("ca"), "--intermediates", "2");
        assertTrue(ca.out.endsWith("wrote " + path("ca-root.pem") + "\n"), ca.out);
        assertEquals(2, CertificateLoader.certificates(dir.resolve("ca.pem")).size(), "two intermediates, root left out");
        ok("cert", "issue", "--ca", path("ca"), "--out", path("leaf"), "--cn", "leaf.test", "--san", "DNS:leaf.test");
        Processes.Result verify = Processes.run(dir, openssl, "verify", "-CAfile", "ca-root.pem", "-untrusted", "leaf.pem",
                "leaf.pem");
        assertEquals(0, verify.exit, verify.toString());
    }

    @Test
    void badInputExitsTwoWithOneLineNamingTheFile() throws Exception {
        assertInputError(run("fingerprint", path("missing.pem")), path("missing.pem"));
        Files.writeString(dir.resolve("garbage.pem"), "this is not a certificate\n");
        assertInputError(run("fingerprint", path("garbage.pem")), path("garbage.pem"));
        Files.writeString(dir.resolve("truncated.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
        assertInputError(run("fingerprint", path("truncated.pem")), path("truncated.pem"));
        assertInputError(run("cert", "issue", "--ca", path("noca"), "--out", path("x"), "--cn", "x"), path("noca.pem"));

        ok("cert", "ca", "--out", path("ca"));
        assertInputError(run("cert", "issue", "--ca", path("ca"), "--out", path("x"), "--cn", "x", "--san", "FOO:bar"),
                "--san");
        assertInputError(run("cert", "issue", "--ca", path("ca"), "--out", path("x"), "--cn", "x", "--san", "IP:nohost"),
                "--san");
        assertFalse(Files.exists(dir.resolve("x.pem")), "nothing is written on a bad --san");

        ok("cert", "issue", "--ca", path("ca"), "--out", path("leaf"), "--cn", "leaf");
        assertInputError(run("cert", "issue", "--ca", path("leaf"), "--out", path("x"), "--cn", "x"), "not a CA");
        assertInputError(run("fingerprint", "--algo", "nope", path("ca.pem")), "nope");
    }

    @Test
    void usageErrorsExitTwo() {
        assertInputError(run("fingerprint"), "CERT");
        assertInputError(run("cert"), "cert: ");
        assertInputError(run("cert", "ca"), "--out");
        assertInputError(run("cert", "ca", "--out", path("ca"), "--key", "dsa"), "--key");
        assertInputError(run("cert", "ca", "--out", path("ca"), "--days", "0"), "--days");
        assertInputError(run("no-such-command"), "no-such-command");
    }

    @Test
    void debugAddsTheStackTrace() {
        Run r = run("--debug", "fingerprint", path("missing.pem"));
        assertEquals(Main.USAGE, r.status);
        assertTrue(r.err.startsWith("error: " + path("missing.pem") + ": no such file [bad-input]\n"), r.err);
        assertTrue(r.err.contains("\tat "), r.err);
        Run sub = run("fingerprint", "--debug", path("missing.pem"));
        assertTrue(sub.err.contains("\tat "), "--debug is accepted after the command too: " + sub.err);
    }

    @Test
    void helpWorks() {
        Run top = ok("--help");
        assertTrue(top.out.contains("fingerprint") && top.out.contains("cert"), top.out);
        assertTrue(ok("fingerprint", "--help").out.contains("--pub"));
        assertTrue(ok("cert", "issue", "--help").out.contains("--must-staple"));
        assertTrue(ok("cert", "ca", "-h").out.contains("--intermediates"));
    }

    @Test
    void versionIsThePomsVersion() {
        String pom = System.getProperty("netty-tls.version");
        assertTrue(pom != null && pom.matches("[0-9]+\\.[0-9]+\\.[0-9]+(-SNAPSHOT)?"), "surefire passes the version: " + pom);
        assertEquals("netty-tls " + pom + "\n", ok("--version").out);
    }

    private static void assertInputError(Run r, String mentions) {
        assertEquals(Main.USAGE, r.status, r.toString());
        assertEquals("", r.out, r.toString());
        assertTrue(r.err.startsWith("error: ") && r.err.endsWith("]\n"), r.toString());
        assertEquals(1, r.err.lines().count(), "one line, no stack trace: " + r.err);
        assertTrue(r.err.contains(mentions), "names " + mentions + ": " + r.err);
    }
}
