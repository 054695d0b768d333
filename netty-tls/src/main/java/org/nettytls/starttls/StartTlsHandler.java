package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import org.nettytls.TlsClientContext;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsObserver;
import org.nettytls.internal.VerifiedPromise;
import org.nettytls.TlsServerContext;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniSelectorOptions;

/**
 * Upgrades a plaintext channel to TLS at a protocol's upgrade point, in either role: the
 * reference's {@code start_SSL} (and {@code SSL_startHandshake => 0} with
 * {@code accept_SSL}/{@code connect_SSL}). Put it in front of every framing decoder:
 *
 * <pre>{@code
 * StartTlsHandler starttls = new StartTlsHandler(Framing.lines());
 * pipeline.addLast(starttls).addLast(new LineBasedFrameDecoder(1000)).addLast(smtp);
 * // in smtp, on "STARTTLS":
 * starttls.startServer(tls, Unpooled.copiedBuffer("220 Ready\r\n", US_ASCII));
 * }</pre>
 *
 * <p><b>No plaintext crosses the upgrade, by construction.</b> While the channel is plaintext,
 * this handler passes the bytes on one {@link Framing frame} at a time and holds back an
 * incomplete frame, so the decoders behind it never hold more than the frame being handled.
 * When that frame makes the protocol handler upgrade (the server's STARTTLS command, the
 * client's positive reply), whatever arrived after it in plaintext is still here and is never
 * handed on: by default the connection fails with {@link TlsErrorCode#PLAINTEXT_AFTER_UPGRADE}
 * (CVE-2011-0411, CVE-2021-33515, CVE-2021-23222 and curl's CVE-2021-22947 are this bug);
 * {@link PlaintextPolicy#DISCARD} drops and logs them instead. Call the {@code start} methods
 * on the event loop while handling the frame, as a {@code ChannelHandler} does.
 *
 * <p>The {@code start} methods write the positive reply, then call the one install path of the
 * role ({@link TlsClientContext#installBefore}, {@link TlsServerContext#installBefore}): the
 * {@link SslHandler} goes in front of this handler with everything the options put behind it
 * (failure events, and for a client the identity gates that run after the handshake), exactly as
 * on a channel that speaks TLS from the start; a {@link StopTlsHandler} goes in front of it, so
 * that {@link #stopTls} can downgrade again (upgrade, downgrade and upgrade again on one channel
 * works). The returned future and a {@link StartTlsEvent} report the end of the
 * handshake with the verdict of every check; a failed handshake closes the channel: there is no
 * fallback to plaintext.
 *
 * <p><b>Please note:</b> an application that calls {@code startServer} itself marks the upgrade
 * point itself: call it only where a command starts (not inside data) and when every earlier
 * command has been answered, or the answers arrive inside TLS. {@link StartTlsServer} does this
 * for the protocols of {@link StartTlsProtocol}.
 */
public final class StartTlsHandler extends ChannelDuplexHandler {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(StartTlsHandler.class);

    /** What to do with plaintext that arrived after the upgrade point. */
    public enum PlaintextPolicy {
        /** Fail the connection with {@link TlsErrorCode#PLAINTEXT_AFTER_UPGRADE} (the default). */
        FAIL,
        /** Drop the bytes, log them, and go on with the upgrade. */
        DISCARD
    }

    /** Frames longer than this are passed on unsplit, and an upgrade while one is incomplete fails. */
    public static final int DEFAULT_MAX_FRAME = 64 * 1024;

    private final Framing framing;
    private final PlaintextPolicy policy;
    private final int maxFrame;
    private ChannelHandlerContext ctx;
    private ByteBuf held;
    private boolean partialPassed;
    private boolean tls;
    private boolean pointReached;
    private boolean paused;
    private boolean stoppedAutoRead;
    private boolean stopping;
    private PendingWriteQueue heldWrites;
    private Promise<Channel> upgrade;
    private StopTlsHandler stopper;
    private TlsObserver observer;
    private String protocol = "custom";
    private boolean client;

    /**
     * Fails the connection on plaintext after the upgrade point.
     *
     * @param framing how the plaintext is cut into frames
     */
    public StartTlsHandler(Framing framing) {
        this(framing, PlaintextPolicy.FAIL, DEFAULT_MAX_FRAME);
    }

