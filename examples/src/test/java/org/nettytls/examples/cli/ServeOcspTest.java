package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * {@code serve --ocsp-staple} against a real {@code openssl ocsp} responder (delegated
 * responder, index kept by {@code openssl ca}), judged by {@code openssl s_client -status},
 * {@code gnutls-cli --ocsp}, {@code curl --cert-status} and {@code probe}: each key type of a name
 * gets its own staple under TLS 1.2 and 1.3, a revoked certificate is never stapled, and
 * {@code --upstream} staples the same way.
 */
class ServeOcspTest {
    @TempDir
    Path dir;
    OcspPki pki;

    @BeforeEach
    void pki() throws Exception {
        pki = new OcspPki(dir, false);
        pki.leaf("rsa", "localhost", 0x1001, false, false);
        pki.leaf("ec", "localhost", 0x1004, true, false);
        pki.leaf("revoked", "revoked.test", 0x1002, false, true);
        pki.leaf("renewed", "localhost", 0x1005, false, false);
        pki.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        pki.close();
    }

    private Processes.Result sClient(int port, String name, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(pki.openssl, "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", name, "-CAfile", "root.pem", "-status"));
        cmd.addAll(List.of(extra));
        return Processes.run(dir, Duration.ofSeconds(20), new byte[0], cmd);
    }

    @Test
    void staplesEachCertificateWithItsOwnResponseAndNeverARevokedOne() throws Exception {
        RunningCommand serve = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--echo", "--naccept", "7",
                "--ocsp-staple", "--ocsp-dir", pki.path("staples"),
                "--cert", "localhost=" + pki.path("rsa.pem") + "," + pki.path("rsa.key"),
                "--cert", "localhost%ecc=" + pki.path("ec.pem") + "," + pki.path("ec.key"),
                "--cert", "revoked.test=" + pki.path("revoked.pem") + "," + pki.path("revoked.key"),
                "--cert", "default=" + pki.path("rsa.pem") + "," + pki.path("rsa.key"));
        String log = serve.out.toString();
        assertTrue(log.contains("ocsp: fetched CN=localhost (serial 1001): good"), log);
        assertTrue(log.contains("ocsp: fetched CN=localhost (serial 1004): good"), log);
        assertTrue(log.contains("ocsp: failed CN=revoked.test (serial 1002): revoked"), log);
        assertTrue(log.contains("handshakes go out without a staple for revoked.test (CN=revoked.test)"), log);
        assertTrue(log.indexOf("ocsp: fetched CN=localhost (serial 1001)") < log.indexOf("listening on"),
                "fetched before accepting: " + log);
        assertEquals(2, Files.list(dir.resolve("staples")).count(), "the two good responses are kept");

        // The serial in the staple's certID says whose response it is.
        String[][] cases = {
            {"1001", "2048", "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"},
            {"1004", "256", "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"},
            {"1001", "2048", "-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"},
            {"1004", "256", "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256"},
        };
        for (String[] c : cases) {
            Processes.Result r = sClient(serve.port, "localhost", c[2], c[3], c[4]);
            Supplier<String> what = () -> String.join(" ", c) + ":\n" + r.output();
            assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), what);
            assertTrue(r.stdout.contains("Server public key is " + c[1] + " bit"), what);
            assertTrue(r.stdout.contains("Cert Status: good"), what);
            assertTrue(r.stdout.contains("Serial Number: " + c[0]), what);
        }

        String gnutls = Interop.require("gnutls-cli");
        Processes.Result g = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(gnutls,
                "--x509cafile=root.pem", "--port=" + serve.port, "--ocsp", "--save-ocsp=gnutls.der", "localhost"));
        assertTrue(g.output().contains("Handshake was completed"), g::output);
        assertTrue(!g.output().contains("revoked"), g::output);
        assertTrue(Files.size(dir.resolve("gnutls.der")) > 0, () -> "gnutls-cli got a staple: " + g.output());

        Processes.Result revoked = sClient(serve.port, "revoked.test");
        assertTrue(revoked.stdout.contains("OCSP response: no response sent"), revoked::output);
        assertTrue(!revoked.stdout.contains("Cert Status: good"), revoked::output);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "probe", "localhost:" + serve.port,
                "--ca", pki.path("root.pem"), "--ocsp", "must-staple");
        assertEquals(Main.OK, status, () -> out + "\n" + err);
        assertTrue(out.toString().contains("ocsp:         good (staple"), out::toString);

        String done = serve.finish();
        assertTrue(done.contains(" localhost -> CN=localhost (EC"), done);
    }

    @Test
    void aCertificateRenewedWhileServingIsStapledAfterTheReloadWithoutARestart() throws Exception {
        Path cert = dir.resolve("served.pem");
        Path key = dir.resolve("served.key");
        Files.copy(dir.resolve("rsa.pem"), cert);
        Files.copy(dir.resolve("rsa.key"), key);
        RunningCommand serve = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--echo", "--naccept", "2",
                "--ocsp-staple", "--watch", "1", "--cert", "localhost=" + cert + "," + key);
        Processes.Result before = sClient(serve.port, "localhost", "-tls1_3");
        assertTrue(before.stdout.contains("Cert Status: good") && before.stdout.contains("Serial Number: 1001"),
                before::output);

        // The renewal, as a deployment tool writes it: each file replaced whole (the key first).
        replace(dir.resolve("renewed.key"), key);
        replace(dir.resolve("renewed.pem"), cert);
        serve.awaitOutput(Duration.ofSeconds(30), "ocsp: fetched CN=localhost (serial 1005): good",
                "ocsp: new certificate localhost (CN=localhost, serial 1005)",
                "ocsp: no longer served, not refreshed any more: localhost (CN=localhost, serial 1001)");
        serve.awaitOutput(Duration.ofSeconds(30), "reloaded certificates");

        Processes.Result after = sClient(serve.port, "localhost", "-tls1_3");
        Supplier<String> what = () -> after.output() + "\n" + serve.out;
        assertTrue(after.stdout.contains("Verify return code: 0 (ok)"), what);
        assertTrue(after.stdout.contains("Cert Status: good"), what);
        assertTrue(after.stdout.contains("Serial Number: 1005"), () -> "the new certificate's own response: " + what.get());
        assertTrue(!after.stdout.contains("Serial Number: 1001"), what);
        String done = serve.finish();
        assertTrue(!done.contains("ocsp: refreshed CN=localhost (serial 1001)"), done);
    }

    private static void replace(Path from, Path to) throws Exception {
        Path tmp = to.resolveSibling(to.getFileName() + ".new");
        Files.copy(from, tmp);
        Files.move(tmp, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void upstreamStaplesTheSameWayAndCurlChecksIt() throws Exception {
        String curl = Interop.require("curl");
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/", x -> {
            byte[] body = "upstream ok\n".getBytes(StandardCharsets.US_ASCII);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        http.start();
        try {
            RunningCommand serve = new RunningCommand("serve", "--listen", "127.0.0.1:0", "--naccept", "2",
                    "--upstream", "127.0.0.1:" + http.getAddress().getPort(), "--ocsp-staple",
                    "--cert", "default=" + pki.path("rsa.pem") + "," + pki.path("rsa.key"),
                    "--cert", "default%ecc=" + pki.path("ec.pem") + "," + pki.path("ec.key"));
            Processes.Result c = Processes.run(dir, curl, "-sS", "--cacert", "root.pem", "--cert-status",
                    "--resolve", "localhost:" + serve.port + ":127.0.0.1", "https://localhost:" + serve.port + "/");
            assertEquals(0, c.exit, c::output);
            assertEquals("upstream ok\n", c.stdout);
            Processes.Result r = sClient(serve.port, "localhost", "-tls1_3", "-sigalgs", "ecdsa_secp256r1_sha256");
            assertTrue(r.stdout.contains("Serial Number: 1004") && r.stdout.contains("Cert Status: good"), r::output);
            serve.finish();
        } finally {
            http.stop(0);
        }
    }

    @Test
    void ocspOptionsWithoutStaplingAndACertificateWithoutItsIssuerAreUsageErrors() throws Exception {
        String chain = Files.readString(dir.resolve("rsa.pem"));
        Files.writeString(dir.resolve("leaf-only.pem"), chain.substring(0, chain.indexOf("-----END CERTIFICATE-----") + 26));
        String[][] cases = {
            {"--ocsp-dir needs --ocsp-staple", "--ocsp-dir", pki.path("x")},
            {"leaf-only.pem holds only the certificate", "--ocsp-staple"},
            {"OCSP is asked over http://", "--ocsp-staple", "--ocsp-url", "https://127.0.0.1/"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0", "--echo",
                    "--cert", "default=" + pki.path("leaf-only.pem") + "," + pki.path("rsa.key")));
            args.addAll(List.of(c).subList(1, c.length));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(new String[0]));
            assertEquals(Main.USAGE, status, () -> out + "\n" + err);
            assertTrue(err.toString().contains(c[0]), err::toString);
            assertEquals("", out.toString(), "nothing started before the error");
        }
    }
}
