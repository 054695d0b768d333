package org.nettytls.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.testing.Interop;

/**
 * The transport choice, and each transport under what a relay does to a channel: reads turned
 * off and on, writes that wait for the socket, after the peer half-closed.
 */
class TransportTest {
    private static final int ANSWER = 8 * 1024 * 1024;

    @Test
    void bestIsTheFastestAvailableAndSaysWhyItPassedOverTheOthers() {
        Transport best = Transport.best();
        Transport.Kind expected = IoUring.isAvailable() ? Transport.Kind.IO_URING
                : Epoll.isAvailable() ? Transport.Kind.EPOLL : Transport.Kind.NIO;
        assertEquals(expected, best.kind(), best.describe());
        if (expected == Transport.Kind.IO_URING) {
            assertEquals("io_uring", best.describe());
        } else {
            assertTrue(best.describe().startsWith(expected.id() + " (io_uring unavailable: "), best.describe());
        }
    }

    /** On Linux x86_64 with this kernel io_uring must be there: the servers' choice depends on it. */
    @Test
    void ioUringIsAvailableOnLinux() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux") && System.getProperty("os.arch").equals("amd64"),
                "io_uring's native library is packaged for linux-x86_64 only");
        if (!IoUring.isAvailable()) {
            String msg = "io_uring is not available here: " + IoUring.unavailabilityCause();
            if (Interop.required()) {
                fail(msg);
            }
            assumeTrue(false, msg);
        }
        assertEquals(Transport.Kind.IO_URING, Transport.best().kind());
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
}