    /**
     * A handler for one connection that reads plaintext frames until the TLS upgrade.
     *
     * @param framing how the plaintext is cut into frames
     * @param policy what happens to plaintext sent after the upgrade command
     * @param maxFrame the longest frame accepted, in bytes
     */
    public StartTlsHandler(Framing framing, PlaintextPolicy policy, int maxFrame) {
        this.framing = Objects.requireNonNull(framing, "framing");
        this.policy = Objects.requireNonNull(policy, "policy");
        if (maxFrame <= 0) {
            throw new IllegalArgumentException("maxFrame: " + maxFrame + " (expected > 0)");
        }
        this.maxFrame = maxFrame;
    }

    /** {@return whether the channel currently speaks TLS through this handler (from the upgrade until a downgrade)} */
    public boolean isTls() {
        return tls;
    }

    /**
     * Server role: writes {@code positiveReply} (a {@code ByteBuf}, or {@code null} if the
     * protocol handler wrote and flushed it already) in plaintext, then starts TLS through
     * {@link TlsServerContext#installBefore}, as a server that speaks TLS from the start gets it.
     * The future completes when the client's handshake was accepted.
     *
     * @param tls the server context
     * @param positiveReply the plaintext reply that announces the upgrade, or {@code null}
     * @return completes with the channel when the client's handshake was accepted
     */
    public Future<Channel> startServer(TlsServerContext tls, Object positiveReply) {
        Objects.requireNonNull(tls, "tls");
        return onEventLoop(() -> {
            observeWith(tls.options().observer(), false);
            Promise<Channel> result = begin(positiveReply);
            if (!result.isDone()) {
                SslHandler ssl;
                try {
                    ssl = tls.installBefore(ctx.pipeline(), ctx.name());
                } catch (RuntimeException e) {
                    upgradeFailed(result, setupFailed(e));
                    return result;
                }
                attach(ssl, result);
            }
            return result;
        });
    }

    /**
     * Client role: starts the handshake with the server named {@code host} (SNI, identity check,
     * session cache key) through {@link TlsClientContext#installBefore}, the install path of
     * direct TLS: every check the options ask for runs, including those after the handshake
     * (OCSP resolving, CRL distribution points), and the future completes only with their
     * verdict.
     *
     * @param tls the client context
     * @param host the server's name
     * @param port the server's port
     * @return completes with the channel when TLS is on and verified
     */
    public Future<Channel> startClient(TlsClientContext tls, String host, int port) {
        return startClient(tls, host, port, host + ":" + port);
    }

    /**
     * {@link #startClient(TlsClientContext, String, int)} with the session filed under {@code sessionKey} ({@code
     * SSL_session_key}).
     *
     * @param tls the client context
     * @param host the server's name
     * @param port the server's port
     * @param sessionKey the key the session is filed under
     * @return completes with the channel when TLS is on and verified
     */
    public Future<Channel> startClient(TlsClientContext tls, String host, int port, String sessionKey) {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(sessionKey, "sessionKey");
        return onEventLoop(() -> {
            observeWith(tls.options().observer(), true);
            Promise<Channel> result = begin(null);
            if (!result.isDone()) {
                SslHandler ssl;
                try {
                    ssl = tls.installBefore(ctx.pipeline(), ctx.name(), host, port, sessionKey);
                } catch (TlsException e) {
                    upgradeFailed(result, e);
                    return result;
                } catch (RuntimeException e) {
                    upgradeFailed(result, setupFailed(e));
                    return result;
                }
                attach(ssl, result);
            }
            return result;
        });
    }

    /**
     * Server role with a certificate per requested name: writes {@code positiveReply} in plaintext,
     * then lets an {@link SniCertSelector} read the ClientHello and choose the context, as a server
     * that speaks TLS from the start does ({@code SSL_cert_file => { host => ... }} after
     * {@code start_SSL}). The future completes when the client's handshake was accepted; an
     * unknown name or a failed lookup fails it and closes the channel.
     *
     * @param lookup finds the context for the requested name
     * @param options the selector's limits
     * @param positiveReply the plaintext reply that announces the upgrade, or {@code null}
     * @return completes with the channel when the client's handshake was accepted
     */
    public Future<Channel> startServer(SniLookup lookup, SniSelectorOptions options, Object positiveReply) {
        Objects.requireNonNull(lookup, "lookup");
        Objects.requireNonNull(options, "options");
        return onEventLoop(() -> {
            observeWith(options.observer(), false);
            Promise<Channel> result = begin(positiveReply);
            if (result.isDone()) {
                return result;
            }
            SniCertSelector selector = new SniCertSelector(lookup, options);
            ctx.pipeline().addBefore(ctx.name(), null, selector);
            selector.selectedFuture().addListener((Future<SslHandler> f) -> {
                if (f.isSuccess()) {
                    attach(f.getNow(), result);
                } else {
                    // The selector closed the channel already.
                    upgradeFailed(result, TlsException.classify(f.cause()));
                }
            });
            return result;
        });
    }

