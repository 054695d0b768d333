package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;
import org.nettytls.testing.Processes;

/**
 * Resumption with real peers: {@code openssl s_client -reconnect} and {@code -sess_out/-sess_in}
 * against a netty-tls server (TLS 1.2 session ids and tickets, TLS 1.3 tickets), a netty-tls
 * client against {@code openssl s_server}, and the key exchange group a GnuTLS client gets.
 */
class SessionInteropTest {
    @TempDir
    static Path dir;
    static HeldCertificate ca;
    static HeldCertificate leaf;
    private final Loopback loop = new Loopback();
    private PeerProcess peer;

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Session Interop CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().dns("localhost").ip("127.0.0.1").signedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("leaf.pem"), leaf.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("leaf.key"), leaf.privateKeyPem(), StandardCharsets.US_ASCII);
    }

    @AfterEach
    void stop() {
        try {
            if (peer != null) {
                peer.close();
            }
        } finally {
            loop.close();
        }
    }

    private int nettyServer(TlsServerOptions.Builder b) throws Exception {
        return loop.server(TlsServerContext.create(b.certificate(leaf.keyMaterial()).build()), s -> { });
    }

    private static int count(String text, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** TLS 1.2 tickets only with {@code sessionTickets(true)}; without, a client that asks for one resumes by session id. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void opensslReconnectResumesTls12ByTicketOnlyWhenTicketsAreOn(boolean tickets) throws Exception {
        String openssl = Interop.require("openssl");
        int port = nettyServer(TlsServerOptions.builder().sessionTickets(tickets));
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-tls1_2", "-reconnect", "-CAfile", "ca.pem", "-servername", "localhost"));
        assertEquals(5, count(r.stdout, "Reused, TLSv1\\.2"), r::toString);
        assertEquals(tickets, r.stdout.contains("TLS session ticket:"), r::toString);
    }

    /** The same with a session saved to a file and offered again ({@code -sess_out}, {@code -sess_in}). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void opensslSessOutCarriesATls12TicketOnlyWhenTicketsAreOn(boolean tickets) throws Exception {
        String openssl = Interop.require("openssl");
        int port = nettyServer(TlsServerOptions.builder().sessionTickets(tickets));
        String file = "s12-" + tickets + ".pem";
        List<String> base = List.of(openssl, "s_client", "-connect", "127.0.0.1:" + port, "-tls1_2", "-CAfile", "ca.pem",
                "-servername", "localhost");
        List<String> first = new ArrayList<>(base);
        first.addAll(List.of("-sess_out", file));
        Processes.Result r1 = Processes.run(dir, Duration.ofSeconds(30), new byte[0], first);
        assertTrue(r1.stdout.contains("New, TLSv1.2"), r1::toString);
        assertEquals(tickets, r1.stdout.contains("TLS session ticket:"), r1::toString);
        List<String> second = new ArrayList<>(base);
        second.addAll(List.of("-sess_in", file));
        Processes.Result r2 = Processes.run(dir, Duration.ofSeconds(30), new byte[0], second);
        assertTrue(r2.stdout.contains("Reused, TLSv1.2"), r2::toString);
    }

    @Test
    void opensslResumesTls13WithATicketAfterARoundTrip() throws Exception {
        String openssl = Interop.require("openssl");
        int port = nettyServer(TlsServerOptions.builder());
        // The ticket arrives after the handshake: wait for the echo before leaving (see PEERS.md).
        peer = PeerProcess.start(dir, openssl, "s_client", "-connect", "127.0.0.1:" + port, "-tls1_3",
                "-CAfile", "ca.pem", "-servername", "localhost", "-sess_out", "s13.pem");
        peer.send("ping-1\n");
        peer.awaitStdout(Pattern.compile("(?s)Verify return code: 0.*ping-1"));
        peer.closeStdin();
        peer.awaitExit();
        Processes.Result second = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-tls1_3", "-CAfile", "ca.pem", "-servername", "localhost",
                "-sess_in", "s13.pem"));
        assertTrue(second.stdout.contains("Reused, TLSv1.3"), second::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1_2", "TLSv1_3"})
    void nettyClientResumesAtOpensslServer(String version) throws Exception {
        String openssl = Interop.require("openssl");
        peer = PeerProcess.start(dir, openssl, "s_server", "-accept", "127.0.0.1:0", "-cert", "leaf.pem",
                "-key", "leaf.key", "-www");
        int port = peer.awaitPort("ACCEPT 127\\.0\\.0\\.1:(\\d+)");
        TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate())
                .protocols(version).build());
        assertFalse(get(tls, port).sessionReused().orElseThrow());
        TlsConnectionInfo second = get(tls, port);
        assertTrue(second.sessionReused().orElseThrow(), "the second connection resumes at s_server");
        assertTrue(second.verification().orElseThrow().isVerified());
    }

    /** One HTTP request to s_server -www (which answers with its status page), so TLS 1.3 tickets arrive. */
    private TlsConnectionInfo get(TlsClientContext tls, int port) throws Exception {
        Side side = loop.client(tls, "localhost", port);
        Channel ch = side.handshake.get();
        TlsConnectionInfo info = TlsConnectionInfo.of(ch);
        Loopback.writeNow(side, "GET / HTTP/1.0\r\n\r\n");
        side.awaitReceived("HTTP/1.0 200 ok");
        side.awaitClosed();
        return info;
    }

    @Test
    void gnutlsWithoutMlKemGetsX25519AndOpensslTooWhileNettyPeersGetTheHybrid() throws Exception {
        String gnutls = Interop.require("gnutls-cli");
        String openssl = Interop.require("openssl");
        int port = nettyServer(TlsServerOptions.builder());
        Processes.Result g = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(gnutls,
                "--x509cafile=ca.pem", "--port", String.valueOf(port), "localhost"));
        assertTrue(g.output().contains("(ECDHE-X25519)"), g::toString);
        Processes.Result o = Processes.run(dir, Duration.ofSeconds(30), new byte[0], List.of(openssl, "s_client",
                "-connect", "127.0.0.1:" + port, "-CAfile", "ca.pem", "-servername", "localhost"));
        assertTrue(o.stdout.contains("Server Temp Key: X25519"), o::toString);
    }
}
