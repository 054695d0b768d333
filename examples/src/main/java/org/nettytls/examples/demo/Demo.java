package org.nettytls.examples.demo;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.VerifyMode;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.info.TlsConnectionInfo;

/**
 * The README's first command: on loopback, with nothing to set up, it mints a small PKI, runs
 * netty-tls servers and drives verifying clients at them, including failures that must fail,
 * and reports one line per check.
 */
public final class Demo {
    private final PrintWriter out;
    private final List<String> failures = new ArrayList<>();
    private int checks;

    public Demo(PrintWriter out) {
        this.out = out;
    }

    /** Runs every check; returns whether all behaved as they should. */
    public boolean run() throws Exception {
        long start = System.nanoTime();
        out.println("netty-tls demo: everything runs on 127.0.0.1; nothing is read from or written to disk.");
        progress("minting a root CA, an intermediate and certificates for localhost");
        HeldCertificate root = HeldCertificate.builder().commonName("netty-tls demo root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().commonName("netty-tls demo CA").certificateAuthority(0)
                .signedBy(root).build();
        HeldCertificate ecServer = HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1")
                .signedBy(ca).build();
        HeldCertificate rsaServer = HeldCertificate.builder().commonName("localhost").dns("localhost").rsa(2048)
                .signedBy(ca).build();
        Instant now = Instant.now();
        HeldCertificate expired = HeldCertificate.builder().commonName("localhost").dns("localhost")
                .validity(now.minus(30, ChronoUnit.DAYS), now.minus(1, ChronoUnit.DAYS)).signedBy(ca).build();
        HeldCertificate client = HeldCertificate.builder().commonName("demo client").signedBy(ca).build();
        HeldCertificate stranger = HeldCertificate.builder().commonName("a stranger's root").certificateAuthority(0).build();

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        List<Channel> servers = new ArrayList<>();
        try {
            TlsClientOptions trusting = TlsClientOptions.builder().caCertificates(root.certificate()).build();
            int ecPort = serve(group, servers, TlsServerOptions.builder().certificate(ecServer.keyMaterial()).build());
            int rsaPort = serve(group, servers, TlsServerOptions.builder().certificate(rsaServer.keyMaterial())
                    .version("TLSv1_2").build());
            int expiredPort = serve(group, servers, TlsServerOptions.builder().certificate(expired.keyMaterial()).build());
            int mtlsPort = serve(group, servers, TlsServerOptions.builder().certificate(ecServer.keyMaterial())
                    .verifyMode(VerifyMode.REQUIRE).caCertificates(root.certificate()).build());
            progress("started 4 servers; running clients");

            expectSuccess("TLS 1.3, EC certificate, chain verified, echo", group, trusting, ecPort);
            expectSuccess("TLS 1.2, RSA certificate, chain verified, echo", group, trusting, rsaPort);
            expectSuccess("mutual TLS: client certificate accepted", group,
                    TlsClientOptions.builder().caCertificates(root.certificate()).certificate(client.keyMaterial()).build(),
                    mtlsPort);
            expectFailure("a server from an untrusted CA is refused", group,
                    TlsClientOptions.builder().caCertificates(stranger.certificate()).build(), ecPort,
                    TlsErrorCode.UNTRUSTED_CHAIN);
            expectFailure("an expired server certificate is refused", group, trusting, expiredPort,
                    TlsErrorCode.CERT_EXPIRED);
            expectFailure("a client without certificate is refused by a server that requires one", group, trusting,
                    mtlsPort, null);
        } finally {
            for (Channel s : servers) {
                s.close().await(2, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        out.println();
        out.printf("%d checks, %d behaved as they should, %d did not (%d ms)%n", checks, checks - failures.size(),
                failures.size(), ms);
        for (String f : failures) {
            out.println("  FAILED: " + f);
        }
        out.flush();
        return failures.isEmpty();
    }

    private void progress(String what) {
        out.println("... " + what);
        out.flush();
    }

    private void expectSuccess(String what, EventLoopGroup group, TlsClientOptions options, int port) {
        checks++;
        try {
            Result r = connect(group, options, port, "hello from netty-tls\n");
            if (r.failure != null) {
                fail(what, "handshake failed: " + r.failure.getMessage() + " [" + r.failure.code().id() + "]");
            } else if (r.info == null) {
                fail(what, "the connection closed right after the handshake");
            } else if (!r.echo.equals("hello from netty-tls\n")) {
                fail(what, "echo came back as '" + r.echo + "'");
            } else {
                ok(what, r.info.sslVersion() + " " + r.info.cipher() + ", " + r.info.verification().map(Object::toString)
                        .orElse("not checked"));
            }
        } catch (Exception e) {
            fail(what, e.toString());
        }
    }

    private void expectFailure(String what, EventLoopGroup group, TlsClientOptions options, int port, TlsErrorCode code) {
        checks++;
        try {
            Result r = connect(group, options, port, "must never arrive\n");
            if (r.failure == null && r.echo.isEmpty() && code == null) {
                ok(what, "the server closed the connection before any data was echoed");
            } else if (r.failure == null) {
                fail(what, "the connection succeeded");
            } else if (code != null && r.failure.code() != code) {
                fail(what, "expected " + code.id() + " but got " + r.failure.code().id() + ": " + r.failure.getMessage());
            } else {
                ok(what, "refused as expected: " + r.failure.getMessage() + " [" + r.failure.code().id() + "]");
            }
        } catch (Exception e) {
            fail(what, e.toString());
        }
    }

    private void ok(String what, String detail) {
        out.println("[ ok ] " + what);
        out.println("       " + detail);
        out.flush();
    }

    private void fail(String what, String detail) {
        failures.add(what + ": " + detail);
        out.println("[FAIL] " + what);
        out.println("       " + detail);
        out.flush();
    }

    private static int serve(EventLoopGroup group, List<Channel> servers, TlsServerOptions options) throws Exception {
        TlsServerContext tls = TlsServerContext.create(options);
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        tls.install(ch.pipeline());
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush(msg);
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        servers.add(server);
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    static final class Result {
        TlsException failure;
        TlsConnectionInfo info;
        String echo = "";
    }

    private static Result connect(EventLoopGroup group, TlsClientOptions options, int port, String message)
            throws Exception {
        TlsClientContext tls = TlsClientContext.create(options);
        CompletableFuture<String> echo = new CompletableFuture<>();
        StringBuilder received = new StringBuilder();
        ChannelFuture cf = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) throws Exception {
                        tls.install(ch.pipeline(), "localhost", port);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf buf = (ByteBuf) msg;
                                received.append(buf.toString(StandardCharsets.UTF_8));
                                buf.release();
                                if (received.indexOf("\n") >= 0) {
                                    echo.complete(received.toString());
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                echo.complete(received.toString());
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                    }
                }).connect("127.0.0.1", port).sync();
        Channel ch = cf.channel();
        // Written at once, before the handshake is done: it must only ever reach a verified server.
        ch.writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        Result r = new Result();
        SslHandler ssl = ch.pipeline().get(SslHandler.class);
        Future<Channel> handshake = ssl.handshakeFuture();
        if (!handshake.await(15, TimeUnit.SECONDS)) {
            r.failure = new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, "no handshake within 15 s");
        } else if (!handshake.isSuccess()) {
            r.failure = TlsException.classify(handshake.cause());
        } else {
            try {
                r.info = TlsConnectionInfo.of(ssl);
            } catch (TlsException closedMeanwhile) {
                // A TLS 1.3 server refuses a client certificate after the client's handshake is
                // done: by now the connection may be gone, which the echo below shows.
                r.info = null;
            }
            r.echo = echo.get(15, TimeUnit.SECONDS);
        }
        ch.close().await(2, TimeUnit.SECONDS);
        return r;
    }
}
