package org.nettytls.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.uring.IoUring;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.testing.Await;
import org.nettytls.testing.Interop;

/**
 * The transport choice, and each transport under what a relay does to a channel: reads turned
 * off and on, writes that wait for the socket, after the peer half-closed.
 */
class TransportTest {
    /** More than loopback's socket buffers hold, so that the server must wait for the socket to drain. */
    private static final int ANSWER = 32 * 1024 * 1024;
    /** The first 11 bytes of a ClientHello: what a TLS client sends first. */
    private static final byte[] CLIENT_HELLO_START = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
    /** More than one read takes: a reset that comes with it lands while the receiver is still reading. */
    private static final byte[] BULK = new byte[1024 * 1024];

    @Test
    void bestIsIoUringWhereAvailableElseEpollElseNioAndSaysWhy() {
        Transport best = Transport.best();
        if (IoUring.isAvailable()) {
            assertEquals(Transport.Kind.IO_URING, best.kind());
            assertEquals("io_uring", best.describe());
        } else if (Epoll.isAvailable()) {
            assertEquals(Transport.Kind.EPOLL, best.kind());
            assertTrue(best.describe().startsWith("epoll (io_uring unavailable: "), best.describe());
        } else {
            assertEquals(Transport.Kind.NIO, best.kind());
            assertTrue(best.describe().matches("nio \\(io_uring unavailable: .*; epoll unavailable: .*\\)"), best.describe());
        }
    }

