package org.nettytls.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