    /**
     * Starts TLS with a ready {@link SslHandler} (of either role) after writing {@code reply}
     * in plaintext, if it is not {@code null}. <b>Please note:</b> only the checks inside the
     * handshake run with a bare handler; the {@code startServer} and {@code startClient} methods
     * add everything the options ask for.
     *
     * @param ssl the handler, of either role
     * @param reply a plaintext reply to write first, or {@code null}
     * @return completes with the channel when the handshake finished
     */
    public Future<Channel> start(SslHandler ssl, Object reply) {
        Objects.requireNonNull(ssl, "ssl");
        return onEventLoop(() -> {
            Promise<Channel> result = begin(reply);
            if (!result.isDone()) {
                ctx.pipeline().addBefore(ctx.name(), null, ssl);
                attach(ssl, result);
            } else {
                ReferenceCountUtil.release(ssl.engine());
            }
            return result;
        });
    }

    /**
     * For {@link StartTlsServer} and {@link StartTlsClient}: the protocol, role and observer that
     * upgrades, refusals and downgrades on this channel are reported with.
     */
    void observe(String protocolId, boolean clientRole, TlsObserver o) {
        this.protocol = protocolId;
        this.client = clientRole;
        this.observer = o;
    }

    private void observeWith(TlsObserver o, boolean clientRole) {
        if (o != null) {
            observer = o;
            client = clientRole;
        }
    }

