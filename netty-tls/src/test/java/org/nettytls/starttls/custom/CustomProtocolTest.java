package org.nettytls.starttls.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.starttls.ClientDialog;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.ServerDialog;
import org.nettytls.starttls.StartTlsClient;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StartTlsProtocol;
import org.nettytls.starttls.StartTlsServer;
import org.nettytls.verify.HostnameScheme;

/**
 * A protocol of the user's own, outside netty-tls's package (so only the public SPI is at hand):
 * StartTlsServer and StartTlsClient upgrade with it, and the server hands the commands before
 * the upgrade to the application.
 */
class CustomProtocolTest {
    /** "HELLO" from the server; "STARTTLS" answered with "OK go"; anything else is the application's. */
    static final StartTlsProtocol TOY = new StartTlsProtocol() {
        @Override
        public String id() {
            return "toy";
        }

        @Override
        public int defaultPort() {
            return 7777;
        }

        @Override
        public HostnameScheme hostnameScheme() {
            return HostnameScheme.DEFAULT;
        }

        @Override
        public Framing serverFraming() {
            return Framing.lines();
        }

        @Override
        public Framing clientFraming() {
            return Framing.lines();
        }

        @Override
        public ServerDialog newServerDialog(boolean greeting) {
            return new ServerDialog() {
                @Override
                protected Kind client(ByteBuf frame) {
                    return frame.toString(StandardCharsets.US_ASCII).strip().equals("STARTTLS") ? Kind.UPGRADE : Kind.PASS;
                }

                @Override
                protected void server(ByteBuf bytes) {
                }

                @Override
                protected boolean settled() {
                    return true;
                }

                @Override
                protected ByteBuf positiveReply(ByteBufAllocator alloc) {
                    return Unpooled.copiedBuffer("OK go\r\n", StandardCharsets.US_ASCII);
                }
            };
        }

        @Override
        public ClientDialog newClientDialog(String host) {
            return new ClientDialog() {
                @Override
                protected Step onFrame(ByteBuf frame) {
                    String line = frame.toString(StandardCharsets.US_ASCII).strip();
                    if (line.equals("HELLO")) {
                        return Step.send("NOOP\r\nSTARTTLS\r\n");
                    }
                    if (line.equals("NOOP ok")) {
                        return Step.WAIT;
                    }
                    return line.equals("OK go") ? Step.UPGRADE : Step.refuse("'OK go'", "'" + line + "'");
                }
            };
        }
    };

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    @Test
    void aProtocolOfOnesOwnUpgrades() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Toy CA").certificateAuthority(0).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("localhost").dns("localhost").signedBy(ca).build();
        TlsServerContext server = TlsServerContext.create(TlsServerOptions.builder().certificate(leaf.keyMaterial()).build());
        TlsClientContext client = TlsClientContext.create(TlsClientOptions.builder().caCertificates(ca.certificate()).build(),
                TOY.hostnameScheme());
        CompletableFuture<String> appSaw = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new StartTlsHandler(TOY.serverFraming()), new StartTlsServer(TOY, server),
                                new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelActive(ChannelHandlerContext ctx) {
                                        ctx.writeAndFlush(Unpooled.copiedBuffer("HELLO\r\n", StandardCharsets.US_ASCII));
                                        ctx.fireChannelActive();
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        String line = ((ByteBuf) msg).toString(StandardCharsets.US_ASCII).strip();
                                        ReferenceCountUtil.release(msg);
                                        appSaw.complete(line);
                                        ctx.writeAndFlush(Unpooled.copiedBuffer(line + " ok\r\n", StandardCharsets.US_ASCII));
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        try {
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            StartTlsClient helper = new StartTlsClient(TOY, client, "localhost", port);
            new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new StartTlsHandler(TOY.clientFraming()), helper);
                }
            }).connect("127.0.0.1", port).syncUninterruptibly();
            Future<Channel> upgraded = helper.upgradeFuture();
            assertTrue(upgraded.awaitUninterruptibly(20, TimeUnit.SECONDS), "the upgrade neither finished nor failed");
            assertTrue(upgraded.isSuccess(), () -> "upgrade: " + upgraded.cause());
            assertEquals(leaf.certificate(), TlsConnectionInfo.of(upgraded.getNow()).peerCertificate());
            assertEquals("NOOP", appSaw.get(10, TimeUnit.SECONDS), "the command before the upgrade is the application's");
            upgraded.getNow().close().syncUninterruptibly();
        } finally {
            listener.close().syncUninterruptibly();
        }
    }
}
