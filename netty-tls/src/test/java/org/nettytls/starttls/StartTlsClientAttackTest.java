package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * A server (or a man in the middle) injects responses behind the positive answer, or strips the
 * upgrade: the client must abort before anything of its own goes out (libetpan CVE-2020-15953,
 * curl CVE-2021-22947, STARTTLS stripping).
 */
class StartTlsClientAttackTest {
    static HeldCertificate ca;
    static TlsClientContext client;
    static TlsServerContext server;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate cert = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build(), StartTlsProtocol.SMTP.hostnameScheme());
        server = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build());
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Connects a STARTTLS client for {@code protocol} to {@code port}; returns its upgrade future. */
    Future<Channel> connect(StartTlsProtocol protocol, TlsClientContext tls, int port) {
        StartTlsClient helper = new StartTlsClient(protocol, tls, "localhost", port);
        new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new StartTlsHandler(protocol.clientFraming()), helper);
            }
        }).connect("127.0.0.1", port).syncUninterruptibly();
        return helper.upgradeFuture();
    }

    static TlsException failure(Future<Channel> f) {
        assertTrue(f.awaitUninterruptibly(15, TimeUnit.SECONDS), "upgrade neither finished nor failed");
        assertFalse(f.isSuccess(), "expected the upgrade to fail");
        TlsException e = TlsException.find(f.cause());
        if (e == null) {
            throw new AssertionError("expected a TlsException, found " + f.cause(), f.cause());
        }
        return e;
    }

    /**
     * A scripted server: each {@code |}-separated step is "expect a line starting with X, then
     * send Y" ({@code X>Y}, {@code \n} for CRLF); returns everything the client sent after the
     * script ended, until it closed.
     */
    static CompletableFuture<String> script(ServerSocket listen, String greeting, String... steps) {
        return CompletableFuture.supplyAsync(() -> {
            try (EnginePeer peer = EnginePeer.accept(listen)) {
                if (!greeting.isEmpty()) {
                    peer.writePlain(greeting.replace("\\n", "\r\n"));
                }
                for (String step : steps) {
                    String[] io = step.split(">", 2);
                    String line = peer.readPlainLine();
                    assertTrue(line.startsWith(io[0]), "expected '" + io[0] + "', found '" + line + "'");
                    peer.writePlain(io[1].replace("\\n", "\r\n"));
                }
                return peer.drainUntilClosed();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = ';', value = {
        "SMTP; 220 hi\\n; EHLO>250-hi\\n250 STARTTLS\\n; STARTTLS>220 Ready\\n250-evil\\n250 AUTH LOGIN\\n",
        "IMAP; * OK hi\\n; a001 CAPABILITY>* CAPABILITY IMAP4rev1 STARTTLS\\na001 OK\\n; a002 STARTTLS>a002 OK begin TLS\\nB OK injected\\n",
        "POP3; +OK hi\\n; CAPA>+OK\\nSTLS\\n.\\n; STLS>+OK Begin\\n+OK\\nPLAIN\\n.\\n",
    })
    void responseInjectedBehindThePositiveAnswerAborts(String protocol, String greeting, String caps, String injection) throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> seen = script(listen, greeting, caps, injection);
            TlsException e = failure(connect(BuiltInProtocol.valueOf(protocol), client, listen.getLocalPort()));
            assertEquals(TlsErrorCode.PLAINTEXT_AFTER_UPGRADE, e.code(), e.toString());
            // Only a ClientHello (a TLS handshake record) may have left the client.
            String after = seen.get(15, TimeUnit.SECONDS);
            assertTrue(after.isEmpty() || after.charAt(0) == 0x16, "expected at most a ClientHello, found " + after);
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = ';', value = {
        "SMTP; 220 hi\\n; EHLO>250-hi\\n250 AUTH LOGIN\\n; ",
        "SMTP; 220 hi\\n; EHLO>250-hi\\n250 STARTTLS\\n; STARTTLS>502 5.5.1 not implemented\\n",
        "SMTP; 220 hi\\n; EHLO>250-hi\\n250 STARTTLS\\n; STARTTLS>454 4.7.0 TLS not available\\n",
        "IMAP; * OK hi\\n; a001 CAPABILITY>* CAPABILITY IMAP4rev1 STARTTLS\\na001 OK\\n; a002 STARTTLS>a002 BAD no\\n",
        "IMAP; * OK hi\\n; a001 CAPABILITY>* CAPABILITY IMAP4rev1 STARTTLS\\na001 OK\\n; a002 STARTTLS>a002 NO no\\n",
        "IMAP; * PREAUTH welcome\\n; ; ",
        "IMAP; * OK hi\\n; a001 CAPABILITY>* CAPABILITY IMAP4rev1 AUTH=PLAIN\\na001 OK\\n; ",
        "POP3; +OK hi\\n; CAPA>+OK\\nUSER\\n.\\n; ",
        "FTP; 220 hi\\n; AUTH TLS>500 unknown\\n; ",
        "NNTP; 200 hi\\n; CAPABILITIES>101 caps\\nVERSION 2\\n.\\n; ",
    })
    void strippedOrRefusedUpgradeAbortsBeforeAnyCredentials(String protocol, String greeting, String first, String second) throws Exception {
        try (ServerSocket listen = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String[] steps = second != null ? new String[] {first, second} : first != null ? new String[] {first} : new String[0];
            CompletableFuture<String> seen = script(listen, greeting, steps);
            TlsException e = failure(connect(BuiltInProtocol.valueOf(protocol), client, listen.getLocalPort()));
            assertEquals(TlsErrorCode.STARTTLS_REFUSED, e.code(), e.toString());
            assertEquals("", seen.get(15, TimeUnit.SECONDS), "the client sent more after the refusal");
        }
    }

    @Test
    void failedHandshakeNeverFallsBackToPlaintext() throws Exception {
        HeldCertificate otherCa = HeldCertificate.builder().commonName("Other CA").certificateAuthority(0).build();
        TlsClientContext wrongTrust = TlsClientContext.create(TlsClientOptions.builder().caCertificates(otherCa.certificate()).build());
        try (ProtocolTestServer s = new ProtocolTestServer(StartTlsProtocol.SMTP, server, StartTlsHandler.PlaintextPolicy.FAIL)) {
            Future<Channel> f = connect(StartTlsProtocol.SMTP, wrongTrust, s.port());
            TlsException e = failure(f);
            assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, e.code(), e.toString());
        }
    }

    @Test
    void everyProtocolUpgradesAgainstItsTestServer() throws Exception {
        for (StartTlsProtocol p : BuiltInProtocol.values()) {
            try (ProtocolTestServer s = new ProtocolTestServer(p, server, StartTlsHandler.PlaintextPolicy.FAIL)) {
                Future<Channel> f = connect(p, TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build(),
                        p.hostnameScheme()), s.port());
                assertTrue(f.awaitUninterruptibly(15, TimeUnit.SECONDS), p + ": no upgrade");
                assertTrue(f.isSuccess(), p + ": " + f.cause());
                f.getNow().close();
            }
        }
    }
}
