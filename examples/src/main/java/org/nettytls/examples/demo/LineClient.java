package org.nettytls.examples.demo;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.starttls.Framing;
import org.nettytls.starttls.StartTlsHandler;

/**
 * A line protocol conversation driven from the demo's thread: lines received go to a queue that
 * {@link #read()} takes from with a deadline, so the event loop never waits for the demo and the
 * demo never waits without a limit. The pipeline starts with a {@link StartTlsHandler}, so the
 * conversation can upgrade and downgrade.
 */
final class LineClient implements AutoCloseable {
    private static final String CLOSED = "\u0000closed";
    private static final long WAIT_SECONDS = 10;

    private final Channel channel;
    private final StartTlsHandler starttls;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /**
     * Connects to 127.0.0.1:{@code port}; {@code extra} adds handlers between the
     * {@link StartTlsHandler} and the line decoder (a {@code StartTlsClient}, say).
     */
    LineClient(EventLoopGroup group, int port, Framing framing, Consumer<Channel> extra) throws IOException {
        StartTlsHandler[] handler = new StartTlsHandler[1];
        ChannelFuture connected = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        handler[0] = new StartTlsHandler(framing);
                        ch.pipeline().addLast(handler[0]);
                        extra.accept(ch);
                        ch.pipeline().addLast(new LineBasedFrameDecoder(8192), queue());
                    }
                }).connect("127.0.0.1", port).awaitUninterruptibly();
        if (!connected.isSuccess()) {
            throw new IOException("cannot connect to 127.0.0.1:" + port + ": " + connected.cause().getMessage(), connected.cause());
        }
        this.channel = connected.channel();
        this.starttls = handler[0];
    }

    private ChannelHandler queue() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                try {
                    String line = b.toString(StandardCharsets.UTF_8);
                    lines.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
                } finally {
                    b.release();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                lines.add(CLOSED);
                ctx.fireChannelInactive();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        };
    }

    Channel channel() {
        return channel;
    }

    StartTlsHandler starttls() {
        return starttls;
    }

    void send(String line) {
        channel.writeAndFlush(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
    }

    /** The next line, failing when none comes in time or the connection closed. */
    String read() throws TlsException, InterruptedException {
        String line = lines.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        if (line == null) {
            throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "no line from the server within " + WAIT_SECONDS + " s");
        }
        if (line.equals(CLOSED)) {
            lines.add(CLOSED);
            throw new TlsException(TlsErrorCode.CONNECTION_FAILED, "the server closed the connection");
        }
        return line;
    }

    /** Sends {@code command} and returns the answer's last line (SMTP's and FTP's multi-line replies end with "NNN "). */
    String ask(String command) throws TlsException, InterruptedException {
        send(command);
        return lastLine();
    }

    /** Reads up to the last line of a reply. */
    String lastLine() throws TlsException, InterruptedException {
        String line = read();
        while (line.length() > 3 && line.charAt(3) == '-' && Character.isDigit(line.charAt(0))) {
            line = read();
        }
        return line;
    }

    /** Waits for a future of the TLS handlers and turns its failure into the exception it carries. */
    static Channel await(Future<Channel> f, String what) throws TlsException, InterruptedException {
        if (!f.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            throw new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT, what + " did not finish within " + WAIT_SECONDS + " s");
        }
        if (!f.isSuccess()) {
            throw TlsException.classify(f.cause());
        }
        return f.getNow();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
