package org.nettytls.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Idle connections for the memory case: opens {@code count} connections (or as many as the time
 * limit allows), {@value #IN_FLIGHT} at a time, each a full handshake and one keep-alive request answered (so that the server has
 * finished its side too), and keeps them open until {@link #close()}. Reports how many are open
 * and this JVM's own memory growth ({@link MemoryUse}) across the opening.
 */
final class IdleCase {
    private static final int IN_FLIGHT = 64;

    private final List<Channel> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final Bootstrap bootstrap;
    private final int count;
    private final CountDownLatch slotsDone = new CountDownLatch(IN_FLIGHT);
    private MemoryUse before;
    private MemoryUse after;
    private boolean finished;
    private long deadline;

    private IdleCase(EventLoopGroup group, ClientStack stack, int port, int count) {
        this.count = count;
        this.bootstrap = Requests.bootstrap(group, stack, port, (ch, ssl) -> new Keeper());
    }

    static IdleCase open(EventLoopGroup group, ClientStack stack, int port, int count, Duration limit) throws Exception {
        IdleCase c = new IdleCase(group, stack, port, count);
        c.before = MemoryUse.now();
        c.deadline = System.nanoTime() + limit.toNanos();
        for (int i = 0; i < IN_FLIGHT; i++) {
            c.next();
        }
        c.finished = c.slotsDone.await(limit.toSeconds() + 30, TimeUnit.SECONDS);
        c.after = MemoryUse.now();
        return c;
    }

    String report() {
        String f = firstFailure.get();
        return "open=" + open.size() + " failed=" + failed.get() + (finished ? "" : " unfinished=true")
                + " heap=" + (after.heap - before.heap) + " direct=" + (after.direct - before.direct)
                + " rss=" + (after.rss - before.rss) + (f == null ? "" : " first_failure=" + f.replace(' ', '_'));
    }

    void close() throws InterruptedException {
        for (Channel ch : open) {
            ch.close();
        }
        for (Channel ch : open) {
            ch.closeFuture().await(10, TimeUnit.SECONDS);
        }
        open.clear();
    }

    private void next() {
        if (attempts.incrementAndGet() > count || failed.get() > 100 || System.nanoTime() - deadline >= 0) {
            slotsDone.countDown();
            return;
        }
        bootstrap.connect().addListener(f -> {
            if (!f.isSuccess()) {
                fail(f.cause());
                next();
            }
        });
    }

    private void fail(Throwable cause) {
        failed.incrementAndGet();
        firstFailure.compareAndSet(null, String.valueOf(cause));
    }

    /** Holds one connection once its request is answered; a failure before that frees the slot. */
    private final class Keeper extends Requests.Sender {
        private boolean answered;
        private boolean done;

        Keeper() {
            super(Requests.KEEP);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((ByteBuf) msg).release();
            if (!answered) {
                answered = true;
                open.add(ctx.channel());
                finish();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!answered && !done) {
                fail(cause);
                finish();
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered && !done) {
                fail(new IllegalStateException("closed before an answer"));
                finish();
            }
            open.remove(ctx.channel());
            ctx.fireChannelInactive();
        }

        private void finish() {
            if (!done) {
                done = true;
                next();
            }
        }
    }
}
