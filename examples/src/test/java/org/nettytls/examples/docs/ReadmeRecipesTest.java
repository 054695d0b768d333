package org.nettytls.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.transport.Transport;

/** The README's recipes run: the verifying client against a TLS server, the STARTTLS SMTP server against a netty-tls client. */
class ReadmeRecipesTest {
    private static final Transport TRANSPORT = Transport.best();
    private static EventLoopGroup group;
    private static HeldCertificate root;
    private static HeldCertificate leaf;

    @TempDir
    static Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        group = TRANSPORT.newGroup(2);
        root = HeldCertificate.builder().commonName("Recipe Root").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(root).build();
        leaf.writeTo(dir.resolve("server"));
        Files.writeString(dir.resolve("ca.pem"), root.certificatePem());
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    @Test
    void verifyingClientConnectsToTheServerItsCaVouchesForAndRefusesOthers() throws Exception {
        TlsServerContext tls = TlsServerContext.create(TlsServerOptions.builder()
                .certificateFile(dir.resolve("server.pem"), dir.resolve("server.key")).build());
        Channel server = new ServerBootstrap().group(group).channel(TRANSPORT.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        tls.install(ch.pipeline());
                    }
                }).bind(loopback()).sync().channel();
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            Channel ch = ReadmeSamples.connect(TRANSPORT, group, dir.resolve("ca.pem"), "localhost", port);
            assertTrue(ch.isActive());
            ch.close().sync();

            HeldCertificate otherRoot = HeldCertificate.builder().commonName("Another Root").certificateAuthority(0).build();
            Path otherCa = Files.writeString(dir.resolve("other-ca.pem"), otherRoot.certificatePem());
            Exception refused = assertThrows(Exception.class,
                    () -> ReadmeSamples.connect(TRANSPORT, group, otherCa, "localhost", port));
            assertEquals(TlsErrorCode.UNTRUSTED_CHAIN, TlsException.classify(refused).code(), refused.toString());
        } finally {
            server.close().sync();
        }
    }

    @Test
    void smtpServerAnswersSwaks() throws Exception {
        String swaks = Interop.require("swaks");
        Channel server = ReadmeSamples.smtpServer(TRANSPORT, group, dir.resolve("server.pem"), dir.resolve("server.key"), loopback());
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            Processes.Result r = Processes.run(dir, Duration.ofSeconds(60), new byte[0], List.of(swaks, "--to", "you@example.org",
                    "--server", "127.0.0.1:" + port, "-tls", "--tls-verify", "--tls-ca-path", dir.resolve("ca.pem").toString(),
                    "--tls-sni", "localhost", "--quit-after", "EHLO"));
            assertEquals(0, r.exit, r.toString());
            assertTrue(r.stdout.contains("TLS started"), r.toString());
            assertTrue(r.stdout.contains("250 AUTH PLAIN"), "after TLS the EHLO answer is the one for TLS: " + r);
        } finally {
            server.close().sync();
        }
    }

    @Test
    void smtpServerUpgradesAVerifyingStartTlsClient() throws Exception {
        Channel server = ReadmeSamples.smtpServer(TRANSPORT, group, dir.resolve("server.pem"), dir.resolve("server.key"), loopback());
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            StartTlsProtocol smtp = StartTlsProtocol.SMTP;
            TlsClientContext tls = TlsClientContext.create(TlsClientOptions.builder().caFile(dir.resolve("ca.pem")).build(),
                    smtp.hostnameScheme());
            StartTlsClient client = new StartTlsClient(smtp, tls, "localhost", port);
            Channel ch = new Bootstrap().group(group).channel(TRANSPORT.socketChannel())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new StartTlsHandler(smtp.clientFraming()), client, new LineBasedFrameDecoder(1000));
                        }
                    }).connect("127.0.0.1", port).sync().channel();
            assertTrue(client.upgradeFuture().await(60, TimeUnit.SECONDS), "upgrade finished");
            assertTrue(client.upgradeFuture().isSuccess(), String.valueOf(client.upgradeFuture().cause()));
            ch.close().sync();
        } finally {
            server.close().sync();
        }
    }

    @Test
    void smtpHandlerClosesOnAFailureInsteadOfLettingItReachThePipelineTail() throws Exception {
        // A client rejecting the certificate fails the handshake; the recipe must end the
        // connection itself, or Netty logs "reached the tail of the pipeline" with a stack trace.
        EmbeddedChannel ch = new EmbeddedChannel(new ReadmeSamples.SmtpHandler());
        try {
            ch.pipeline().fireExceptionCaught(new javax.net.ssl.SSLHandshakeException("certificate_unknown from the client"));
            ch.checkException();   // rethrows a failure that reached the tail
            assertFalse(ch.isOpen(), "the handler closes the connection");
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
