package org.nettytls.verify;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import java.util.Map;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.HostnameSchemeVerifier;
import org.nettytls.annotation.Spi;

/**
 * Holds every application write and read behind an {@link SslHandler} until a verdict on the
 * peer's identity, which may come later than the handshake (an OCSP answer fetched over the
 * network, say): the mechanism behind "identity before data" for checks that cannot run inside
 * the handshake. {@link HostnameSchemeVerifier} and netty-tls-ocsp's {@code OcspStapleHandler}
 * are built on it.
 *
 * <ul>
 * <li>Writes and flushes from the handlers after it are held in order, with their promises; reads
 *     are held too. The successful {@link SslHandshakeCompletionEvent} is held back as well, so
 *     the handlers after it learn of the handshake only with the verdict.
 * <li>When the handshake completes, {@link #judge} is called on the event loop. It must call
 *     {@link #pass} or {@link #refuse} exactly once, then or later, from the channel's event loop.
 * <li>On a pass the held writes go on in their order (each flush where it was), then the held
 *     completion event, then the held reads, and the gate removes itself.
 * <li>On a refusal every held write's promise fails with the {@link TlsException}, held messages
 *     are released, the handlers after it see a failed {@link SslHandshakeCompletionEvent} whose
 *     cause is the {@link TlsException}, and the channel is closed. Later writes fail the same way.
 *     (What netty-tls installs behind the gates turns that event into a {@code TlsHandshakeEvent}.)
 * <li>A handshake that fails inside the {@code SslHandler} fails the held writes with the
 *     classified exception; its own event passes on unchanged.
 * </ul>
 *
 * <p>One instance per channel; add it after the {@code SslHandler}.
 */
@Spi
public abstract class IdentityGate extends ChannelDuplexHandler {
    /** Marks where a flush came between held writes. */
    private static final Object FLUSH = new Object() {
        @Override
        public String toString() {
            return "IdentityGate.FLUSH";
        }
    };

    private enum State { HOLDING, JUDGING, RELEASING, PASSING, REFUSED }

    private final ArrayDeque<Object> heldReads = new ArrayDeque<>();
    private PendingWriteQueue heldWrites;
    private boolean flushIsLastHeld;
    private SslHandler ssl;
    private State state = State.HOLDING;
    private TlsException failure;
    private Object heldCompletion;

    /** For subclasses; a gate holds one connection's state, so make one per channel. */
    protected IdentityGate() {
    }

    /**
     * Called once, on the event loop, after a successful handshake: decide, and call
     * {@link #pass} or {@link #refuse}, now or later.
     *
     * @param ctx this gate's context
     * @param ssl the handler whose handshake finished
     */
    protected abstract void judge(ChannelHandlerContext ctx, SslHandler ssl);

    /** {@return the name used in messages about this gate} */
    protected String gateName() {
        return getClass().getSimpleName();
    }

    /** {@return the {@code SslHandler} this gate sits behind; set once the gate is added} */
    protected final SslHandler sslHandler() {
        return ssl;
    }

    /** {@return whether the gate still waits for its verdict: {@link #pass} or {@link #refuse} would take effect} */
    protected final boolean awaitingVerdict() {
        return state == State.JUDGING;
    }

