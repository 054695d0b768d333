package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.PasswordCallback;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;

/**
 * Certificates and keys made by the openssl command line, loaded with {@code certificateFile},
 * must not only parse (CertificateLoaderTest checks that) but serve TLS: a netty-tls server
 * configured from each file is verified by {@code openssl s_client -verify_return_error}.
 */
class OpensslFilesTest {
    private static final String PASS = "files-test-secret";

    @TempDir
    static Path dir;
    static String openssl;

    private final Loopback loop = new Loopback();

    @BeforeAll
    static void files() {
        openssl = Interop.require("openssl");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=OpenSSL Files CA", "-days", "2",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        // The server certificate for every case, from `openssl req` signing with the CA.
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "server.key", "-out", "server.pem", "-subj", "/CN=localhost", "-days", "2",
                "-CA", "ca.pem", "-CAkey", "ca.key",
                "-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=CA:FALSE");
    }

    @AfterEach
    void stop() {
        loop.close();
    }

    private static String openssl(String... args) {
        List<String> command = new ArrayList<>();
        command.add(openssl);
        command.addAll(List.of(args));
        return Processes.run(dir, Duration.ofSeconds(30), new byte[0], command).expectSuccess().output();
    }

    /**
     * Serves TLS from {@code options} and lets {@code openssl s_client} connect to it, verifying
     * the chain against the CA and the name localhost; returns s_client's output.
     */
    private String servedAndVerified(TlsServerOptions.Builder options) throws Exception {
        int port = loop.server(TlsServerContext.create(options.build()), side -> { });
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(20), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-servername", "localhost", "-verify_hostname", "localhost",
                "-CAfile", "ca.pem", "-verify_return_error"));
        assertEquals(0, r.exit, r::toString);
        assertTrue(r.stdout.contains("Verify return code: 0 (ok)"), r::toString);
        assertTrue(r.stdout.contains("subject=CN = localhost"), r::toString);
        return r.stdout;
    }

    @Test
    void certificateAndKeyFromOpensslReq() throws Exception {
        servedAndVerified(TlsServerOptions.builder().certificateFile(dir.resolve("server.pem"), dir.resolve("server.key")));
    }

    @Test
    void aes256EncryptedKeyFromGenpkeyWithPasswordCallback() throws Exception {
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "pass:" + PASS,
                "-out", "rsa-enc.key");
        openssl("req", "-x509", "-key", "rsa-enc.key", "-passin", "pass:" + PASS, "-out", "rsa.pem",
                "-subj", "/CN=localhost", "-days", "2", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=CA:FALSE");
        String out = servedAndVerified(TlsServerOptions.builder()
                .certificateFile(dir.resolve("rsa.pem"), dir.resolve("rsa-enc.key"))
                .passwordCallback(PasswordCallback.of(PASS)));
        assertTrue(out.contains("Server public key is 2048 bit"), "the RSA key must be the one served:\n" + out);
    }

    @Test
    void pkcs12DefaultAlgorithmsWithPassword() throws Exception {
        pkcs12("default-pass.p12", "pass:" + PASS);
        servedAndVerified(TlsServerOptions.builder().certificateFile(dir.resolve("default-pass.p12"))
                .passwordCallback(PasswordCallback.of(PASS)));
    }

    @Test
    void pkcs12DefaultAlgorithmsWithoutPassword() throws Exception {
        pkcs12("default-nopass.p12", "pass:");
        servedAndVerified(TlsServerOptions.builder().certificateFile(dir.resolve("default-nopass.p12")));
    }

    @Test
    void pkcs12LegacyAlgorithmsWithPassword() throws Exception {
        pkcs12("legacy-pass.p12", "pass:" + PASS, "-legacy");
        servedAndVerified(TlsServerOptions.builder().certificateFile(dir.resolve("legacy-pass.p12"))
                .passwordCallback(PasswordCallback.of(PASS)));
    }

    @Test
    void pkcs12LegacyAlgorithmsWithoutPassword() throws Exception {
        pkcs12("legacy-nopass.p12", "pass:", "-legacy");
        servedAndVerified(TlsServerOptions.builder().certificateFile(dir.resolve("legacy-nopass.p12")));
    }

    /** {@code openssl pkcs12 -export} of the server certificate, its key and the CA. */
    private static void pkcs12(String out, String passout, String... extra) {
        List<String> args = new ArrayList<>(List.of("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key",
                "-certfile", "ca.pem", "-passout", passout, "-out", out));
        args.addAll(List.of(extra));
        openssl(args.toArray(new String[0]));
    }
}
