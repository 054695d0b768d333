package org.nettytls.examples.starttls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.stream.ChunkedInput;
import io.netty.util.concurrent.Future;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data connection of ftp-server on its own, over real sockets on 127.0.0.1. */
class FtpDataConnectionTest {
    @TempDir
    Path root;

    /**
     * A download whose ChunkedWriteHandler is between two chunks (as when it waits for the
     * connection to become writable again) when the client resets the connection: its send must
     * still end, as not sent, and close the input. Before the fix the data connection's inbound
     * handler kept the channelInactive from the ChunkedWriteHandler behind it, and the send, so
     * the 426, never came. The input here has its second chunk never ready, so nothing but the
     * close can end the send.
     */
    @Test
    void aResetBetweenTwoChunksEndsTheSendAsNotSent() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        FtpServer server = new FtpServer(name -> CompletableFuture.completedFuture(null), root, "u", "p",
                FtpServer.SessionReuse.ALLOW, true, Duration.ofSeconds(10), new PrintWriter(new StringWriter()));
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.complete(ctx.channel());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        try (Socket controlClient = new Socket("127.0.0.1", ((InetSocketAddress) listener.localAddress()).getPort())) {
            Channel control = accepted.get(10, TimeUnit.SECONDS);
            FtpDataConnection data = FtpDataConnection.open(control, server, null).get(10, TimeUnit.SECONDS);
            try (Socket client = new Socket("127.0.0.1", data.port())) {
                client.setSoTimeout(10_000);
                data.connection().get(10, TimeUnit.SECONDS);
                StalledAfterFirstChunk input = new StalledAfterFirstChunk();
                Future<Boolean> sent = data.sendAndClose(input, server.files());
                InputStream in = client.getInputStream();
                assertEquals("first", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
                // SO_LINGER 0: closing sends a TCP RST rather than a FIN.
                client.setSoLinger(true, 0);
                client.close();
                assertTrue(sent.await(10, TimeUnit.SECONDS), "the send never ended after the reset");
                assertFalse(sent.getNow(), "a send cut short by a reset counts as not sent");
                assertTrue(input.closed.get(), "the input is closed");
            }
        } finally {
            listener.close().sync();
            server.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** One chunk, then a next one that is never ready: the ChunkedWriteHandler waits with no write in flight. */
    private static final class StalledAfterFirstChunk implements ChunkedInput<ByteBuf> {
        final AtomicBoolean closed = new AtomicBoolean();
        private boolean first = true;

        @Override
        public boolean isEndOfInput() {
            return closed.get();
        }

        @Override
        public void close() {
            closed.set(true);
        }

        @Deprecated
        @Override
        public ByteBuf readChunk(ChannelHandlerContext ctx) {
            return readChunk(ctx.alloc());
        }

        @Override
        public ByteBuf readChunk(ByteBufAllocator allocator) {
            if (!first) {
                return null;
            }
            first = false;
            return allocator.buffer(5).writeBytes("first".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public long length() {
            return -1;
        }

        @Override
        public long progress() {
            return first ? 0 : 5;
        }
    }
}