    /**
     * Finds the {@code SslHandler} before this handler. Without one nothing would hold writes
     * back, so the channel is closed and the handler fails to be added.
     */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ssl = sslHandlerBefore(ctx);
        if (ssl == null) {
            ctx.close();
            throw new IllegalStateException(gateName() + " must come after an SslHandler in the pipeline, "
                    + "but none is before it in " + ctx.pipeline().names() + "; the channel is closed");
        }
        heldWrites = new PendingWriteQueue(ctx);
        Future<Channel> handshake = ssl.handshakeFuture();
        if (handshake.isDone()) {
            if (handshake.isSuccess()) {
                startJudging(ctx, null);
            } else {
                abandon(TlsException.classify(handshake.cause()));
            }
        }
    }

    private SslHandler sslHandlerBefore(ChannelHandlerContext ctx) {
        SslHandler found = null;
        for (Map.Entry<String, ChannelHandler> e : ctx.pipeline()) {
            if (e.getValue() == this) {
                return found;
            }
            if (e.getValue() instanceof SslHandler) {
                found = (SslHandler) e.getValue();
            }
        }
        return null;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (isUndecided()) {
            abandon(new TlsException(TlsErrorCode.HANDSHAKE_FAILED,
                    gateName() + " was removed before the peer's identity was verified"));
        }
    }

    private boolean isUndecided() {
        return state == State.HOLDING || state == State.JUDGING || state == State.RELEASING;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (state == State.HOLDING && evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent completion = (SslHandshakeCompletionEvent) evt;
            if (completion.isSuccess()) {
                startJudging(ctx, evt);
                return;
            }
            abandon(TlsException.classify(completion.cause()));
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void startJudging(ChannelHandlerContext ctx, Object completion) {
        state = State.JUDGING;
        heldCompletion = completion;
        try {
            judge(ctx, ssl);
        } catch (RuntimeException e) {
            refuse(ctx, new TlsException(TlsErrorCode.PEER_CERT_REJECTED, gateName() + " failed: " + e, e));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (state) {
            case PASSING:
                ctx.fireChannelRead(msg);
                break;
            case REFUSED:
                ReferenceCountUtil.release(msg);
                break;
            default:
                heldReads.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (state == State.PASSING) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (isUndecided()) {
            abandon(new TlsException(TlsErrorCode.CONNECTION_FAILED,
                    "the connection closed before the peer's identity was verified"));
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (state) {
            case PASSING:
                ctx.write(msg, promise);
                break;
            case REFUSED:
                ReferenceCountUtil.release(msg);
                if (!promise.isVoid()) {
                    promise.tryFailure(failure);
                }
                break;
            default:
                heldWrites.add(msg, promise);
                flushIsLastHeld = false;
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        switch (state) {
            case PASSING:
                ctx.flush();
                break;
            case RELEASING:
                if (heldWrites.isEmpty()) {
                    // Held writes already passed on without a flush may be waiting for this one.
                    ctx.flush();
                    break;
                }
                holdFlush(ctx);
                break;
            case HOLDING:
            case JUDGING:
                holdFlush(ctx);
                break;
            default:
                break;
        }
    }

    private void holdFlush(ChannelHandlerContext ctx) {
        // A flush with nothing held before it has nothing of ours to flush.
        if (!heldWrites.isEmpty() && !flushIsLastHeld) {
            heldWrites.add(FLUSH, ctx.voidPromise());
            flushIsLastHeld = true;
        }
    }

    /**
     * The peer passed: let everything held through, in order, and step out of the pipeline.
     *
     * @param ctx this gate's context
     */
    protected final void pass(ChannelHandlerContext ctx) {
        if (state != State.JUDGING) {
            return;
        }
        state = State.RELEASING;
        passHeldWrites(ctx);
        Object completion = heldCompletion;
        heldCompletion = null;
        if (completion != null) {
            ctx.fireUserEventTriggered(completion);
        }
        // What the handlers after this one write or read while it empties stays in order behind the rest.
        while (state == State.RELEASING && (!heldWrites.isEmpty() || !heldReads.isEmpty())) {
            passHeldReads(ctx);
            passHeldWrites(ctx);
        }
        if (state == State.RELEASING) {
            state = State.PASSING;
            if (!ctx.isRemoved()) {
                ctx.pipeline().remove(this);
            }
        }
    }

    private void passHeldWrites(ChannelHandlerContext ctx) {
        while (state == State.RELEASING && !heldWrites.isEmpty()) {
            if (heldWrites.current() == FLUSH) {
                heldWrites.remove();
                ctx.flush();
            } else {
                heldWrites.removeAndWrite();
            }
        }
        flushIsLastHeld = false;
    }

    private void passHeldReads(ChannelHandlerContext ctx) {
        boolean any = false;
        Object msg;
        while (state == State.RELEASING && (msg = heldReads.poll()) != null) {
            any = true;
            ctx.fireChannelRead(msg);
        }
        if (any) {
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * The peer is refused: nothing held reaches anyone, the handlers after learn why, and the channel closes.
     *
     * @param ctx this gate's context
     * @param refusal why, with its code
     */
    protected final void refuse(ChannelHandlerContext ctx, TlsException refusal) {
        if (state != State.JUDGING) {
            return;
        }
        abandon(refusal);
        ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(refusal));
        ctx.close();
    }

    /** Fails and releases everything held; from now on writes fail and reads are dropped. */
    private void abandon(TlsException cause) {
        state = State.REFUSED;
        failure = cause;
        heldCompletion = null;
        if (heldWrites != null) {
            heldWrites.removeAndFailAll(cause);
        }
        Object msg;
        while ((msg = heldReads.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
