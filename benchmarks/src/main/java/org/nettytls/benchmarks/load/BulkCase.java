package org.nettytls.benchmarks.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bulk throughput: opens {@code conns} connections and waits for every handshake, then each asks
 * for {@code /stream}, an endless body the server writes as 16 KiB TLS records; the client reads
 * and counts the bytes for the given time from the moment every connection streams, then closes
 * every connection. Reports every byte received (set-up and close included, as the harness's CPU
 * window is) and how many connections streamed.
 */
final class BulkCase {
    private BulkCase() {
    }

    static String run(EventLoopGroup group, ClientStack stack, int port, int conns, Duration time) throws InterruptedException {
        LongAdder bytes = new LongAdder();
        CountDownLatch streaming = new CountDownLatch(conns);
        AtomicReference<String> failure = new AtomicReference<>();
        var bootstrap = Requests.bootstrap(group, stack, port, (ch, ssl) -> new ChannelInboundHandlerAdapter() {
            private boolean started;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                bytes.add(((ByteBuf) msg).readableBytes());
                ((ByteBuf) msg).release();
                if (!started) {
                    started = true;
                    streaming.countDown();
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                failure.compareAndSet(null, String.valueOf(cause));
                ctx.close();
            }
        });
        List<ChannelFuture> connects = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            connects.add(bootstrap.connect());
        }
        // Every handshake first, so that no connection's set-up competes with the others' streams.
        long setUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Channel> channels = new ArrayList<>();
        for (ChannelFuture connect : connects) {
            channels.add(connect.channel());
            if (connect.await(Math.max(1, setUp - System.nanoTime()), TimeUnit.NANOSECONDS) && connect.isSuccess()) {
                SslHandler ssl = connect.channel().pipeline().get(SslHandler.class);
                if (ssl != null) {
                    ssl.handshakeFuture().await(Math.max(1, setUp - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
            } else if (connect.cause() != null) {
                failure.compareAndSet(null, String.valueOf(connect.cause()));
            }
        }
        for (Channel ch : channels) {
            ch.writeAndFlush(Requests.STREAM.duplicate());
        }
        boolean started = streaming.await(30, TimeUnit.SECONDS);
        if (started) {
            Thread.sleep(time.toMillis());
        }
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().await(10, TimeUnit.SECONDS);
        }
        String f = failure.get();
        return "bytes=" + bytes.sum() + " streaming=" + (conns - streaming.getCount())
                + (f == null ? "" : " first_failure=" + f.replace(' ', '_'));
    }
}
