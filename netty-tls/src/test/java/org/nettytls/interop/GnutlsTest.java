package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Processes;
import org.nettytls.testing.Loopback.Side;

/** GnuTLS's {@code gnutls-cli}, a TLS stack independent of OpenSSL and BoringSSL, against a netty-tls server. */
class GnutlsTest {
    @TempDir
    static Path dir;
    static HeldCertificate serverCert;

    private final Loopback loop = new Loopback();
    private PeerProcess gnutls;

    @BeforeAll
    static void pki() throws Exception {
        HeldCertificate root = HeldCertificate.builder().commonName("GnuTLS Interop Root").certificateAuthority(1).build();
        HeldCertificate intermediate = HeldCertificate.builder().commonName("GnuTLS Interop Intermediate")
                .certificateAuthority(0).signedBy(root).build();
        serverCert = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(intermediate).build();
        HeldCertificate otherRoot = HeldCertificate.builder().commonName("Unrelated Root").certificateAuthority(0).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("other-ca.pem"), otherRoot.certificatePem(), StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        try {
            if (gnutls != null) {
                gnutls.close();
            }
        } finally {
            loop.close();
        }
    }

    private int nettyServer(BlockingQueue<Side> accepted) throws Exception {
        return loop.server(TlsServerContext.create(TlsServerOptions.builder().certificate(serverCert.keyMaterial()).build()),
                accepted::add);
    }

    private PeerProcess gnutlsCli(String caFile, int port) {
        String cli = Interop.require("gnutls-cli");
        gnutls = PeerProcess.start(dir, cli, "--x509cafile=" + caFile, "--port", String.valueOf(port), "localhost");
        return gnutls;
    }

    @Test
    void gnutlsVerifiesNettyServerAndGetsItsEcho() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = nettyServer(accepted);
        PeerProcess cli = gnutlsCli("ca.pem", port);
        cli.awaitStdout("Handshake was completed");
        cli.send("hello from gnutls\n");
        // The echo comes back on stdout after the handshake report.
        cli.awaitStdout(Pattern.compile("Handshake was completed[\\s\\S]*hello from gnutls\n"));
        cli.closeStdin();
        assertEquals(0, cli.awaitExit(), cli::describe);
        assertTrue(cli.stdout().contains("The certificate is trusted."), cli::describe);
        assertTrue(cli.stdout().contains("(TLS1.3"), cli::describe);

        Side serverSide = accepted.poll(10, TimeUnit.SECONDS);
        assertNotNull(serverSide, cli::describe);
        assertNull(serverSide.handshakeFailure());
        assertEquals("hello from gnutls\n", serverSide.received.toString());
    }

    @Test
    void gnutlsTrustingAnotherCaRefusesNettyServer() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = nettyServer(accepted);
        PeerProcess cli = gnutlsCli("other-ca.pem", port);
        cli.sendUnlessExited("must never be sent\n");
        int exit = cli.awaitExit();
        assertNotEquals(0, exit, cli::describe);
        assertTrue(cli.stdout().contains("The certificate is NOT trusted"), cli::describe);
        assertFalse(cli.stdout().contains("Handshake was completed"), cli::describe);

        Side serverSide = accepted.poll(10, TimeUnit.SECONDS);
        assertNotNull(serverSide, cli::describe);
        assertNotNull(serverSide.handshakeFailure(), () -> "the server's handshake must fail too\n" + cli.describe());
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString());
    }

    @Test
    void gnutlsServServesAnEcKeyWrittenByHeldCertificate() throws Exception {
        String serv = Interop.require("gnutls-serv");
        String openssl = Interop.require("openssl");
        serverCert.writeTo(dir.resolve("served"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        gnutls = PeerProcess.start(dir, serv, "--echo", "-p", String.valueOf(port), "--x509certfile", "served.pem",
                "--x509keyfile", "served.key");
        awaitListening(port);
        Processes.Result client = Processes.run(dir, Duration.ofSeconds(20), "hello\n".getBytes(StandardCharsets.US_ASCII),
                List.of(openssl, "s_client", "-connect", "127.0.0.1:" + port, "-CAfile", "ca.pem", "-verify_return_error",
                        "-verify_hostname", "localhost"));
        assertEquals(0, client.exit, client::toString);
        assertTrue(client.stdout.contains("Verify return code: 0 (ok)"), client::toString);
        assertTrue(client.stdout.contains("Peer signature type: ECDSA"), client::toString);
    }

    /** gnutls-serv reports listening on stderr, which PeerProcess does not watch: connect until it answers. */
    private void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + Await.EVENT.toNanos();
        while (true) {
            try (Socket probe = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("gnutls-serv did not listen on " + port + ": " + gnutls.describe(), e);
                }
                Thread.sleep(50);
            }
        }
    }
}