    /** On Linux x86_64 with this kernel io_uring must be there, for --transport io_uring and the load harness. */
    @Test
    void ioUringIsAvailableOnLinux() throws TlsException {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
                "io_uring's native library is packaged for linux-x86_64 only");
        if (!IoUring.isAvailable()) {
            String msg = "io_uring is not available here: " + IoUring.unavailabilityCause();
            if (Interop.required()) {
                fail(msg);
            }
            assumeTrue(false, msg);
        }
        assertEquals("io_uring", Transport.named("io_uring").describe());
    }

    @Test
    void namesAsTheCommandLineGivesThem() throws TlsException {
        assertEquals(Transport.Kind.NIO, Transport.named("NIO").kind());
        assertEquals(Transport.best().kind(), Transport.named("auto").kind());
        if (IoUring.isAvailable()) {
            assertEquals(Transport.Kind.IO_URING, Transport.named("io-uring").kind());
            assertEquals(Transport.Kind.IO_URING, Transport.named("iouring").kind());
        }
        if (Epoll.isAvailable()) {
            assertEquals(Transport.Kind.EPOLL, Transport.named("epoll").kind());
            assertEquals("epoll", Transport.named("epoll").describe(), "a forced choice has nothing to explain");
        }
    }

    @Test
    void anUnknownNameIsABadConfigurationNamingTheChoices() {
        TlsException e = assertThrows(TlsException.class, () -> Transport.named("kqueue"));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("expected auto, io_uring, epoll or nio, found 'kqueue'"), e.getMessage());
    }

    /** A forced transport that is not there fails (here: whichever native transport is missing, if any). */
    @Test
    void aForcedTransportThatIsMissingFailsInsteadOfFallingBack() {
        Transport.Kind missing = !IoUring.isAvailable() ? Transport.Kind.IO_URING : !Epoll.isAvailable() ? Transport.Kind.EPOLL : null;
        assumeTrue(missing != null, "every transport is available here");
        TlsException e = assertThrows(TlsException.class, () -> Transport.of(missing));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("expected " + missing.id() + " to be available"), e.getMessage());
    }

    /** The group's loops and the channel classes belong together: a server and a client connect and talk. */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aServerAndAClientOfTheSameTransportTalk(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        EventLoopGroup group = transport.newGroup(1);
        try {
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE);
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            java.util.concurrent.CompletableFuture<String> echoed = new java.util.concurrent.CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            echoed.complete(((io.netty.buffer.ByteBuf) msg).toString(java.nio.charset.StandardCharsets.US_ASCII));
                            ReferenceCountUtil.release(msg);
                        }
                    }).connect(server.localAddress()).sync().channel();
            assertInstanceOf(transport.socketChannel(), client);
            client.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("ping", java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals("ping", echoed.get(30, TimeUnit.SECONDS));
            client.closeFuture().await(30, TimeUnit.SECONDS);
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * Netty 4.2.18's epoll registration deletes a channel's descriptor from epoll when it waits
     * for nothing (input shut, reads off, nothing to write), yet remembers it as added: the next
     * wait (here for the socket to drain) then fails with ENOENT and the channel is closed. Each
     * transport as {@link Transport} gives it must deliver the whole answer; for epoll that is the
     * kept registration, io_uring and NIO have no such state to lose.
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aHalfClosedChannelWithReadsOffStillWritesALargeAnswer(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        assertEquals(ANSWER, answerAfterHalfClose(transport, transport.newGroup(1)), "bytes the server wrote before it"
                + " closed, on " + transport.describe());
    }

    /**
     * Why the epoll fix exists, and the proof that the test above can fail: Netty's own epoll
     * handler loses the channel and cuts the answer short. When a Netty upgrade fixes this, this
     * test fails, and {@code EpollKeptRegistration} can go.
     */
    @Test
    void nettysOwnEpollHandlerLosesTheHalfClosedChannel() throws Exception {
        Transport epoll = available(Transport.Kind.EPOLL);
        long got = answerAfterHalfClose(epoll, new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.epoll.EpollIoHandler.newFactory()));
        assertTrue(got < ANSWER, "Netty's epoll handler delivered all " + got + " bytes: the workaround is no longer needed");
    }

    /** Bytes a client that half-closed at once receives from {@link AnswerAfterHalfClose} on {@code group}. */
    private static long answerAfterHalfClose(Transport transport, EventLoopGroup group) throws Exception {
        try {
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
                // Read only once the server has filled the socket buffers and waits for them to drain:
                // the client holds unread bytes and the server's side has bytes it cannot send.
                int local = client.getLocalPort();
                int remote = ((InetSocketAddress) server.localAddress()).getPort();
                Await.until(() -> {
                    long[] mine = queues(local, remote);
                    long[] its = queues(remote, local);
                    return mine != null && mine[1] > 0 && (its == null || its[0] > 0);
                }, () -> "the server filled the socket buffers: client " + java.util.Arrays.toString(queues(local, remote))
                        + ", server " + java.util.Arrays.toString(queues(remote, local)));
                InputStream in = client.getInputStream();
                byte[] buf = new byte[65536];
                long got = 0;
                try {
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        got += n;
                    }
                } catch (java.net.SocketException reset) {
                    // A channel closed with unread data resets the connection: what came before counts.
                }
                return got;
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A client that connects, sends a few bytes and resets (or closes) at once, before the server
     * accepted: the server still accepts the connection and sees it end.
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aSingleUseListenerClosedOnAcceptStillDeliversItsChild(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        EventLoopGroup group = transport.newGroup(1);
        try {
            for (boolean reset : new boolean[] {false, true}) {
                java.util.concurrent.LinkedBlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
                Channel[] listener = new Channel[1];
                listener[0] = new ServerBootstrap().group(group).channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1)
                        .childHandler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                listener[0].close();
                                ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        seen.add("read");
                                        ReferenceCountUtil.release(msg);
                                    }

                                    @Override
                                    public void channelInactive(ChannelHandlerContext ctx) {
                                        seen.add("inactive");
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        seen.add("exception " + cause);
                                        ctx.close();
                                    }
                                });
                            }
                        }).bind("127.0.0.1", 0).sync().channel();
                try (Socket client = new Socket()) {
                    client.connect(listener[0].localAddress(), 10_000);
                    client.getOutputStream().write(new byte[100]);
                    if (reset) {
                        client.setSoLinger(true, 0);
                    }
                }
                List<String> events = new java.util.ArrayList<>();
                for (String e; !events.contains("inactive") && (e = seen.poll(10, TimeUnit.SECONDS)) != null; ) {
                    events.add(e);
                }
                assertTrue(events.contains("inactive"), "events after " + (reset ? "RST" : "FIN") + " on " + transport.describe() + ": " + events);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A client that sends a few bytes and then closes or resets: the server's channel ends, on every
     * transport as {@link Transport} gives it. A server that missed it would keep the connection
     * open for as long as nothing else happens on it (a relay, a STARTTLS server before the
     * upgrade). On io_uring the reset mostly lands before the recv that takes the first bytes
     * completes, the case {@code IoUringReadsToTheReset} exists for.
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aCloseOrResetAfterTheFirstBytesEndsTheChannel(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        assertEquals(-1, firstMissedReset(transport, transport.newGroup(1), true, 200, Duration.ofSeconds(10)),
                "the round whose close or reset the server never noticed, on " + transport.describe());
    }

    /**
     * The same with the server's reads paused after the first bytes (auto-read off, one read asked
     * for, as a relay waiting for its upstream): a hang-up still ends the channel on io_uring (Netty
     * drains the input after POLLRDHUP, and {@code IoUringReadsToTheReset} lets it reach the reset)
     * and on epoll (EPOLLRDHUP comes whatever the interest set). Not NIO: its selector stops
     * watching a channel whose reads are off, so it hears of the reset at its next read.
     */
    @ParameterizedTest
    @EnumSource(value = Transport.Kind.class, names = {"IO_URING", "EPOLL"})
    void aCloseOrResetAfterTheFirstBytesEndsAChannelWhoseReadsArePaused(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        assertEquals(-1, firstMissedReset(transport, transport.newGroup(1), false, 200, Duration.ofSeconds(10)),
                "the round whose close or reset the server never noticed with reads paused, on " + transport.describe());
    }

    /** A client that connects and closes or resets without sending anything: the server's channel ends. */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aCloseOrResetBeforeAnyBytesEndsTheChannel(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        assertEquals(-1, firstMissedReset(transport, transport.newGroup(1), true, new byte[0], 100, Duration.ofSeconds(10)),
                "the round whose close or reset (before any bytes) the server never noticed, on " + transport.describe());
    }

    /**
     * A client that sends a mebibyte and closes or resets while the server still reads it (a
     * client that gives up mid-upload): the server's channel ends.
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aCloseOrResetDuringABulkTransferEndsTheChannel(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        assertEquals(-1, firstMissedReset(transport, transport.newGroup(1), true, BULK, 40, Duration.ofSeconds(10)),
                "the round whose close or reset mid-transfer the server never noticed, on " + transport.describe());
    }

    /**
     * The other side of a relay: a client channel (a proxy's upstream connection, made with the
     * same transport) whose server sends a few bytes or a mebibyte and then closes or resets ends
     * too. The fix is in the event loop, so it covers every channel registered there.
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aCloseOrResetFromTheServerEndsTheClientChannel(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        for (byte[] payload : new byte[][] {CLIENT_HELLO_START, BULK}) {
            EventLoopGroup group = transport.newGroup(1);
            try (java.net.ServerSocket upstream = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
                upstream.setSoTimeout(30_000);
                for (int round = 0; round < 100; round++) {
                    Channel ch = new Bootstrap().group(group).channel(transport.socketChannel())
                            .handler(new Discarding()).connect(upstream.getLocalSocketAddress()).sync().channel();
                    try (Socket s = upstream.accept()) {
                        s.getOutputStream().write(payload);
                        if (round % 2 == 1) {
                            s.setSoLinger(true, 0);
                        }
                    }
                    assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS), "the client channel still open after the server's "
                            + (round % 2 == 1 ? "reset" : "close") + " with " + payload.length + " bytes, round " + round + ", on "
                            + transport.describe());
                }
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /**
     * Why {@code IoUringReadsToTheReset} exists, and the proof that the tests above can fail: on
     * Netty 4.2.18's own io_uring handler a reset that comes with a client's first bytes is never
     * noticed and the channel stays open. When a Netty upgrade fixes this, this test fails, and
     * the fix can go.
     */
    @Test
    void nettysOwnIoUringHandlerMissesAResetThatComesWithTheFirstBytes() throws Exception {
        Transport ioUring = available(Transport.Kind.IO_URING);
        int missed = firstMissedReset(ioUring, new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.uring.IoUringIoHandler.newFactory()), true, 200, Duration.ofSeconds(10));
        assertTrue(missed >= 0, "Netty's io_uring handler noticed all 100 resets: IoUringReadsToTheReset is no longer needed");
        assertEquals(1, missed % 2, "a close (FIN) was missed too, in round " + missed + ": the fix covers resets only");
    }

    /**
     * Connections on {@code group} that each send 11 bytes (the start of a ClientHello) and then
     * close (even rounds) or reset (odd rounds); returns the first round whose server channel did
     * not close within {@code wait}, or -1. With {@code autoRead} off the server asks for one read
     * and no more.
     */
    private static int firstMissedReset(Transport transport, EventLoopGroup group, boolean autoRead, int rounds, Duration wait)
            throws Exception {
        return firstMissedReset(transport, group, autoRead, CLIENT_HELLO_START, rounds, wait);
    }

    /** The same with {@code payload} sent before each close or reset. */
    private static int firstMissedReset(Transport transport, EventLoopGroup group, boolean autoRead, byte[] payload, int rounds,
            Duration wait) throws Exception {
        try {
            java.util.concurrent.LinkedBlockingQueue<Integer> closed = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childOption(ChannelOption.AUTO_READ, autoRead)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            int n = accepted.getAndIncrement();
                            ch.closeFuture().addListener(f -> closed.add(n));
                            ch.pipeline().addLast(new Discarding() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    if (!autoRead) {
                                        ctx.read();
                                    }
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            try {
                for (int round = 0; round < rounds; round++) {
                    try (Socket client = new Socket()) {
                        client.connect(server.localAddress(), 10_000);
                        client.getOutputStream().write(payload);
                        if (round % 2 == 1) {
                            client.setSoLinger(true, 0);
                        }
                    }
                    Integer n = closed.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                    if (n == null) {
                        return round;
                    }
                    assertEquals(round, n.intValue(), "connections close in order");
                }
                return -1;
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * A connection reset before the server accepted it: {@link Transport#peerAddress} still names
     * the client, on every transport (an FTP server checks a data connection's address with it).
     */
    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void thePeerAddressOfAConnectionResetBeforeTheAcceptIsKnown(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        SocketAddress[] seen = childOfAConnectionResetBeforeTheAccept(transport);
        assertEquals(seen[0], seen[2], "the peer address of a child whose client reset before the accept, on " + transport.describe());
    }

    /**
     * Why {@link Transport#peerAddress} exists: Netty 4.2.18's io_uring transport, with multishot
     * accept, leaves such a child's {@code remoteAddress()} null. When a Netty upgrade fixes this,
     * this test fails, and {@code IoUringPeerName} can go.
     */
    @Test
    void nettysIoUringLeavesTheRemoteAddressOfAConnectionResetBeforeTheAcceptNull() throws Exception {
        Transport ioUring = available(Transport.Kind.IO_URING);
        assumeTrue(IoUring.isAcceptMultishotEnabled(), "io_uring accepts one at a time here, with the address");
        SocketAddress[] seen = childOfAConnectionResetBeforeTheAccept(ioUring);
        assertEquals(null, seen[1], "Netty's io_uring child knows its remote address: IoUringPeerName is no longer needed");
    }

    /**
     * The client's address, and the remote and peer address of the server's child, for a client
     * that connects, sends a few bytes and resets while the listener does not accept (auto-read
     * off), and is accepted only once the server's end of it is closed.
     */
    private static SocketAddress[] childOfAConnectionResetBeforeTheAccept(Transport transport) throws Exception {
        EventLoopGroup group = transport.newGroup(1);
        try {
            java.util.concurrent.CompletableFuture<SocketAddress[]> child = new java.util.concurrent.CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            child.complete(new SocketAddress[] {ch.remoteAddress(), Transport.peerAddress(ch)});
                            ch.close();
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            try {
                InetSocketAddress client;
                try (Socket s = new Socket()) {
                    s.connect(server.localAddress(), 10_000);
                    client = (InetSocketAddress) s.getLocalSocketAddress();
                    s.getOutputStream().write(new byte[11]);
                    s.setSoLinger(true, 0);
                }
                awaitClosed(((InetSocketAddress) server.localAddress()).getPort(), client.getPort());
                server.read();
                SocketAddress[] seen = child.get(30, TimeUnit.SECONDS);
                return new SocketAddress[] {client, seen[0], seen[1]};
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Until the kernel lists no open TCP connection from {@code remotePort} to {@code localPort} (the reset has arrived). */
    private static void awaitClosed(int localPort, int remotePort) throws Exception {
        String local = String.format(":%04X", localPort);
        String remote = String.format(":%04X", remotePort);
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); ; Thread.sleep(10)) {
            boolean open = false;
            for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
                java.nio.file.Path path = java.nio.file.Path.of(table);
                if (!java.nio.file.Files.exists(path)) {
                    continue;
                }
                for (String line : java.nio.file.Files.readAllLines(path)) {
                    String[] f = line.trim().split("\\s+");
                    // st 07 is TCP_CLOSE.
                    open |= f.length > 3 && f[1].endsWith(local) && f[2].endsWith(remote) && !f[3].equals("07");
                }
            }
            if (!open) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the server's end of a reset connection still open after 30 s");
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.Kind.class)
    void aConnectionAbandonedBeforeTheAcceptIsStillAcceptedAndEnds(Transport.Kind kind) throws Exception {
        Transport transport = available(kind);
        EventLoopGroup group = transport.newGroup(1);
        try {
            java.util.concurrent.LinkedBlockingQueue<String> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            Channel server = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new Discarding() {
                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    seen.add("active");
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                    seen.add("inactive");
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            try {
                for (boolean reset : new boolean[] {true, false}) {
                    try (Socket client = new Socket()) {
                        client.connect(server.localAddress(), 10_000);
                        client.getOutputStream().write(new byte[100]);
                        if (reset) {
                            client.setSoLinger(true, 0);
                        }
                    }
                    assertEquals("active", seen.poll(30, TimeUnit.SECONDS), "accepted after " + (reset ? "RST" : "FIN")
                            + " on " + transport.describe());
                    assertEquals("inactive", seen.poll(30, TimeUnit.SECONDS), "closed after " + (reset ? "RST" : "FIN")
                            + " on " + transport.describe());
                }
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
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
        available(Transport.Kind.EPOLL);
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
        long[] q = queues(((InetSocketAddress) ch.localAddress()).getPort(), ((InetSocketAddress) ch.remoteAddress()).getPort());
        return q == null ? -1 : q[1];
    }

    /**
     * The send and receive queues (bytes) of the connection from {@code localPort} to
     * {@code remotePort} on 127.0.0.1, from {@code /proc/net/tcp} and {@code tcp6} (the JDK's and
     * Netty's sockets are IPv6 ones), or null once the kernel no longer lists it.
     */
    private static long[] queues(int localPort, int remotePort) {
        String ports = String.format(Locale.ROOT, ":%04X :%04X", localPort, remotePort);
        try {
            for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 4 && f[1].contains(":") && (f[1].substring(f[1].lastIndexOf(':')) + " "
                            + f[2].substring(f[2].lastIndexOf(':'))).equals(ports)) {
                        String[] q = f[4].split(":");
                        return new long[] {Long.parseLong(q[0], 16), Long.parseLong(q[1], 16)};
                    }
                }
            }
            return null;
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

    /** The transport of {@code kind}, or the test skips where this machine does not have it. */
    private static Transport available(Transport.Kind kind) {
        try {
            return Transport.of(kind);
        } catch (TlsException e) {
            assumeTrue(false, e.getMessage());
            throw new AssertionError(e);
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

    /** Drops what it reads and closes its channel on an error. */
    private static class Discarding extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
