package org.nettytls.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandler;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nettytls.testing.Await;

/**
 * The servers' transport under what a relay does to a channel: reads turned off and on, writes
 * that wait for the socket, after the peer half-closed.
 */
class TransportTest {
    private static final int ANSWER = 8 * 1024 * 1024;

    private final Transport transport = Transport.detect();
    private final EventLoopGroup group = transport.newGroup();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * Netty 4.2.18's epoll registration deletes a channel's descriptor from epoll when it waits
     * for nothing (input shut, reads off, nothing to write), yet remembers it as added: the next
     * wait (here for the socket to drain) then fails with ENOENT and the channel is closed.
     */
    @Test
    void aHalfClosedChannelWithReadsOffStillWritesALargeAnswer() throws Exception {
        assumeTrue(transport.isEpoll(), "the fault is in the epoll transport: " + transport.describe());
        Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new AnswerAfterHalfClose());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        try (Socket client = new Socket()) {
            client.connect(server.localAddress(), 10_000);
            client.setSoTimeout(30_000);
            client.shutdownOutput();
            InputStream in = client.getInputStream();
            byte[] buf = new byte[65536];
            long got = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                got += n;
            }
            assertEquals(ANSWER, got, "bytes the server wrote before it closed");
        } finally {
            server.close().sync();
        }
    }

    /**
     * Netty 4.2.18 finds an event's channel by descriptor number. One batch of events: the first
     * makes a channel close another (as a relay closes both of its channels) and connect a new one
     * (as a proxy connects an upstream inside the read that completed a client's handshake), which
     * gets the number just freed; the second is the closed socket's reset. Netty hands that reset
     * to the new channel, which, still connecting, shuts its input: the soak's relays that closed
     * the client before the upstream answered. With the transport's handler the new channel gets
     * none of the batch's events and works as any other.
     */
    @Test
    void aChannelOpenedWhileABatchIsHandledGetsNoneOfTheClosedSocketsEvents() throws Exception {
        assumeTrue(transport.isEpoll(), "the fault is in the epoll transport: " + transport.describe());
        List<EpollKeptRegistration> handlers = new CopyOnWriteArrayList<>();
        EventLoopGroup one = new MultiThreadIoEventLoopGroup(1, executor -> {
            IoHandler h = EpollKeptRegistration.newFactory().newHandler(executor);
            handlers.add((EpollKeptRegistration) h);
            return h;
        });
        EventLoop loop = one.next();
        List<AutoCloseable> open = new ArrayList<>();
        try (ServerSocket peers = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Staged again when it did not happen: a descriptor number below the closed one may be free
            // (each try keeps its channels open, filling one such gap), or the kernel may have woken epoll
            // for the reset only after the loop had gathered its batch. Whenever it does happen, the new
            // channel must get none of it.
            for (int attempt = 1; attempt <= 20; attempt++) {
                long droppedBefore = loop.submit(() -> handlers.get(0).staleEventsDropped()).get(10, TimeUnit.SECONDS);
                Staged staged = stage(loop, peers, open);
                staged.newChannel.connected.get(10, TimeUnit.SECONDS);
                staged.newPeer.getOutputStream().write("from the peer\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("from the peer\n", staged.newChannel.received.get(10, TimeUnit.SECONDS));
                assertEquals(List.of(), staged.newChannel.inputEnds, "the new channel's peer never shut its output");
                long dropped = loop.submit(() -> handlers.get(0).staleEventsDropped()).get(10, TimeUnit.SECONDS) - droppedBefore;
                if (staged.newFd == staged.closedFd && dropped > 0) {
                    return;
                }
            }
            fail("20 tries never had the closed socket's reset in the batch that gave its descriptor number to a new channel");
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
            one.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** The outcome of one staging: the two descriptor numbers, and the new channel's recorder. */
    private record Staged(int closedFd, int newFd, Recorder newChannel, Socket newPeer) {
    }

    /**
     * Channels {@code x} and {@code y} on {@code loop}; with the loop held, {@code x} becomes
     * readable and then {@code y} is reset, so that one batch holds both, in that order; reading
     * {@code x} closes {@code y} and connects a new channel.
     */
    private static Staged stage(EventLoop loop, ServerSocket peers, List<AutoCloseable> open) throws Exception {
        CompletableFuture<Staged> staged = new CompletableFuture<>();
        Channel[] y = new Channel[1];
        Channel x = connect(loop, peers, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ReferenceCountUtil.release(msg);
                int closedFd = fd(y[0]);
                y[0].close();
                Recorder recorder = new Recorder();
                Channel fresh = new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                        .option(ChannelOption.ALLOW_HALF_CLOSURE, true).handler(recorder)
                        .connect(peers.getLocalSocketAddress()).channel();
                open.add(fresh::close);
                staged.complete(new Staged(closedFd, fd(fresh), recorder, null));
            }
        });
        Socket xPeer = peers.accept();
        open.add(xPeer);
        open.add(x::close);
        y[0] = connect(loop, peers, new ChannelInboundHandlerAdapter());
        Socket yPeer = peers.accept();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            held.countDown();
            awaitUninterruptibly(release);
        });
        try {
            assertTrue(held.await(10, TimeUnit.SECONDS), "the event loop took the task that holds it");
            xPeer.getOutputStream().write('x');
            awaitTcp(() -> receiveQueue(x) > 0, "x's byte to arrive");
            yPeer.setSoLinger(true, 0);
            yPeer.close();
            awaitTcp(() -> receiveQueue(y[0]) < 0, "y's reset to arrive");
        } finally {
            release.countDown();
        }
        Staged s = staged.get(10, TimeUnit.SECONDS);
        Socket newPeer = peers.accept();
        open.add(newPeer);
        return new Staged(s.closedFd, s.newFd, s.newChannel, newPeer);
    }

    private static Channel connect(EventLoop loop, ServerSocket peers, ChannelInboundHandlerAdapter handler) {
        return new Bootstrap().group(loop).channel(EpollSocketChannel.class).handler(handler)
                .connect(peers.getLocalSocketAddress()).syncUninterruptibly().channel();
    }

    private static int fd(Channel ch) {
        return ((UnixChannel) ch).fd().intValue();
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for the kernel's view of a socket to change: no margin, the event itself. */
    private static void awaitTcp(BooleanSupplier done, String what) {
        Await.until(done, () -> "the kernel did not report " + what);
    }

    /**
     * The bytes waiting in {@code ch}'s receive queue, from {@code /proc/net/tcp} and {@code tcp6}
     * (the JDK's and Netty's sockets are IPv6 ones), or -1 once the kernel no longer lists the
     * connection (a reset closed it).
     */
    private static long receiveQueue(Channel ch) {
        String ports = String.format(Locale.ROOT, ":%04X :%04X", ((InetSocketAddress) ch.localAddress()).getPort(),
                ((InetSocketAddress) ch.remoteAddress()).getPort());
        try {
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 4 && f[1].contains(":") && (f[1].substring(f[1].lastIndexOf(':')) + " "
                            + f[2].substring(f[2].lastIndexOf(':'))).equals(ports)) {
                        return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
                    }
                }
            }
            return -1;
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/net/tcp", e);
        }
    }

    /** The new channel's life: connected, what it read, and any end of its input. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Void> connected = new CompletableFuture<>();
        final CompletableFuture<String> received = new CompletableFuture<>();
        final List<Object> inputEnds = new CopyOnWriteArrayList<>();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connected.complete(null);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.complete(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputEnds.add(evt);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            connected.completeExceptionally(cause);
            received.completeExceptionally(cause);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connected.completeExceptionally(new IOException("the new channel closed"));
            received.completeExceptionally(new IOException("the new channel closed"));
            ctx.fireChannelInactive();
        }
    }

    /** When the peer's input ends: reads off (as a relay whose other side is full), then, a moment later, a large answer. */
    private static final class AnswerAfterHalfClose extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                ctx.channel().config().setAutoRead(false);
                ctx.executor().execute(() -> {
                    for (int sent = 0; sent < ANSWER; sent += 65536) {
                        ctx.write(ctx.alloc().buffer(65536).writeZero(65536));
                    }
                    ctx.writeAndFlush(ctx.alloc().buffer(0)).addListener(ChannelFutureListener.CLOSE);
                });
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
