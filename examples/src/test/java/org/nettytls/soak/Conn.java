package org.nettytls.soak;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One scripted client connection: a Netty channel whose decrypted input collects in an inbox
 * that a scenario thread reads from with deadlines, so a scenario reads as a dialogue.
 */
final class Conn implements AutoCloseable {
    final Channel channel;
    /** The SslHandler a TLS connection was opened with: still there when a peer's close has emptied the pipeline. */
    volatile io.netty.handler.ssl.SslHandler ssl;
    private final Inbox inbox;

    private Conn(Channel channel, Inbox inbox) {
        this.channel = channel;
        this.inbox = inbox;
    }

    /** Connects to 127.0.0.1:{@code port}; {@code setup} adds handlers in front of the inbox. */
    static Conn open(EventLoopGroup group, int port, Consumer<SocketChannel> setup) throws IOException {
        Inbox inbox = new Inbox();
        io.netty.channel.ChannelFuture f = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        setup.accept(ch);
                        ch.pipeline().addLast("inbox", inbox);
                    }
                }).connect("127.0.0.1", port);
        if (!f.awaitUninterruptibly(15, TimeUnit.SECONDS) || !f.isSuccess()) {
            f.channel().close();
            throw new IOException("cannot connect to port " + port, f.cause());
        }
        return new Conn(f.channel(), inbox);
    }

    /** Waits for {@code future} (a handshake, an upgrade, a downgrade) and throws its failure. */
    static <T> T await(Future<T> future, Duration timeout, String what) throws IOException {
        if (!future.awaitUninterruptibly(timeout.toMillis())) {
            throw new IOException(what + ": not done within " + timeout.toSeconds() + " s");
        }
        if (!future.isSuccess()) {
            throw new IOException(what + " failed: " + future.cause(), future.cause());
        }
        return future.getNow();
    }

    void write(byte[] bytes) {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes));
    }

    void writeLine(String line) {
        write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The next {@code n} bytes, within {@code timeout}. */
    byte[] read(int n, Duration timeout) throws IOException {
        return inbox.take(n, timeout);
    }

    /** Everything until the peer closes, within {@code timeout}. */
    byte[] readToClose(Duration timeout) throws IOException {
        if (!awaitClosed(timeout)) {
            throw new IOException("the peer did not close within " + timeout.toSeconds() + " s");
        }
        return inbox.takeAll();
    }

    /** The next line without its end (LF or CRLF), within {@code timeout}. */
    String readLine(Duration timeout) throws IOException {
        return inbox.takeLine(timeout);
    }

    /** Reads lines until one starts with {@code prefix} (SMTP's multi-line replies), and returns it. */
    String readLineStartingWith(String prefix, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = readLine(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (line.startsWith(prefix)) {
                return line;
            }
            if (line.length() < 4 || line.charAt(3) != '-') {
                throw new IOException("expected a reply starting with '" + prefix + "', got '" + line + "'");
            }
        }
    }

    void expectLine(String expected, Duration timeout) throws IOException {
        String line = readLine(timeout);
        if (!line.equals(expected)) {
            throw new IOException("expected '" + expected + "', got '" + line + "'");
        }
    }

    /** Waits until the peer closed the connection. */
    boolean awaitClosed(Duration timeout) {
        return channel.closeFuture().awaitUninterruptibly(timeout.toMillis());
    }

    /**
     * Writes {@code bytes} below every handler, straight to the socket (past the SslHandler), as a
     * broken or hostile peer would; does nothing once the channel is gone.
     */
    void writeRaw(byte[] bytes) {
        io.netty.channel.ChannelHandlerContext first = channel.pipeline().firstContext();
        if (first != null) {
            first.writeAndFlush(Unpooled.wrappedBuffer(bytes)).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    /** Closes with a TCP reset instead of a FIN: SO_LINGER 0. */
    void reset() {
        try {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (io.netty.channel.ChannelException alreadyClosed) {
            // The server hung up first: nothing left to reset.
        }
        channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Copies every received buffer into a byte queue (and releases it) for the scenario thread. */
    private static final class Inbox extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private boolean closed;
        /** What closed the connection on this side, if an exception did. */
        private Throwable cause;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf) {
                    ByteBuf b = (ByteBuf) msg;
                    byte[] copy = new byte[b.readableBytes()];
                    b.readBytes(copy);
                    synchronized (this) {
                        pending.writeBytes(copy);
                        notifyAll();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            synchronized (this) {
                closed = true;
                notifyAll();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            synchronized (this) {
                if (this.cause == null) {
                    this.cause = cause;
                }
            }
            ctx.close();
        }

        synchronized byte[] take(int n, Duration timeout) throws IOException {
            awaitAvailable(() -> pending.size() >= n, timeout, n + " bytes");
            byte[] all = pending.toByteArray();
            pending.reset();
            pending.write(all, n, all.length - n);
            return Arrays.copyOf(all, n);
        }

        synchronized byte[] takeAll() {
            byte[] all = pending.toByteArray();
            pending.reset();
            return all;
        }

        synchronized String takeLine(Duration timeout) throws IOException {
            awaitAvailable(() -> indexOfNewline() >= 0, timeout, "a line");
            int nl = indexOfNewline();
            byte[] line = take(nl + 1, Duration.ZERO);
            int end = nl > 0 && line[nl - 1] == '\r' ? nl - 1 : nl;
            return new String(line, 0, end, StandardCharsets.UTF_8);
        }

        private int indexOfNewline() {
            byte[] all = pending.toByteArray();
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private void awaitAvailable(java.util.function.BooleanSupplier ready, Duration timeout, String what) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!ready.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (closed) {
                    throw new IOException("the connection closed while waiting for " + what + " (" + pending.size() + " bytes pending"
                            + (cause == null ? ")" : "; on this side: " + cause + ")"), cause);
                }
                if (left <= 0) {
                    throw new IOException("no " + what + " within " + timeout.toMillis() + " ms (" + pending.size() + " bytes pending)");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }
}
