package org.nettytls.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
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
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsFailureEvent;
import org.nettytls.TlsServerContext;

/**
 * Real Netty servers and clients on 127.0.0.1 for tests: an echo server behind a TLS
 * context, and a client that records everything that happens to it. Close it in a finally or
 * try-with-resources; it shuts its event loops down.
 */
public final class Loopback implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final List<Channel> channels = new ArrayList<>();

    /** What one side of a connection saw. */
    public static final class Side {
        public final CompletableFuture<Channel> handshake = new CompletableFuture<>();
        public final CompletableFuture<TlsFailureEvent> failureEvent = new CompletableFuture<>();
        public final CompletableFuture<Void> closed = new CompletableFuture<>();
        public final StringBuffer received = new StringBuffer();
        public final ConcurrentLinkedQueue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
        public volatile Channel channel;

        /** Waits for the handshake and returns its failure, or {@code null} when it succeeded. */
        public Throwable handshakeFailure() {
            try {
                handshake.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
                return null;
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause();
            } catch (Exception e) {
                throw new AssertionError("handshake neither finished nor failed in " + Await.EVENT.toSeconds() + " s", e);
            }
        }

        public TlsFailureEvent awaitFailureEvent() {
            try {
                return failureEvent.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("no TlsFailureEvent within " + Await.EVENT.toSeconds() + " s", e);
            }
        }

        public void awaitClosed() {
            try {
                closed.get(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("channel not closed within " + Await.EVENT.toSeconds() + " s", e);
            }
        }

        /** Waits until {@code text} has been received. */
        public String awaitReceived(String text) {
            long deadline = System.nanoTime() + Await.EVENT.toNanos();
            while (received.indexOf(text) < 0) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("did not receive '" + text + "' within " + Await.EVENT.toSeconds() + " s; got '" + received + "'");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            return received.toString();
        }
    }

    /** The recording handler of a {@link Side}; echoes what it reads when {@code echo}. */
    static final class Recorder extends ChannelInboundHandlerAdapter {
        private final Side side;
        private final boolean echo;

        Recorder(Side side, boolean echo) {
            this.side = side;
            this.echo = echo;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            side.channel = ctx.channel();
            if (ctx.pipeline().get(SslHandler.class) == null) {
                side.handshake.complete(ctx.channel());
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            side.received.append(buf.toString(StandardCharsets.UTF_8));
            if (echo) {
                ctx.writeAndFlush(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent) {
                SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
                if (e.isSuccess()) {
                    side.handshake.complete(ctx.channel());
                } else {
                    side.handshake.completeExceptionally(e.cause());
                }
            } else if (evt instanceof TlsFailureEvent) {
                side.failureEvent.complete((TlsFailureEvent) evt);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            side.exceptions.add(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            side.closed.complete(null);
            if (!side.handshake.isDone()) {
                side.handshake.completeExceptionally(new java.nio.channels.ClosedChannelException());
            }
        }
    }

    /** Starts a TLS echo server; every accepted connection is reported to {@code onAccept}. */
    public int server(TlsServerContext tls, Consumer<Side> onAccept) {
        return server(ch -> tls.install(ch.pipeline()), onAccept, true);
    }

    /** Starts a server whose pipeline {@code setup} prepares before the recording handler. */
    public int server(Consumer<SocketChannel> setup, Consumer<Side> onAccept, boolean echo) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        setup.accept(ch);
                        Side side = new Side();
                        ch.pipeline().addLast(new Recorder(side, echo));
                        onAccept.accept(side);
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        channels.add(server);
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Connects a TLS client to 127.0.0.1:{@code port}, naming the server {@code host}. */
    public Side client(TlsClientContext tls, String host, int port) {
        return client(ch -> {
            try {
                tls.install(ch.pipeline(), host, port);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, port);
    }

    public Side client(Consumer<SocketChannel> setup, int port) {
        Side side = new Side();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        setup.accept(ch);
                        ch.pipeline().addLast(new Recorder(side, false));
                    }
                }).connect("127.0.0.1", port).syncUninterruptibly().channel();
        side.channel = ch;
        channels.add(ch);
        return side;
    }

    /** Writes {@code text} on the event loop right away, before any handshake has finished. */
    public static void writeNow(Side side, String text) {
        side.channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        for (Channel c : channels) {
            c.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
