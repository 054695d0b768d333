package org.nettytls.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Loopback;
import org.nettytls.testing.Loopback.Side;

/** netty-tls against the reference itself: Perl's IO::Socket::SSL as client and as server. */
class PerlIoSocketSslTest {
    /**
     * Connects to 127.0.0.1:PORT verifying the server against CA_FILE under the 'http' scheme for
     * the name 'localhost', optionally with a client certificate; sends a line and prints the echo.
     * Exit 2: no connection; exit 3: no echo.
     */
    private static final String CLIENT = """
            use strict;
            use warnings;
            use IO::Socket::SSL;
            my ($port, $ca, $cert, $key) = @ARGV;
            $| = 1;
            alarm 15;
            my $s = IO::Socket::SSL->new(
                PeerAddr => "127.0.0.1:$port",
                SSL_verify_mode => SSL_VERIFY_PEER,
                SSL_ca_file => $ca,
                SSL_hostname => 'localhost',
                SSL_verifycn_scheme => 'http',
                ($cert ? (SSL_cert_file => $cert, SSL_key_file => $key) : ()),
            ) or do { print "CONNECT FAILED: $SSL_ERROR\\n"; exit 2 };
            print "VERSION ", $s->get_sslversion, "\\n";
            print "CIPHER ", $s->get_cipher, "\\n";
            print $s "hello from IO::Socket::SSL\\n";
            my $line = <$s>;
            defined $line or do { print "NO ECHO: ", ($SSL_ERROR || $!), "\\n"; exit 3 };
            print "ECHO $line";
            close $s;
            exit 0;
            """;

    /** Listens on 127.0.0.1 (port printed as "PORT n"), accepts one TLS client, echoes one line, exits. */
    private static final String SERVER = """
            use strict;
            use warnings;
            use IO::Socket::SSL;
            my ($cert, $key) = @ARGV;
            $| = 1;
            alarm 15;
            my $srv = IO::Socket::SSL->new(
                LocalAddr => '127.0.0.1',
                LocalPort => 0,
                Listen => 1,
                SSL_server => 1,
                SSL_cert_file => $cert,
                SSL_key_file => $key,
            ) or die "LISTEN FAILED: $SSL_ERROR $!\\n";
            print "PORT ", $srv->sockport, "\\n";
            my $c = $srv->accept or do { print "ACCEPT FAILED: $SSL_ERROR\\n"; exit 2 };
            print "VERSION ", $c->get_sslversion, "\\n";
            my $line = <$c>;
            defined $line or do { print "NO LINE: ", ($SSL_ERROR || $!), "\\n"; exit 3 };
            print "GOT $line";
            print $c $line;
            close $c;
            exit 0;
            """;

    @TempDir
    static Path dir;
    static HeldCertificate root;
    static HeldCertificate intermediate;
    static HeldCertificate serverCert;
    static HeldCertificate clientCert;
    static HeldCertificate otherRoot;

