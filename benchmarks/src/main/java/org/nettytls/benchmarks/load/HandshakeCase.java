package org.nettytls.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * New connection per request: {@code conns} connections in flight, each a handshake, one request
 * with {@code Connection: close}, the 2-byte answer, and the server's close; then the next,
 * until the time is up. Counts the exchanges answered, the failures (with the first one's
 * reason) and the handshakes that resumed a session. Full TLS 1.3 handshakes and TLS 1.2
 * resumptions differ only in the stack and the server port; for resumptions one connection
 * first fills the client's session cache.
 */
final class HandshakeCase {
    private final Bootstrap bootstrap;
    private final long deadline;
    private final LongAdder answered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final CountDownLatch slotsDone;

    private HandshakeCase(EventLoopGroup group, ClientStack stack, int port, int conns, Duration time) {
        this.bootstrap = Requests.bootstrap(group, stack, port, (ch, ssl) -> new Exchange(ssl));
        this.deadline = System.nanoTime() + time.toNanos();
        this.slotsDone = new CountDownLatch(conns);
    }

    static String run(EventLoopGroup group, ClientStack stack, int port, int conns, Duration time, boolean seed)
            throws InterruptedException {
        if (seed) {
            HandshakeCase first = new HandshakeCase(group, stack, port, 1, Duration.ZERO);
            first.connect().channel().closeFuture().await(10, TimeUnit.SECONDS);
        }
        HandshakeCase c = new HandshakeCase(group, stack, port, conns, time);
        for (int i = 0; i < conns; i++) {
            c.next();
        }
        boolean finished = c.slotsDone.await(time.toSeconds() + 30, TimeUnit.SECONDS);
        String failure = c.firstFailure.get();
        return "answered=" + c.answered.sum() + " failed=" + c.failed.sum() + " resumed=" + c.resumed.sum()
                + (finished ? "" : " unfinished=true") + (failure == null ? "" : " first_failure=" + failure.replace(' ', '_'));
    }

    private ChannelFuture connect() {
        ChannelFuture f = bootstrap.connect();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                fail(done.cause());
            }
        });
        return f;
    }

    /** A slot's next connection, unless the time is up (or nothing but failures so far). */
    private void next() {
        if (System.nanoTime() - deadline >= 0 || failed.sum() > 1000 && answered.sum() == 0) {
            slotsDone.countDown();
            return;
        }
        connect().channel().closeFuture().addListener(closed -> next());
    }

    private void fail(Throwable cause) {
        failed.increment();
        firstFailure.compareAndSet(null, String.valueOf(cause));
    }

    /** One connection: the request, then whether an answer came before the close. */
    private final class Exchange extends Requests.Sender {
        private final SslHandler ssl;
        private boolean gotAnswer;
        private boolean failedAlready;

        Exchange(SslHandler ssl) {
            super(Requests.CLOSE);
            this.ssl = ssl;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent && ((SslHandshakeCompletionEvent) evt).isSuccess()
                    && ClientStack.resumed(ssl)) {
                resumed.increment();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            gotAnswer |= ((ByteBuf) msg).isReadable();
            ((ByteBuf) msg).release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!gotAnswer && !failedAlready) {
                failedAlready = true;
                fail(cause);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (gotAnswer) {
                answered.increment();
            } else if (!failedAlready) {
                failedAlready = true;
                fail(new IllegalStateException("closed before an answer"));
            }
            ctx.fireChannelInactive();
        }
    }
}
