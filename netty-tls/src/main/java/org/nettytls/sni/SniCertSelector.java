package org.nettytls.sni;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsFailureEvent;
import org.nettytls.TlsFailureEvents;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.internal.HandshakeStart;
import org.nettytls.trap.ErrorTrap;
import org.nettytls.trap.ErrorTrapHandler;

/**
 * A server's first handler: reads the ClientHello, asks an {@link SniLookup} for the context of
 * the requested name, and replaces itself with that context's {@link SslHandler} (same name in
 * the pipeline), which then reads the same ClientHello. The reference's
 * {@code SSL_cert_file => { host => ..., 'host%ecc' => ..., '' => default }} and
 * {@code get_servername}.
 *
 * <pre>{@code
 * SniMapping mapping = SniMapping.builder()...build();
 * ch -> SniCertSelector.install(ch.pipeline(), mapping, SniSelectorOptions.DEFAULTS)
 * }</pre>
 *
 * <p>Unlike Netty's {@code SniHandler} it bounds the ClientHello's size and the time until it
 * has arrived, bounds the lookup's time, installs the chosen name's handlers exactly as
 * {@link TlsServerContext#install(ChannelPipeline)} would (its {@code TlsServerOptions}' handshake
 * timeout, error trap, close mode and debug log apply), and lets BoringSSL choose between a name's
 * RSA and ECDSA certificates by what the client offered. A client that sends plaintext names no
 * server: when the context for no name (the default) has an error trap
 * ({@code SSL_error_trap}), the channel and the bytes go to it, as they would on a single
 * certificate's port; otherwise the connection is closed. It holds the channel's reads
 * while a lookup runs and never blocks the event loop.
 *
 * <p>Outcomes are events: one {@link SniCompletionEvent} per connection (on success after the
 * handshake, with the certificate sent), and on any failure of its own also a
 * {@link TlsFailureEvent}; then it closes the connection. Nothing it reads escapes as an exception.
 * One instance per connection.
 */
