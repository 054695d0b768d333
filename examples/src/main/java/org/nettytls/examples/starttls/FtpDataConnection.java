package org.nettytls.examples.starttls;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.transport.Transport;

/**
 * One passive data connection of an FTP session: a listener on a free port of the control
 * connection's local address that takes exactly one connection, from the control connection's
 * own address (vsftpd's {@code pasv_promiscuous=NO}: anyone else is turned away and the listener
 * keeps waiting). With {@code PROT P} the connection speaks TLS with the control connection's
 * control connection's own context (see {@link FtpServer#controlContext}), and its session is
 * judged by {@link FtpServer#sessionReuse()}. Everything runs on the
 * control connection's event loop.
 */
final class FtpDataConnection {
    private static final Object END = new Object();

    private final Channel control;
    private final FtpServer server;
    private final TlsServerContext tls;
    private final Promise<Channel> connected;
    private final Queue<Object> early = new ArrayDeque<>();
    private Channel listener;
    private Channel data;
    private ScheduledFuture<?> timer;
    private Consumer<ByteBuf> sink;
    private Runnable end;
    private boolean ended;

    /** @param tls the control connection's own context for {@code PROT P}, or null for clear data */
    private FtpDataConnection(Channel control, FtpServer server, TlsServerContext tls) {
        this.control = control;
        this.server = server;
        this.tls = tls;
        this.connected = control.eventLoop().newPromise();
    }

    /** Binds the listener; the future completes when it listens. */
    static Future<FtpDataConnection> open(Channel control, FtpServer server, TlsServerContext tls) {
        FtpDataConnection d = new FtpDataConnection(control, server, tls);
        Promise<FtpDataConnection> bound = control.eventLoop().newPromise();
        InetAddress local = ((InetSocketAddress) control.localAddress()).getAddress();
        ChannelFuture f = new ServerBootstrap().group(control.eventLoop()).channel(Transport.ofChannel(control).serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        d.accepted(ch);
                    }
                }).bind(local, 0);
        f.addListener(b -> {
            if (b.isSuccess()) {
                d.listener = f.channel();
                d.timer = control.eventLoop().schedule(() -> d.fail("no data connection within "
                        + server.dataTimeout().toSeconds() + " s"), server.dataTimeout().toMillis(), TimeUnit.MILLISECONDS);
                bound.setSuccess(d);
            } else {
                bound.setFailure(b.cause());
            }
        });
        return bound;
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** The data connection once it is there (with TLS: accepted and judged); fails with the reason for the client. */
    Future<Channel> connection() {
        return connected;
    }

    private void accepted(SocketChannel ch) {
        InetAddress expected = ((InetSocketAddress) control.remoteAddress()).getAddress();
        // Not ch.remoteAddress(): on io_uring it is null for a client that reset before the accept.
        InetSocketAddress from = Transport.peerAddress(ch);
        if (data != null || connected.isDone() || from == null || !expected.equals(from.getAddress())) {
            server.log("data connection from " + (from == null ? "an unknown address" : from) + " refused: expected one from "
                    + expected.getHostAddress());
            ch.close();
            return;
        }
        data = ch;
        listener.close();
        if (tls == null) {
            ch.pipeline().addLast(new Inbound());
            connected(ch, from, "clear");
            return;
        }
        SslHandler ssl = tls.newHandler(ch.alloc());
        ch.pipeline().addLast(ssl, new Inbound());
        ssl.handshakeFuture().addListener(h -> {
            if (!h.isSuccess()) {
                fail("TLS handshake on the data connection failed: " + h.cause().getMessage());
                return;
            }
            boolean resumed;
            String protocol;
            try {
                TlsConnectionInfo info = TlsConnectionInfo.of(ssl);
                resumed = info.sessionReused().orElse(false);
                protocol = info.sslVersion();
            } catch (TlsException e) {
                fail(e.getMessage());
                return;
            }
            String refusal = server.sessionReuse().judge(resumed);
            if (refusal != null) {
                server.log("data connection from " + from + " refused: " + refusal);
                fail(refusal);
            } else {
                connected(ch, from, protocol + ", " + (resumed ? "resumed the control connection's session" : "new session"));
            }
        });
    }

    private void connected(Channel ch, InetSocketAddress from, String how) {
        cancelTimer();
        server.log("data connection from " + from + ": " + how);
        connected.trySuccess(ch);
    }

    private void fail(String reason) {
        cancelTimer();
        connected.tryFailure(new IllegalStateException(reason));
        close();
    }

    /** Hands what the client sends to {@code sink} (on the event loop), then runs {@code end} once the connection ended. */
    void receive(Consumer<ByteBuf> sink, Runnable end) {
        this.sink = sink;
        this.end = end;
        Object m;
        while ((m = early.poll()) != null) {
            if (m == END) {
                ended();
            } else {
                sink.accept((ByteBuf) m);
            }
        }
    }

    /**
     * Writes {@code content} (a ByteBuf or a ChunkedInput) on the connection, then closes it; our
     * close_notify goes first, so the client can tell the end from a cut. Chunks are read on
     * {@code files}, not on the event loop. Completes once the connection is closed: true when all
     * of the content went out, false when the connection went away first.
     */
    Future<Boolean> sendAndClose(Object content, EventExecutorGroup files) {
        Promise<Boolean> sent = control.eventLoop().newPromise();
        data.pipeline().addLast(files, "chunks", new ChunkedWriteHandler());
        data.writeAndFlush(content).addListener(w -> data.close().addListener(closed -> sent.setSuccess(w.isSuccess())));
        return sent;
    }

    /** Whether the client ended TLS on the data connection with its close_notify (truncation shows as its absence). */
    boolean closedCleanly() {
        SslHandler ssl = data == null ? null : data.pipeline().get(SslHandler.class);
        return ssl == null || ssl.sslCloseFuture().isSuccess();
    }

    void close() {
        cancelTimer();
        if (listener != null) {
            listener.close();
        }
        if (data != null) {
            data.close();
        }
        Object m;
        while ((m = early.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void ended() {
        if (!ended) {
            ended = true;
            end.run();
        }
    }

    /** What arrives before a transfer wants it waits here; a download's ChunkedWriteHandler comes after it. */
    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
            } else if (sink != null) {
                sink.accept((ByteBuf) msg);
            } else {
                early.add(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (end != null) {
                ended();
            } else {
                early.add(END);
            }
            if (!connected.isDone()) {
                fail("the data connection closed before it was ready");
            }
            // A download's ChunkedWriteHandler sits behind this handler. Waiting for writability
            // between two chunks, it learns of a reset only from this event: a closed channel is
            // never writable again, so without it the download's write would never complete.
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
