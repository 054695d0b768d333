package org.nettytls.examples.cli;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsConnectionInfo;

/**
 * A minimal FTPS client on netty-tls, for the {@code SSL_session_key} case: AUTH TLS on the
 * control connection (its session filed under {@code localhost:PORT}, the default key), then
 * PROT P data connections whose TLS is installed with {@code install(pipeline, host, dataPort,
 * sessionKey)}. Blocking on the test's thread; every wait has a deadline.
 */
final class NettyFtpsClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final TlsClientContext tls;
    private final int port;
    private final Channel control;

    /** What became of one RETR. */
    static final class Transfer {
        String opening;
        String outcome;
        String content;
        /** Whether the data connection's TLS session was resumed; null when its handshake failed. */
        Boolean resumed;

        @Override
        public String toString() {
            return "opening '" + opening + "', outcome '" + outcome + "', resumed " + resumed + ", " + content.length() + " bytes";
        }
    }

    NettyFtpsClient(TlsClientContext tls, int port) throws Exception {
        this.tls = tls;
        this.port = port;
        control = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new StringDecoder(StandardCharsets.UTF_8),
                        new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                lines.add((String) msg);
                            }
                        });
            }
        }).connect("127.0.0.1", port).sync().channel();
        expect(reply(), "220 ");
    }

    /** The control connection's key in the session cache: the default, {@code host:port}. */
    String controlSessionKey() {
        return "localhost:" + port;
    }

    /** One reply; of a multi-line reply, its last line. */
    String reply() throws Exception {
        String line = next();
        while (line.length() > 3 && line.charAt(3) == '-') {
            String code = line.substring(0, 3);
            do {
                line = next();
            } while (!line.startsWith(code + " "));
        }
        return line;
    }

    private String next() throws Exception {
        String line = lines.poll(10, TimeUnit.SECONDS);
        if (line == null) {
            throw new IOException("no reply within 10 s");
        }
        return line;
    }

    String cmd(String line) throws Exception {
        control.writeAndFlush(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
        return reply();
    }

    private static void expect(String reply, String prefix) throws IOException {
        if (!reply.startsWith(prefix)) {
            throw new IOException("expected '" + prefix + "...', found '" + reply + "'");
        }
    }

    /** AUTH TLS, then USER/PASS/PBSZ/PROT P over TLS. */
    void login(String user, String password) throws Exception {
        expect(cmd("AUTH TLS"), "234 ");
        // In front of the line decoder: from here on every byte of the control connection is TLS.
        SslHandler ssl = control.eventLoop().submit(() -> {
            SslHandler h = tls.newHandler(control.alloc(), "localhost", port);
            control.pipeline().addFirst("tls", h);
            return h;
        }).get(10, TimeUnit.SECONDS);
        if (!ssl.handshakeFuture().await(10, TimeUnit.SECONDS) || !ssl.handshakeFuture().isSuccess()) {
            throw new IOException("control connection handshake: " + ssl.handshakeFuture().cause());
        }
        expect(cmd("USER " + user), "331 ");
        expect(cmd("PASS " + password), "230 ");
        expect(cmd("PBSZ 0"), "200 ");
        expect(cmd("PROT P"), "200 ");
    }

    /** PASV, a TLS data connection whose session is filed under {@code sessionKey}, RETR. */
    Transfer retr(String path, String sessionKey) throws Exception {
        String pasv = cmd("PASV");
        Matcher m = Pattern.compile("\\((\\d+),(\\d+),(\\d+),(\\d+),(\\d+),(\\d+)\\)").matcher(pasv);
        if (!m.find()) {
            throw new IOException("no address in '" + pasv + "'");
        }
        int dataPort = Integer.parseInt(m.group(5)) * 256 + Integer.parseInt(m.group(6));
        Transfer t = new Transfer();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) throws Exception {
                tls.install(ch.pipeline(), "localhost", dataPort, sessionKey);
                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                        if (evt instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent) evt).isSuccess()) {
                            t.resumed = TlsConnectionInfo.of(ctx.channel()).sessionReused().orElse(null);
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        try {
                            ByteBuf b = (ByteBuf) msg;
                            byte[] bytes = new byte[b.readableBytes()];
                            b.readBytes(bytes);
                            synchronized (received) {
                                received.write(bytes, 0, bytes.length);
                            }
                        } finally {
                            ReferenceCountUtil.release(msg);
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        ctx.close();
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        ended.complete(null);
                    }
                });
            }
        }).connect("127.0.0.1", dataPort).sync();
        t.opening = cmd("RETR " + path);
        if (t.opening.startsWith("150 ")) {
            t.outcome = reply();
        }
        ended.get(10, TimeUnit.SECONDS);
        synchronized (received) {
            t.content = received.toString(StandardCharsets.UTF_8);
        }
        return t;
    }

    @Override
    public void close() {
        control.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
