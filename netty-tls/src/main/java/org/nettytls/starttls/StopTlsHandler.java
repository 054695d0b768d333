package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * Downgrades a TLS channel back to plaintext: the reference's {@code stop_SSL}. It sits right in
 * front of (on the network side of) the {@link SslHandler} it removes; {@link StartTlsHandler}
 * puts one there with every upgrade, and a pipeline that starts in TLS can add one with
 * {@code pipeline.addBefore(sslName, null, new StopTlsHandler(ssl, ...))}.
 *
 * <p>{@link #stop(Mode, Duration)} sends close_notify and, in {@link Mode#WAIT}, waits for the
 * peer's; then the {@code SslHandler} is removed and what followed the peer's close_notify in the
 * same read reaches the next handler as plaintext, in order, right after a
 * {@link StartTlsEvent} ({@link StartTlsEvent#DOWNGRADED} or a failure). TLS 1.3 messages that come before the close_notify
 * (NewSessionTicket, KeyUpdate) are consumed by the engine as usual.
 *
 * <p>When the peer's close_notify comes first, a later {@code stop} completes at once; with
 * {@code followPeer} the downgrade happens without waiting for {@code stop}.
 */
public final class StopTlsHandler extends ChannelInboundHandlerAdapter {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(StopTlsHandler.class);

    /** How to end TLS. */
    public enum Mode {
        /** Send close_notify and wait for the peer's (bounded by a timeout): the reference's default. */
        WAIT,
        /**
         * As {@link #WAIT}, but plaintext arriving at a TLS record boundary also ends the wait: the
         * peer went plaintext without its close_notify, as curl does after FTP's {@code CCC} in its
         * passive mode (RFC 4217 section 12.3 lets either side close first). <b>Please note:</b> the
         * end of TLS is then taken from unauthenticated bytes; use it only where the protocol drops
         * integrity on purpose, as CCC does.
         */
        WAIT_OR_PLAINTEXT,
        /**
         * Let the peer close first and answer its close_notify; if it has not closed within the
         * timeout, send close_notify and wait, with no time limit, for the peer's or for plaintext as
         * in {@link #WAIT_OR_PLAINTEXT}. The order RFC 4217 section 12.3 gives for FTP's {@code CCC},
         * and the one that works with every client: lftp and curl's active mode send close_notify
         * right after the {@code 200} and break if the server's arrives together with that reply;
         * curl's passive mode waits for the server's.
         */
        PEER_FIRST,
        /** Send close_notify and go plaintext at once: {@code SSL_fast_shutdown}. */
        FAST,
        /** Go plaintext without sending anything: {@code SSL_no_shutdown}. */
        NONE
    }

    /** How long {@link Mode#WAIT} waits unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final SslHandler ssl;
    private final boolean followPeer;
    private boolean plaintextEndsWait;
    private boolean answerPeer;
    // What the SslHandler raised while we waited: an engine that failed is "inbound done" as well.
    private Throwable readFailure;
    private ChannelInboundHandlerAdapter failureWatch;
    private ChannelHandlerContext ctx;
    private Promise<Channel> promise;
    private ScheduledFuture<?> timer;
    private boolean peerClosed;
    private boolean sentCloseNotify;
    private boolean done;

    // Where the raw stream is in its TLS records, so that a record boundary can be told from plaintext.
    private int recordRemaining;
    private final byte[] header = new byte[5];
    private int headerHave;

    /**
     * @param ssl the handler to remove, right behind this one
     * @param followPeer downgrade as soon as the peer's close_notify arrives, without waiting for {@link #stop}
     */
    public StopTlsHandler(SslHandler ssl, boolean followPeer) {
        this.ssl = Objects.requireNonNull(ssl, "ssl");
        this.followPeer = followPeer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.promise = ctx.executor().newPromise();
        ssl.sslCloseFuture().addListener(f -> {
            if (f.isSuccess()) {
                checkPeerClosed();
            }
        });
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimer();
        if (!done) {
            promise.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED, "the StopTlsHandler was removed before the downgrade finished"));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!done && (sentCloseNotify || answerPeer)) {
            done = true;
            cancelTimer();
            TlsException e = new TlsException(TlsErrorCode.CONNECTION_FAILED,
                    "expected the peer's close_notify, found the connection closed" + (peerClosed ? " during the downgrade" : ""));
            promise.tryFailure(e);
            ctx.fireUserEventTriggered(StartTlsEvent.downgradeFailed(e));
        }
        ctx.fireChannelInactive();
    }

    /** Whether the engine read the peer's close_notify: from then on nothing more can be sent over TLS. */
    boolean peerClosed() {
        return peerClosed;
    }

    /** {@return a future that completes when the downgrade finished (or failed); the same future for every call} */
    public Future<Channel> stopFuture() {
        return promise;
    }

    /** {@return {@link #stop(Mode, Duration)} in {@link Mode#WAIT} with {@link #DEFAULT_TIMEOUT}} */
    public Future<Channel> stop() {
        return stop(Mode.WAIT, DEFAULT_TIMEOUT);
    }

    /**
     * Ends TLS on this channel and continues in plaintext. Call it on the event loop, after the
     * last write that must still go over TLS. A timeout while waiting fails the channel
     * with {@link TlsErrorCode#CLOSE_NOTIFY_TIMEOUT}.
     *
     * @param mode how the close_notify exchange goes
     * @param timeout how long to wait for the peer
     * @return completes when the channel speaks plaintext
     */
    public Future<Channel> stop(Mode mode, Duration timeout) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeout, "timeout");
        if (!ctx.executor().inEventLoop()) {
            ctx.executor().execute(() -> stop(mode, timeout));
            return promise;
        }
        if (done || sentCloseNotify || answerPeer) {
            return promise;
        }
        if (mode == Mode.PEER_FIRST) {
            if (peerClosed) {
                sendCloseNotify();
                finish();
            } else {
                watchFailures();
                answerPeer = true;
                timer = ctx.executor().schedule(this::peerDidNotCloseFirst, timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
            return promise;
        }
        plaintextEndsWait = mode == Mode.WAIT_OR_PLAINTEXT;
        if (mode != Mode.NONE) {
            sendCloseNotify();
        }
        boolean wait = mode == Mode.WAIT || mode == Mode.WAIT_OR_PLAINTEXT;
        if (!wait || peerClosed) {
            finish();
        } else if (!timeout.isZero()) {
            timer = ctx.executor().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        return promise;
    }

    private void sendCloseNotify() {
        watchFailures();
        sentCloseNotify = true;
        ssl.closeOutbound();
    }

    /**
     * Whether the peer's close_notify really arrived. Netty's OpenSSL engine reports every unwrap
     * after our own close_notify went out as CLOSED (it does not wait for the peer's, as the JDK
     * allows), so {@code sslCloseFuture()} also completes when a NewSessionTicket, a KeyUpdate or
     * application data arrives after ours; only the engine's inbound side says that the peer closed.
     */
    private void checkPeerClosed() {
        if (done || peerClosed) {
            return;
        }
        if (readFailure != null) {
            done = true;
            cancelTimer();
            TlsException e = new TlsException(TlsErrorCode.CONNECTION_FAILED,
                    "expected the peer's close_notify, found what TLS could not read: " + readFailure.getMessage(), readFailure);
            promise.tryFailure(e);
            ctx.fireUserEventTriggered(StartTlsEvent.downgradeFailed(e));
            ctx.close();
        } else if (ssl.engine().isInboundDone()) {
            peerClosedTls();
        }
    }

    /** Puts a handler right behind the SslHandler that notes what it raises, for {@link #checkPeerClosed}. */
    private void watchFailures() {
        ChannelHandlerContext sslCtx = ctx.pipeline().context(ssl);
        if (failureWatch != null || sslCtx == null) {
            return;
        }
        failureWatch = new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                if (readFailure == null) {
                    readFailure = cause;
                }
                c.fireExceptionCaught(cause);
            }
        };
        ctx.pipeline().addAfter(sslCtx.name(), null, failureWatch);
    }

    private void peerDidNotCloseFirst() {
        timer = null;
        if (!done && !peerClosed) {
            plaintextEndsWait = true;
            sendCloseNotify();
        }
    }

    private void peerClosedTls() {
        peerClosed = true;
        if (!done && (sentCloseNotify || followPeer || answerPeer)) {
            if (!sentCloseNotify) {
                sendCloseNotify();
            }
            finish();
        }
    }

    private void timedOut() {
        if (done) {
            return;
        }
        done = true;
        TlsException e = new TlsException(TlsErrorCode.CLOSE_NOTIFY_TIMEOUT,
                "expected the peer's close_notify after ours, found none within the timeout");
        promise.tryFailure(e);
        ctx.fireUserEventTriggered(StartTlsEvent.downgradeFailed(e));
        ctx.close();
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        // The event goes first so that the handlers behind know that what follows is plaintext;
        // removing the SslHandler then hands its leftover bytes on (after its decode() returns,
        // when this runs inside it).
        ctx.fireUserEventTriggered(StartTlsEvent.DOWNGRADED);
        if (failureWatch != null && ctx.pipeline().context(failureWatch) != null) {
            ctx.pipeline().remove(failureWatch);
        }
        if (ctx.pipeline().context(ssl) != null) {
            ctx.pipeline().remove(ssl);
        }
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
        promise.trySuccess(ctx.channel());
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            int from = in.readerIndex();
            int plaintextAt = -1;
            // After the handshake the SslHandler gets one record per read: the data of a record is
            // then handed on (and answered) before the engine reads the next, which may be the
            // close_notify it would otherwise answer by closing its own side at once.
            boolean split = ssl.handshakeFuture().isDone();
            int i = from;
            int end = in.writerIndex();
            while (i < end) {
                int next = walkRecord(in, i, end);
                if (next < 0) {
                    plaintextAt = i;
                    break;
                }
                i = next;
                if (split && recordRemaining == 0 && headerHave == 0 && i < end) {
                    fireRecords(ctx, in, from, i);
                    from = i;
                    if (done) {
                        break;
                    }
                }
            }
            if (done) {
                // The downgrade finished inside the SslHandler (the peer's close_notify was in this
                // read): what follows is plaintext, after the StartTlsEvent.
                if (from < end) {
                    ctx.fireChannelRead(in.retainedSlice(from, end - from));
                }
                return;
            }
            if (plaintextAt < 0) {
                fireRecords(ctx, in, from, end);
                return;
            }
            logger.debug("{} plaintext instead of the peer's close_notify: TLS ends here", ctx.channel());
            if (plaintextAt > from) {
                fireRecords(ctx, in, from, plaintextAt);
            }
            finish();
            ctx.fireChannelRead(in.retainedSlice(plaintextAt, end - plaintextAt));
        } finally {
            in.release();
        }
    }

    /** Hands the TLS bytes from {@code from} to {@code to} to the SslHandler, then asks the engine whether the peer closed. */
    private void fireRecords(ChannelHandlerContext ctx, ByteBuf in, int from, int to) {
        if (to > from) {
            ctx.fireChannelRead(in.retainedSlice(from, to - from));
        }
        // The close future may have completed early (see checkPeerClosed): the engine decides.
        checkPeerClosed();
    }

    /**
     * Follows the TLS record headers from {@code i}: returns where the current record (or the
     * bytes available of it) ends, or -1 when plaintext starts here at a record boundary and is
     * to end the wait.
     */
    private int walkRecord(ByteBuf in, int i, int end) {
        if (recordRemaining > 0) {
            int skip = Math.min(recordRemaining, end - i);
            recordRemaining -= skip;
            return i + skip;
        }
        while (i < end) {
            byte b = in.getByte(i);
            if (headerHave == 0 && plaintextEndsWait && sentCloseNotify && (b < 20 || b > 24)) {
                return -1;
            }
            header[headerHave++] = b;
            i++;
            if (headerHave == header.length) {
                recordRemaining = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                headerHave = 0;
                int skip = Math.min(recordRemaining, end - i);
                recordRemaining -= skip;
                return i + skip;
            }
        }
        return i;
    }
}
