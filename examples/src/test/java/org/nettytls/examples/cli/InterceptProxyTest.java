package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * {@code intercept-proxy} between curl (and openssl s_client) and a local HTTPS upstream (the
 * JDK's HTTPS server): the page comes through under a minted certificate, and an upstream that
 * does not verify, or a client asking for another name, gets no minted certificate.
 */
class InterceptProxyTest {
    private static final String PAGE = "hello from the real upstream\n";

    @TempDir
    Path dir;

    private HeldCertificate realCa;
    private HttpsServer upstream;
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void pki() throws Exception {
        HeldCertificate proxyCa = HeldCertificate.builder().commonName("Intercepting Proxy CA").certificateAuthority(0).build();
        proxyCa.writeTo(dir.resolve("proxy-ca"));
        realCa = HeldCertificate.builder().commonName("Real CA").certificateAuthority(0).build();
        Files.writeString(dir.resolve("real-ca.pem"), realCa.certificatePem());
    }

    @AfterEach
    void stop() {
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    @Test
    void curlGetsThePageUnderACertificateMintedForTheVerifiedName() throws Exception {
        String curl = Interop.require("curl");
        int up = startUpstream(HeldCertificate.builder().commonName("real localhost").dns("localhost").signedBy(realCa).build());
        RunningCommand proxy = intercept(1);
        Processes.Result r = curlThrough(curl, proxy, up);
        assertEquals(0, r.exit, r::toString);
        assertEquals(PAGE, r.stdout);
        // curl trusts only the proxy CA, and says who issued what it got.
        assertTrue(r.stderr.contains("issuer: CN=Intercepting Proxy CA"), r::toString);
        String out = proxy.finish();
        assertTrue(out.contains("CONNECT localhost:" + up + " from 127.0.0.1:") && out.contains("upstream verified as CN=real localhost"), out);
        assertTrue(out.matches("(?s).*relay \\S+ <-> \\S+ closed: \\d+ bytes to upstream, \\d+ bytes to client.*"), out);
    }

    @Test
    void anUpstreamThatDoesNotVerifyGetsA502AndNoMintedCertificate() throws Exception {
        String curl = Interop.require("curl");
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Unknown CA").certificateAuthority(0).build();
        int up = startUpstream(HeldCertificate.builder().commonName("impostor").dns("localhost").signedBy(otherCa).build());
        RunningCommand proxy = intercept(1);
        Processes.Result r = curlThrough(curl, proxy, up);
        assertNotEquals(0, r.exit, r::toString);
        assertTrue(r.stderr.contains("HTTP/1.1 502 Bad Gateway"), r::toString);
        assertFalse(r.stderr.contains("Intercepting Proxy CA"), () -> "curl saw a minted certificate: " + r);
        String out = proxy.finish();
        assertTrue(out.contains("CONNECT localhost:" + up + " from 127.0.0.1:") && out.contains("[untrusted-chain]"), out);
        assertEquals(0, requests.get());
    }

    @Test
    void anUpstreamWithTheWrongNameIsRefusedToo() throws Exception {
        String curl = Interop.require("curl");
        int up = startUpstream(HeldCertificate.builder().commonName("elsewhere").dns("elsewhere.test").signedBy(realCa).build());
        RunningCommand proxy = intercept(1);
        Processes.Result r = curlThrough(curl, proxy, up);
        assertNotEquals(0, r.exit, r::toString);
        assertTrue(r.stderr.contains("HTTP/1.1 502 Bad Gateway"), r::toString);
        assertTrue(proxy.finish().contains("[hostname-mismatch]"));
    }

    @Test
    void aClientAskingForAnotherNameThanItsConnectGetsNoCertificate() throws Exception {
        String openssl = Interop.require("openssl");
        int up = startUpstream(HeldCertificate.builder().commonName("real localhost").dns("localhost").signedBy(realCa).build());
        RunningCommand proxy = intercept(1);
        // The tunnel goes to the verified localhost; the ClientHello asks for a name nobody verified.
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                "-proxy", "127.0.0.1:" + proxy.port, "-connect", "localhost:" + up, "-servername", "victim.test",
                "-CAfile", "proxy-ca.pem", "-verify_return_error"));
        assertNotEquals(0, r.exit, r::toString);
        assertTrue(r.output().contains("unrecognized name"), r::toString);
        assertFalse(r.output().contains("Intercepting Proxy CA"), r::toString);
        String out = proxy.finish();
        assertTrue(out.contains("victim.test refused: "), out);
        assertEquals(0, requests.get());
    }

    @Test
    void onlyConnectIsServed() throws Exception {
        String curl = Interop.require("curl");
        RunningCommand proxy = intercept(1);
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "-i",
                "--proxy", "http://127.0.0.1:" + proxy.port, "http://localhost:1/"));
        assertTrue(r.stdout.startsWith("HTTP/1.1 405 Method Not Allowed"), r::toString);
        assertTrue(r.stdout.contains("only tunnels TLS with CONNECT, not GET"), r::toString);
        proxy.finish();
    }

    private RunningCommand intercept(int naccept) {
        return intercept(naccept, "localhost:*");
    }

    private RunningCommand intercept(int naccept, String allow) {
        return new RunningCommand("intercept-proxy", "--listen", "127.0.0.1:0", "--naccept", String.valueOf(naccept),
                "--ca", dir.resolve("proxy-ca").toString(), "--upstream-ca", dir.resolve("real-ca.pem").toString(), "--allow", allow);
    }

    /** Sends {@code CONNECT target} to the proxy as a raw client and returns its whole answer. */
    private static String connect(RunningCommand proxy, String target) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxy.port)) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aDestinationOffTheAllowListGets403AndNoConnection() throws Exception {
        try (java.net.ServerSocket internal = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            RunningCommand proxy = intercept(2, "localhost:1");
            String answer = connect(proxy, "127.0.0.1:" + internal.getLocalPort());
            assertTrue(answer.startsWith("HTTP/1.1 403 Forbidden\r\n"), answer);
            assertTrue(connect(proxy, "localhost:" + internal.getLocalPort()).startsWith("HTTP/1.1 403 Forbidden\r\n"));
            internal.setSoTimeout(200);
            assertThrows(java.net.SocketTimeoutException.class, internal::accept, "the proxy connected to a destination not allowed");
            String out = proxy.finish();
            assertTrue(out.contains("allowed destinations: localhost:1") && out.contains("refused: not an allowed destination"), out);
        }
    }

    /**
     * An internal port scanner through the proxy: a closed port, a port that speaks something else
     * than TLS, and a TLS port whose certificate does not verify all get the same 502, byte for
     * byte; only the proxy's log tells them apart.
     */
    @Test
    void closedPortsAndNonTlsPortsGetTheSame502() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Unknown CA").certificateAuthority(0).build();
        int untrusted = startUpstream(HeldCertificate.builder().dns("localhost").signedBy(otherCa).build());
        try (java.net.ServerSocket ssh = new java.net.ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread banner = new Thread(() -> {
                try (java.net.Socket c = ssh.accept()) {
                    c.getOutputStream().write("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".getBytes(StandardCharsets.US_ASCII));
                    c.getInputStream().read(new byte[4096]);
                } catch (java.io.IOException e) {
                    // the proxy hung up
                }
            });
            banner.setDaemon(true);
            banner.start();
            RunningCommand proxy = intercept(3, "localhost:*");
            String refused = connect(proxy, "localhost:" + closed);
            String notTls = connect(proxy, "localhost:" + ssh.getLocalPort());
            String notVerified = connect(proxy, "localhost:" + untrusted);
            assertTrue(refused.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), refused);
            assertEquals(refused, notTls);
            assertEquals(refused, notVerified);
            String out = proxy.finish();
            assertTrue(out.contains("[untrusted-chain]"), out);
        }
    }

    @Test
    void theHelpSaysItMustNotFaceUntrustedNetworks() {
        java.io.StringWriter out = new java.io.StringWriter();
        Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(new java.io.StringWriter(), true), "intercept-proxy", "--help");
        assertTrue(out.toString().contains("it must not face untrusted networks"), out::toString);
        assertTrue(out.toString().contains("--allow=HOST:PORT"), out::toString);
    }

    /** curl through the proxy to {@code https://localhost:UP/}, trusting only the proxy CA, verbose. */
    private Processes.Result curlThrough(String curl, RunningCommand proxy, int up) {
        return Processes.run(dir, Duration.ofSeconds(30), null, List.of(curl, "-sS", "-v",
                "--proxy", "http://127.0.0.1:" + proxy.port, "--cacert", "proxy-ca.pem", "https://localhost:" + up + "/"));
    }

    /** The JDK's HTTPS server on 127.0.0.1 with {@code leaf}; returns its port. */
    private int startUpstream(HeldCertificate leaf) throws Exception {
        KeyMaterial m = leaf.keyMaterial();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("leaf", m.key(), new char[0], m.chain().toArray(new X509Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        upstream = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.setHttpsConfigurator(new HttpsConfigurator(tls));
        upstream.createContext("/", x -> {
            requests.incrementAndGet();
            byte[] page = PAGE.getBytes(StandardCharsets.US_ASCII);
            x.getResponseHeaders().add("Connection", "close");
            x.sendResponseHeaders(200, page.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(page);
            }
        });
        upstream.start();
        return upstream.getAddress().getPort();
    }
}
