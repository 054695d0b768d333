package org.nettytls.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * A client that sends its downgrade command (STOPTLS, FTP's CCC) and its close_notify in one
 * segment: the server's reply to the command must still go out over TLS, before the server's own
 * close_notify, under TLS 1.2 and 1.3 and in either close mode. Netty's OpenSSL engine closes its
 * outbound side as soon as it reads a close_notify; StopTlsHandler hands it one record at a time
 * after the handshake, so the command is answered before the engine reads the close_notify.
 */
class DowngradeReplyTest {
    static HeldCertificate ca;
    static TlsServerContext tls;
    static SSLContext peerTls;

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @BeforeAll
    static void pki() throws Exception {
        ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).build();
        HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        tls = TlsServerContext.create(TlsServerOptions.builder().certificate(server.keyMaterial()).build());
        peerTls = EnginePeer.jdkContext(ca, null);
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** A line server: STARTTLS, STOPTLS (answered with OK over TLS, then the downgrade in {@code mode}), ECHO. */
    int serve(StopTlsHandler.Mode mode) {
        return serve(mode, null);
    }

    /** With {@code late}, STOPTLS is answered 100 ms later and the reply's outcome goes there. */
    int serve(StopTlsHandler.Mode mode, CompletableFuture<Throwable> late) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
                        ch.pipeline().addLast(starttls, new LineBasedFrameDecoder(1000), new StringDecoder(StandardCharsets.US_ASCII),
                                new SimpleChannelInboundHandler<String>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                                        if (line.equals("STARTTLS")) {
                                            starttls.startServer(tls, Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
                                        } else if (line.equals("STOPTLS") && late != null) {
                                            ctx.executor().schedule(() -> {
                                                ctx.writeAndFlush(Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII))
                                                        .addListener(f -> late.complete(f.cause()));
                                                starttls.stopTls(mode, Duration.ofSeconds(10));
                                            }, 100, TimeUnit.MILLISECONDS);
                                        } else if (line.equals("STOPTLS")) {
                                            ctx.writeAndFlush(Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
                                            starttls.stopTls(mode, Duration.ofSeconds(10));
                                        } else {
                                            ctx.writeAndFlush(Unpooled.copiedBuffer(line.substring(5) + "\n", StandardCharsets.US_ASCII));
                                        }
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"TLSv1.3, WAIT", "TLSv1.3, PEER_FIRST", "TLSv1.2, WAIT", "TLSv1.2, PEER_FIRST"})
    void theReplyToADowngradeCommandSentWithTheCloseNotifyGoesOutOverTls(String protocol, StopTlsHandler.Mode mode)
            throws Exception {
        try (EnginePeer peer = EnginePeer.connect(serve(mode))) {
            for (int round = 1; round <= 2; round++) {
                peer.writePlain("STARTTLS\n");
                assertEquals("OK", peer.readPlainLine());
                peer.startTls(peerTls, true, protocol);
                peer.writeTls("ECHO inside\n");
                assertEquals("inside", peer.readTlsLine());
                ByteArrayOutputStream both = new ByteArrayOutputStream();
                both.writeBytes(peer.seal("STOPTLS\n"));
                both.writeBytes(peer.closeNotify());
                peer.writeRaw(both.toByteArray());
                assertEquals("OK\n", peer.awaitCloseNotify(), "the reply to STOPTLS, over TLS, before the close_notify");
                peer.dropTls();
                peer.writePlain("ECHO plain " + round + "\n");
                assertEquals("plain " + round, peer.readPlainLine());
            }
        }
    }

    /**
     * An answer written only after the engine read the close_notify cannot go over TLS any more
     * (Netty's engine closed its side; for TLS 1.2 RFC 5246 section 7.2.1 asks exactly that): its
     * write fails with connection-failed, naming why, instead of vanishing, and the downgrade
     * still completes.
     */
    @ParameterizedTest
    @CsvSource({"TLSv1.3", "TLSv1.2"})
    void anAnswerWrittenAfterTheCloseNotifyWasReadFailsLoudly(String protocol) throws Exception {
        CompletableFuture<Throwable> late = new CompletableFuture<>();
        try (EnginePeer peer = EnginePeer.connect(serve(StopTlsHandler.Mode.WAIT, late))) {
            peer.writePlain("STARTTLS\n");
            assertEquals("OK", peer.readPlainLine());
            peer.startTls(peerTls, true, protocol);
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(peer.seal("STOPTLS\n"));
            both.writeBytes(peer.closeNotify());
            peer.writeRaw(both.toByteArray());
            assertEquals("", peer.awaitCloseNotify());
            Throwable failure = late.get(10, TimeUnit.SECONDS);
            org.nettytls.error.TlsException e = org.nettytls.error.TlsException.find(failure);
            assertTrue(e != null && e.code() == org.nettytls.error.TlsErrorCode.CONNECTION_FAILED
                    && e.getMessage().contains("close_notify"), String.valueOf(failure));
            peer.dropTls();
            peer.writePlain("ECHO plain\n");
            assertEquals("plain", peer.readPlainLine());
        }
    }
}