    /** Fires the upgrade's outcome down the pipeline and tells the observer. */
    private void completed(StartTlsEvent event) {
        if (!event.isSuccess()) {
            // An upgrade that never reached a handshake (refused, or plaintext after the upgrade point).
            VerifiedPromise.fail(ctx.channel(), event.cause());
        }
        ctx.fireUserEventTriggered(event);
        TlsObserver o = observer;
        if (o != null) {
            try {
                o.startTlsCompleted(ctx.channel(), protocol, client, event);
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
    }

    private Future<Channel> onEventLoop(java.util.function.Supplier<Future<Channel>> action) {
        if (ctx.executor().inEventLoop()) {
            return action.get();
        }
        Promise<Channel> p = ctx.executor().newPromise();
        ctx.executor().execute(() -> action.get().addListener(f -> cascade(f, p)));
        return p;
    }

    /** Writes the reply; from here on the channel is TLS, whatever handler brings it. */
    private Promise<Channel> begin(Object reply) {
        if (tls || upgrade != null && !upgrade.isDone()) {
            ReferenceCountUtil.release(reply);
            return failEarly(new TlsException(TlsErrorCode.HANDSHAKE_FAILED, "expected a plaintext channel to upgrade, found TLS already on"));
        }
        if (reply != null) {
            ctx.writeAndFlush(reply);
        }
        upgrade = ctx.executor().newPromise();
        Promise<Channel> result = upgrade;
        tls = true;
        pointReached = false;
        // Called outside a read, the upgrade point is where the bytes handed on so far end.
        if (held != null || partialPassed) {
            plaintextAfterUpgrade();
        }
        return result;
    }

    /**
     * Once the SslHandler is in the pipeline: the StopTlsHandler in front of it. The upgrade ends
     * with the {@link SslHandshakeCompletionEvent} that reaches this handler, which the identity
     * gates in front of it hold until their verdict.
     */
    private void attach(SslHandler ssl, Promise<Channel> result) {
        if (result.isDone() || ctx.pipeline().context(ssl) == null) {
            return;
        }
        stopper = new StopTlsHandler(ssl, false);
        ctx.pipeline().addBefore(ctx.pipeline().context(ssl).name(), null, stopper);
    }

    private static void cascade(Future<?> from, Promise<Channel> to) {
        if (from.isSuccess()) {
            to.trySuccess((Channel) from.getNow());
        } else {
            to.tryFailure(from.cause());
        }
    }

    private Promise<Channel> failEarly(TlsException e) {
        return ctx.executor().<Channel>newPromise().setFailure(e);
    }

    /**
     * TLS could not be put on the channel (an identity gate's supplier or a staple source threw):
     * the channel already counts as TLS, so the upgrade fails like a failed handshake.
     */
    private static TlsException setupFailed(RuntimeException e) {
        return new TlsException(TlsErrorCode.BAD_CONFIGURATION, "expected to put TLS on the channel, found: " + e, e);
    }

    private void upgradeFailed(Promise<Channel> result, TlsException e) {
        if (result.tryFailure(e)) {
            completed(StartTlsEvent.upgradeFailed(e));
        }
        // Never go on in plaintext after a failed upgrade.
        ctx.close();
    }

    /**
     * Downgrades to plaintext ({@code stop_SSL}); writes made while the downgrade runs wait and
     * go out in plaintext after it. See {@link StopTlsHandler#stop(StopTlsHandler.Mode, Duration)}.
     *
     * @param mode how the close_notify exchange goes
     * @param timeout how long to wait for the peer
     * @return completes with the channel when it speaks plaintext again
     */
    public Future<Channel> stopTls(StopTlsHandler.Mode mode, Duration timeout) {
        if (!ctx.executor().inEventLoop()) {
            Promise<Channel> p = ctx.executor().newPromise();
            ctx.executor().execute(() -> stopTls(mode, timeout).addListener(f -> cascade(f, p)));
            return p;
        }
        if (!tls || stopper == null) {
            return failEarly(new TlsException(TlsErrorCode.CONNECTION_FAILED, "expected TLS started by this handler to stop, found a plaintext channel"));
        }
        stopping = true;
        Future<Channel> f = stopper.stop(mode, timeout);
        f.addListener(done -> releaseHeldWrites(done.isSuccess() ? null : done.cause()));
        return f;
    }

    /** {@return the handler that can downgrade the current TLS session, or {@code null} when there is none} */
    public StopTlsHandler stopTlsHandler() {
        return tls ? stopper : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.heldWrites = new PendingWriteQueue(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
        heldWrites.removeAndFailAll(new TlsException(TlsErrorCode.CONNECTION_FAILED, "the StartTlsHandler was removed"));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        if (upgrade != null && !upgrade.isDone()) {
            TlsException e = new TlsException(TlsErrorCode.CONNECTION_FAILED, "the connection closed before the upgrade finished");
            if (upgrade.tryFailure(e)) {
                completed(StartTlsEvent.upgradeFailed(e));
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent && upgrade != null && !upgrade.isDone()) {
            SslHandshakeCompletionEvent completion = (SslHandshakeCompletionEvent) evt;
            ctx.fireUserEventTriggered(evt);
            if (completion.isSuccess()) {
                upgrade.trySuccess(ctx.channel());
                completed(StartTlsEvent.UPGRADED);
            } else {
                upgradeFailed(upgrade, TlsException.classify(completion.cause()));
            }
            return;
        }
        if (evt instanceof StartTlsEvent && !((StartTlsEvent) evt).isUpgrade() && observer != null) {
            try {
                observer.startTlsCompleted(ctx.channel(), protocol, client, (StartTlsEvent) evt);
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
        if (evt == StartTlsEvent.DOWNGRADED) {
            // From here on the SslHandler is gone (its leftover bytes come next): plaintext again.
            tls = false;
            stopper = null;
            stopping = true;
            ctx.executor().execute(() -> releaseHeldWrites(null));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (stopping) {
            heldWrites.add(msg, promise);
        } else if (tls && stopper != null && stopper.peerClosed()) {
            // Netty's OpenSSL engine closes its own side on the peer's close_notify (RFC 5246
            // section 7.2.1 asks that of TLS 1.2; RFC 8446 section 6.1 would let TLS 1.3 go on), so
            // this can no longer go out over TLS: say so instead of the engine's silent failure.
            ReferenceCountUtil.release(msg);
            TlsException e = new TlsException(TlsErrorCode.CONNECTION_FAILED, "expected to send over TLS, found TLS closed by"
                    + " the peer's close_notify: answer a downgrade command while handling it, before the next record is read");
            logger.warn("{} {}", ctx.channel(), e.getMessage());
            promise.tryFailure(e);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!stopping) {
            ctx.flush();
        }
    }

    private void releaseHeldWrites(Throwable failure) {
        if (!stopping) {
            return;
        }
        stopping = false;
        if (failure != null) {
            heldWrites.removeAndFailAll(failure);
        } else {
            heldWrites.removeAndWriteAll();
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (tls || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (held != null) {
            in = ctx.alloc().buffer(held.readableBytes() + in.readableBytes()).writeBytes(held).writeBytes(in);
            held.release();
            ReferenceCountUtil.release(msg);
            held = null;
        }
        handFrames(in);
    }

    /** Hands the frames of {@code in} on one at a time, and keeps what must wait; releases {@code in}. */
    private void handFrames(ByteBuf in) {
        try {
            while (in.isReadable() && !ctx.isRemoved()) {
                if (tls || pointReached) {
                    // The frame just handed on was the upgrade point: the rest came in plaintext after it.
                    held = in.retain();
                    plaintextAfterUpgrade();
                    return;
                }
                if (paused) {
                    held = in.retain();
                    return;
                }
                int n;
                try {
                    n = framing.frameLength(in);
                } catch (IllegalArgumentException e) {
                    in.skipBytes(in.readableBytes());
                    ctx.fireExceptionCaught(TlsException.badInput("the peer", "expected a frame of the protocol, found " + e.getMessage(), e));
                    ctx.close();
                    return;
                }
                if (n < 0) {
                    if (in.readableBytes() <= maxFrame) {
                        held = in.retain();
                        return;
                    }
                    partialPassed = true;
                    ctx.fireChannelRead(in.retainedSlice());
                    in.skipBytes(in.readableBytes());
                    return;
                }
                partialPassed = false;
                ctx.fireChannelRead(in.readRetainedSlice(n));
            }
        } finally {
            in.release();
        }
    }

    /**
     * For {@link StartTlsServer}: the frame being handed on is the upgrade command, answered later
     * (when the application has answered every earlier command). Whatever follows it in plaintext
     * is treated as if TLS were already on: it never reaches a handler.
     */
    void upgradePointReached() {
        pointReached = true;
    }

    /**
     * For {@link StartTlsServer}: hand no further frame on until {@link #resumeFrames()}, because
     * what the next one means depends on an answer the application has not written yet (the
     * reply to SMTP's {@code DATA}, say). Reading stops meanwhile, so a client that does not wait
     * costs no memory.
     */
    void pauseFrames() {
        if (paused) {
            return;
        }
        paused = true;
        if (ctx.channel().config().isAutoRead()) {
            stoppedAutoRead = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Ends {@link #pauseFrames()}: the frames kept meanwhile go on, from the event loop's next turn. */
    void resumeFrames() {
        if (!paused) {
            return;
        }
        paused = false;
        if (stoppedAutoRead) {
            stoppedAutoRead = false;
            ctx.channel().config().setAutoRead(true);
        }
        ctx.executor().execute(() -> {
            if (held != null && !paused && !tls && !ctx.isRemoved()) {
                ByteBuf in = held;
                held = null;
                handFrames(in);
            }
        });
    }

    /** For {@link StartTlsServer}: an upgrade that was to come cannot; the connection ends. */
    void abandonUpgrade(TlsException e) {
        pointReached = false;
        completed(StartTlsEvent.upgradeFailed(e));
        ctx.close();
    }

    private void plaintextAfterUpgrade() {
        int count = held != null ? held.readableBytes() : 0;
        String preview = held != null ? printable(held) : "";
        releaseHeld();
        boolean partial = partialPassed;
        partialPassed = false;
        if (policy == PlaintextPolicy.DISCARD && !partial) {
            logger.warn("{} discarded {} plaintext bytes received after the upgrade point: {}", ctx.channel(), count, preview);
            return;
        }
        TlsException e = new TlsException(TlsErrorCode.PLAINTEXT_AFTER_UPGRADE, partial
                ? "expected nothing buffered at the upgrade point, found an incomplete frame longer than " + maxFrame + " bytes"
                : "expected nothing after the upgrade point until the TLS handshake, found " + count + " plaintext bytes: " + preview);
        if (upgrade != null && upgrade.tryFailure(e) || pointReached) {
            completed(StartTlsEvent.upgradeFailed(e));
        }
        pointReached = false;
        ctx.close();
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    private static String printable(ByteBuf b) {
        int n = Math.min(b.readableBytes(), 64);
        String s = b.toString(b.readerIndex(), n, StandardCharsets.ISO_8859_1);
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        sb.append(n < b.readableBytes() ? "\"..." : "\"");
        return sb.toString();
    }

    @Override
    public String toString() {
        return "StartTlsHandler(" + (tls ? "tls" : "plaintext") + ", " + policy + ")";
    }
}