public final class SniCertSelector extends ByteToMessageDecoder implements ChannelOutboundHandler {
    /** TLS alert record: fatal (2) unrecognized_name (112), record version TLS 1.2 as TLS 1.3 sends it. */
    private static final byte[] UNRECOGNIZED_NAME_ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};

    private enum State { READING, LOOKING_UP, DONE }

    private final SniLookup lookup;
    private final SniSelectorOptions options;
    private final ClientHelloReader reader;
    // Completed on the channel's event loop; created eagerly so a caller can listen before handlerAdded.
    private final Promise<SslHandler> selected = ImmediateEventExecutor.INSTANCE.newPromise();
    private State state = State.READING;
    private String serverName;
    private int[] signatureSchemes = new int[0];
    /** Set when the first bytes were plaintext: the client named no server, and only a trap may take it. */
    private TlsException plaintext;
    private ScheduledFuture<?> timer;
    private boolean suppressRead;
    private boolean readPending;
    /** When reading the ClientHello began (System.nanoTime()), for an observed handshake's duration. */
    private long began;

    public SniCertSelector(SniLookup lookup, SniSelectorOptions options) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.options = Objects.requireNonNull(options, "options");
        this.reader = new ClientHelloReader(options.maxClientHelloLength());
    }

    /**
     * Adds a selector as {@code "tls"} and {@link TlsFailureEvents} behind it, as
     * {@code TlsServerContext.install} does for a single certificate.
     */
    public static SniCertSelector install(ChannelPipeline pipeline, SniLookup lookup, SniSelectorOptions options) {
        SniCertSelector selector = new SniCertSelector(lookup, options);
        pipeline.addLast("tls", selector);
        pipeline.addLast("tls-failures", TlsFailureEvents.INSTANCE);
        return selector;
    }

    /**
     * Completes with the {@link SslHandler} this selector put in its place (before that handler's
     * handshake), or fails when no certificate was chosen. Lets a pipeline that starts TLS later,
     * such as {@code StartTlsHandler}, attach to the handler it cannot know in advance.
     *
     * <p>Please note: it may complete after that handler has already answered the ClientHello
     * (always when the lookup answers later), so it is too late for anything that must be set
     * before the handshake, such as an OCSP staple: use {@link SniSelectorOptions.Builder#onHandler}
     * or {@code TlsServerOptions.Builder.ocspStaples} for that.
     */
    public Future<SslHandler> selectedFuture() {
        return selected;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            startClientHelloTimer(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        startClientHelloTimer(ctx);
        super.channelActive(ctx);
    }

    private void startClientHelloTimer(ChannelHandlerContext ctx) {
        if (timer == null && state == State.READING) {
            began = System.nanoTime();
            long millis = options.clientHelloTimeout().toMillis();
            timer = ctx.executor().schedule(() -> fail(ctx, new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT,
                    "no complete ClientHello within " + millis + " ms (" + reader.received() + " bytes of records received)")),
                    millis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The bytes stay in the cumulation: the SslHandler that replaces this handler reads them.
        if (state != State.READING) {
            return;
        }
        ByteBuf body;
        ClientHello hello;
        try {
            body = reader.read(in, ctx.alloc());
            if (body == null) {
                return;
            }
            try {
                hello = ClientHello.parse(body);
            } finally {
                body.release();
            }
        } catch (TlsException e) {
            if (e.code() == TlsErrorCode.PLAINTEXT_ON_TLS_PORT) {
                // A plaintext client sent no name: the context for no name says whether a trap takes it.
                plaintext = e;
                cancelTimer();
                lookUp(ctx);
            } else {
                fail(ctx, e);
            }
            return;
        }
        cancelTimer();
        String requested = hello.serverName();
        serverName = ServerNames.canonical(requested, false);
        signatureSchemes = hello.signatureSchemes();
        lookUp(ctx);
    }

    private void lookUp(ChannelHandlerContext ctx) {
        state = State.LOOKING_UP;
        CompletionStage<TlsServerContext> stage;
        try {
            stage = lookup.lookup(serverName);
        } catch (RuntimeException e) {
            fail(ctx, lookupFailed(e));
            return;
        }
        CompletableFuture<TlsServerContext> future = stage.toCompletableFuture();
        if (future.isDone()) {
            // The usual case (a mapping answers at once): no callback to allocate and run.
            TlsServerContext context;
            try {
                context = future.getNow(null);
            } catch (CompletionException | CancellationException e) {
                onLookup(ctx, null, e);
                return;
            }
            onLookup(ctx, context, null);
            return;
        }
        suppressRead = true;
        long millis = options.lookupTimeout().toMillis();
        timer = ctx.executor().schedule(() -> fail(ctx, new TlsException(TlsErrorCode.HANDSHAKE_TIMEOUT,
                "certificate lookup for " + describeName() + " did not finish within " + millis + " ms")),
                millis, TimeUnit.MILLISECONDS);
        stage.whenComplete((context, error) -> ctx.executor().execute(() -> onLookup(ctx, context, error)));
    }

    private void onLookup(ChannelHandlerContext ctx, TlsServerContext context, Throwable error) {
        if (state != State.LOOKING_UP || ctx.isRemoved()) {
            return;
        }
        cancelTimer();
        if (error != null) {
            fail(ctx, lookupFailed(error));
        } else if (plaintext != null) {
            if (context != null && context.options().errorTrap() != null) {
                trapPlaintext(ctx, context.options().errorTrap());
            } else {
                fail(ctx, plaintext);
            }
        } else if (context == null) {
            unknownName(ctx);
        } else {
            select(ctx, context);
        }
    }

    private void select(ChannelHandlerContext ctx, TlsServerContext context) {
        state = State.DONE;
        resumeReads(ctx);
        TlsObserver observer = context.options().observer();
        if (observer != null && began != 0) {
            ctx.channel().attr(HandshakeStart.KEY).set(began);
        }
        observeSelection(ctx, options.observer() != null ? options.observer() : observer, context);
        SslHandler ssl;
        try {
            // The name's whole stack (error trap, close mode, debug log), as TlsServerContext.install
            // makes it; the onHandler hook (a staple, say) runs before the ClientHello reaches it.
            ssl = context.install(ctx.pipeline(), this, h -> options.onHandler().accept(h, context));
        } catch (RuntimeException e) {
            state = State.LOOKING_UP;
            fail(ctx, lookupFailed(e));
            return;
        }
        String name = serverName;
        int[] offered = signatureSchemes;
        ssl.handshakeFuture().addListener((Future<io.netty.channel.Channel> f) -> {
            ChannelHandlerContext after = ctx.pipeline().context(ssl);
            SniCompletionEvent event;
            if (f.isSuccess()) {
                List<X509Certificate> chain = SentCertificate.chain(context, ssl.engine().getSession(), offered);
                ctx.channel().attr(TlsConnectionInfo.LOCAL_CERTIFICATES).set(chain);
                event = SniCompletionEvent.success(name, chain);
            } else {
                event = SniCompletionEvent.failure(name, TlsException.classify(f.cause()));
            }
            if (after != null) {
                after.fireUserEventTriggered(event);
            } else {
                ctx.channel().pipeline().fireUserEventTriggered(event);
            }
        });
        selected.trySuccess(ssl);
    }

    /**
     * Hands a plaintext client to the error trap of the context for no name, through the same
     * {@link ErrorTrapHandler} that {@code TlsServerContext.install} puts in front of a single
     * certificate's {@code SslHandler}: it receives the bytes read so far and calls the trap.
     */
    private void trapPlaintext(ChannelHandlerContext ctx, ErrorTrap trap) {
        state = State.DONE;
        selected.tryFailure(plaintext);
        observeFailure(ctx, plaintext);
        ctx.fireUserEventTriggered(SniCompletionEvent.failure(null, plaintext));
        resumeReads(ctx);
        ctx.pipeline().replace(this, "tls-error-trap", new ErrorTrapHandler(trap));
    }

    private void resumeReads(ChannelHandlerContext ctx) {
        if (suppressRead) {
            suppressRead = false;
            if (readPending) {
                readPending = false;
                ctx.read();
            }
        }
    }

    /** The selector's own failures are failed server handshakes to the selector's observer. */
    private void observeFailure(ChannelHandlerContext ctx, TlsException cause) {
        TlsObserver observer = options.observer();
        if (observer != null) {
            try {
                observer.handshakeCompleted(ctx.channel(), TlsHandshakeEvent.failure(false,
                        Duration.ofNanos(began == 0 ? 0 : System.nanoTime() - began), cause));
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
    }

    private void observeSelection(ChannelHandlerContext ctx, TlsObserver observer, TlsServerContext context) {
        if (observer != null) {
            try {
                observer.sniSelected(ctx.channel(), serverName, context);
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
    }

    private void unknownName(ChannelHandlerContext ctx) {
        observeSelection(ctx, options.observer(), null);
        TlsException e = new TlsException(TlsErrorCode.UNRECOGNIZED_NAME, "no certificate for "
                + describeName() + " and no default"
                + (options.unknownName() == SniSelectorOptions.UnknownName.ALERT ? "; sent unrecognized_name" : ""));
        if (options.unknownName() == SniSelectorOptions.UnknownName.ALERT && ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME_ALERT));
        }
        fail(ctx, e);
    }

    private String describeName() {
        return serverName == null ? "a client that sent no server name" : "'" + serverName + "'";
    }

    private TlsException lookupFailed(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        TlsException known = TlsException.find(cause);
        return new TlsException(known != null ? known.code() : TlsErrorCode.BAD_CONFIGURATION,
                "certificate lookup for " + describeName() + " failed: " + cause.getMessage(), cause);
    }

    /** Ends the connection: events first, then close; the cumulation is released with the handler. */
    private void fail(ChannelHandlerContext ctx, TlsException cause) {
        if (state == State.DONE) {
            return;
        }
        state = State.DONE;
        cancelTimer();
        reader.release();
        selected.tryFailure(cause);
        observeFailure(ctx, cause);
        ctx.fireUserEventTriggered(SniCompletionEvent.failure(serverName, cause));
        ctx.fireUserEventTriggered(new TlsFailureEvent(cause));
        ctx.close();
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state != State.DONE) {
            fail(ctx, new TlsException(TlsErrorCode.CONNECTION_FAILED, "the client closed the connection "
                    + (state == State.READING ? "before its ClientHello was complete (" + reader.received() + " bytes)"
                            : "while the certificate for " + describeName() + " was looked up")));
        }
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            selected.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED, "the SniCertSelector was removed before it chose a certificate"));
        }
        cancelTimer();
        reader.release();
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (suppressRead) {
            readPending = true;
        } else {
            ctx.read();
        }
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        ctx.connect(remote, local, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }
}