    private final Loopback loop = new Loopback();
    private PeerProcess perl;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().commonName("Perl Interop Root").certificateAuthority(1).build();
        intermediate = HeldCertificate.builder().commonName("Perl Interop Intermediate").certificateAuthority(0)
                .signedBy(root).build();
        serverCert = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(intermediate).build();
        clientCert = HeldCertificate.builder().commonName("perl client").extendedKeyUsage(HeldCertificate.CLIENT_AUTH)
                .signedBy(intermediate).build();
        otherRoot = HeldCertificate.builder().commonName("Unrelated Root").certificateAuthority(0).build();
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("other-ca.pem"), otherRoot.certificatePem(), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("client.pl"), CLIENT, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("server.pl"), SERVER, StandardCharsets.UTF_8);
        serverCert.writeTo(dir.resolve("server"));
        clientCert.writeTo(dir.resolve("client"));
    }

    @AfterEach
    void stop() {
        try {
            if (perl != null) {
                perl.close();
            }
        } finally {
            loop.close();
        }
    }

    private int nettyServer(TlsServerOptions.Builder options, BlockingQueue<Side> accepted) throws TlsException {
        return nettyServer(options, accepted, new CompletableFuture<>());
    }

    /** A netty-tls echo server; {@code clientCertificate} gets the certificate a client presented. */
    private int nettyServer(TlsServerOptions.Builder options, BlockingQueue<Side> accepted,
                            CompletableFuture<Certificate> clientCertificate) throws TlsException {
        TlsServerContext tls = TlsServerContext.create(options.certificate(serverCert.keyMaterial()).build());
        return loop.server(tls, side -> {
            // Read while the handshake completes: once the connection closes, the pipeline is empty.
            side.handshake.thenAccept(ch -> {
                try {
                    Certificate[] peer = ch.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
                    clientCertificate.complete(peer[0]);
                } catch (SSLPeerUnverifiedException e) {
                    clientCertificate.completeExceptionally(e);
                }
            });
            accepted.add(side);
        });
    }

    private PeerProcess perlClient(int port, String caFile, boolean withCertificate) {
        String perlPath = Interop.requirePerlIoSocketSsl();
        List<String> command = new ArrayList<>(List.of(perlPath, "client.pl", String.valueOf(port), caFile));
        if (withCertificate) {
            command.addAll(List.of("client.pem", "client.key"));
        }
        perl = PeerProcess.start(dir, command);
        return perl;
    }

    private static Side accepted(BlockingQueue<Side> queue, PeerProcess peer) throws InterruptedException {
        Side side = queue.poll(10, TimeUnit.SECONDS);
        assertNotNull(side, () -> "the Perl client never connected\n" + peer.describe());
        return side;
    }

    @Test
    void perlClientVerifiesNettyServerAndGetsItsEcho() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = nettyServer(TlsServerOptions.builder(), accepted);
        PeerProcess client = perlClient(port, "ca.pem", false);
        int exit = client.awaitExit();
        assertEquals(0, exit, client::describe);
        assertTrue(client.stdout().contains("ECHO hello from IO::Socket::SSL\n"), client::describe);
        assertTrue(client.stdout().contains("VERSION TLSv1_3"), client::describe);
        assertTrue(client.stdout().contains("CIPHER TLS_"), client::describe);
        assertEquals("hello from IO::Socket::SSL\n", accepted(accepted, client).received.toString());
    }

    @Test
    void perlClientTrustingAnotherCaRefusesNettyServer() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = nettyServer(TlsServerOptions.builder(), accepted);
        PeerProcess client = perlClient(port, "other-ca.pem", false);
        int exit = client.awaitExit();
        assertEquals(2, exit, client::describe);
        assertTrue(client.stdout().contains("certificate verify failed"), client::describe);
        Side serverSide = accepted(accepted, client);
        // OpenSSL's client refuses the chain before it has switched to its handshake keys, so its
        // unknown_ca alert goes out unencrypted; BoringSSL already expects encrypted records and
        // reports BAD_PACKET_LENGTH rather than the alert. The handshake fails either way.
        assertNotNull(serverSide.handshakeFailure(), () -> "the server's handshake must fail too\n" + client.describe());
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString());
    }

    @Test
    void perlClientWithCertificateIsAcceptedByRequiringServer() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        CompletableFuture<Certificate> presented = new CompletableFuture<>();
        int port = nettyServer(TlsServerOptions.builder().verifyMode(VerifyMode.REQUIRE)
                .caCertificates(root.certificate()), accepted, presented);
        PeerProcess client = perlClient(port, "ca.pem", true);
        int exit = client.awaitExit();
        assertEquals(0, exit, client::describe);
        assertTrue(client.stdout().contains("ECHO hello from IO::Socket::SSL\n"), client::describe);

        Side serverSide = accepted(accepted, client);
        assertNull(serverSide.handshakeFailure());
        assertEquals("hello from IO::Socket::SSL\n", serverSide.received.toString());
        assertEquals(clientCert.certificate(), presented.get(10, TimeUnit.SECONDS),
                "the server must have seen the Perl client's certificate");
    }

    @Test
    void perlClientWithoutCertificateIsRefusedByRequiringServer() throws Exception {
        BlockingQueue<Side> accepted = new LinkedBlockingQueue<>();
        int port = nettyServer(TlsServerOptions.builder().verifyMode(VerifyMode.REQUIRE)
                .caCertificates(root.certificate()), accepted);
        PeerProcess client = perlClient(port, "ca.pem", false);
        Side serverSide = accepted(accepted, client);
        TlsException refused = TlsException.classify(serverSide.handshakeFailure());
        assertEquals(TlsErrorCode.PEER_CERT_MISSING, refused.code(), () -> refused + "\n" + client.describe());

        // In TLS 1.3 the client finishes its side before the server refuses, so Perl connects,
        // and then learns of the refusal when it reads.
        int exit = client.awaitExit();
        assertNotEquals(0, exit, client::describe);
        assertFalse(client.stdout().contains("ECHO hello"), client::describe);
        serverSide.awaitClosed();
        assertEquals("", serverSide.received.toString(), "a refused client's data must not reach the application");
    }

    @Test
    void nettyClientTalksToPerlServer() throws Exception {
        String perlPath = Interop.requirePerlIoSocketSsl();
        perl = PeerProcess.start(dir, perlPath, "server.pl", "server.pem", "server.key");
        int port = perl.awaitPort("PORT (\\d+)");
        Side client = loop.client(TlsClientContext.create(TlsClientOptions.builder().caFile(dir.resolve("ca.pem")).build()),
                "localhost", port);
        Throwable failure = client.handshakeFailure();
        assertNull(failure, () -> "handshake failed: " + failure + "\n" + perl.describe());
        Loopback.writeNow(client, "hello from netty-tls\n");
        client.awaitReceived("hello from netty-tls\n");
        assertEquals(0, perl.awaitExit(), perl::describe);
        assertTrue(perl.stdout().contains("GOT hello from netty-tls\n"), perl::describe);
        assertTrue(perl.stdout().contains("VERSION TLSv1_3"), perl::describe);
    }
}
