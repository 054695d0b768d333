package org.nettytls.testing;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Collections;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.nettytls.starttls.StartTlsCompletionEvent;
import org.nettytls.starttls.StopTlsCompletionEvent;

/**
 * A line client on 127.0.0.1 for STARTTLS and STOPTLS tests. It records, in order, every line it
 * reads ({@code line:X (tls)} when an {@code SslHandler} is in the pipeline, else
 * {@code line:X (plain)}), the upgrade and downgrade completion events and any exception
 * ({@code exception:...}); {@link #next()} takes them one by one.
 */
public final class LineClient implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
    private Channel channel;

    /**
     * Connects to {@code port}; {@code first} (null for none, typically a {@code StartTlsHandler})
     * goes before the line decoder, {@code onLine} runs on the event loop for every line read.
     */
    public Channel connect(int port, ChannelHandler first, BiConsumer<ChannelHandlerContext, String> onLine) {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (first != null) {
                    ch.pipeline().addLast(first);
                }
                ch.pipeline().addLast(new LineBasedFrameDecoder(1000), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        String line = ((ByteBuf) msg).toString(StandardCharsets.ISO_8859_1);
                        ((ByteBuf) msg).release();
                        seen.add("line:" + line + (ctx.pipeline().get(SslHandler.class) != null ? " (tls)" : " (plain)"));
                        onLine.accept(ctx, line);
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        if (evt instanceof StartTlsCompletionEvent || evt instanceof StopTlsCompletionEvent) {
                            seen.add(evt.toString());
                        }
                        ctx.fireUserEventTriggered(evt);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        seen.add("exception:" + cause);
                    }
                });
            }
        }).connect("127.0.0.1", port).syncUninterruptibly().channel();
        return channel;
    }

    /** The next thing recorded, waiting up to {@link Await#EVENT} for it. */
    public String next() throws InterruptedException {
        String s = seen.poll(Await.EVENT.toSeconds(), TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("nothing more happened within " + Await.EVENT.toSeconds() + " s");
        }
        return s;
    }

    /** What is recorded and not yet taken by {@link #next()}. */
    public Collection<String> seen() {
        return Collections.unmodifiableCollection(seen);
    }

    /** Writes {@code text} as ISO-8859-1 and flushes. */
    public void write(String text) {
        channel.writeAndFlush(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
