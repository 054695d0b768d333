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
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsConnectionInfo;
import org.nettytls.internal.HandshakeStart;
import org.nettytls.internal.VerifiedPromise;
import org.nettytls.trap.ErrorTrap;
import org.nettytls.trap.internal.ErrorTrapHandler;

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
 * <p><b>It chooses certificates; BoringSSL judges the protocol.</b> Whatever its reader cannot or
 * need not parse (a malformed hello or server_name extension, records that are not a plain
 * ClientHello, an SSLv2-format hello, plaintext) goes with every byte read so far to the
 * {@code SslHandler} of the default certificate (the context for no name), or, without a default,
 * to a BoringSSL that holds no certificate: the alert on the wire, the wait for more bytes, or the
 * ServerHello is BoringSSL's own, as on a server with one certificate. A hello split over records
 * and reads is simply waited for. It refuses only two things itself: a ClientHello announcing more
 * than {@link SniSelectorOptions#maxClientHelloLength()} (16 KiB by default, where BoringSSL
 * refuses too), with BoringSSL's illegal_parameter at the same byte; and a host_name with control
 * or non-ASCII bytes (BoringSSL would take it), with the illegal_parameter alert RFC 6066 3 names.
 *
 * <p>Unlike Netty's {@code SniHandler} it bounds the ClientHello's size and the time until it
 * has arrived, bounds the lookup's time, installs the chosen name's handlers exactly as
 * {@link TlsServerContext#install(ChannelPipeline)} would (its {@code TlsServerOptions}' handshake
 * timeout, error trap, close mode and debug log apply; the handshake timeout counts from the
 * connection's start, less only the lookup's time), and lets BoringSSL choose between a name's RSA
 * and ECDSA certificates by what the client offered. A client that sends plaintext names no
 * server: when the context for no name (the default) has an error trap ({@code SSL_error_trap}),
 * the channel and the bytes go to it, as they would on a single certificate's port. It holds the
 * channel's reads while a lookup runs and never blocks the event loop.
 *
 * <p>With {@link SniSelectorOptions.Builder#tlsAlpnChallenges} it also answers ACME's tls-alpn-01
 * validation (RFC 8737): a hello offering ALPN {@code acme-tls/1} alone, for a name whose
 * validation is pending, gets the validation context without asking the lookup, and that
 * connection hands no data or handshake to the application and closes after the handshake.
 *
 * <p>Outcomes are events: one {@link SniSelectionEvent} per connection (on success after the
 * handshake, with the certificate sent; on failure saying what was wrong with the hello, and what
 * BoringSSL said of it), and on any failure of its own also a failed {@link TlsHandshakeEvent}
 * (which also fails {@code TlsConnectionInfo.verifiedFuture}); then it closes the connection. The
 * chosen name's handshake ends with the {@link TlsHandshakeEvent} its context's stack fires. Nothing it reads escapes as an exception. One instance per connection.
 */
public final class SniCertSelector extends ByteToMessageDecoder implements ChannelOutboundHandler {
    /** TLS alert record: fatal (2) unrecognized_name (112), record version TLS 1.2 as TLS 1.3 sends it. */
    private static final byte[] UNRECOGNIZED_NAME_ALERT = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70};
    /**
     * TLS alert record: fatal (2) illegal_parameter (47), with the record version BoringSSL gives
     * the alerts it sends while reading a ClientHello (TLS 1.0, before a version is agreed).
     */
    private static final byte[] ILLEGAL_PARAMETER_ALERT = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x2f};

    private enum State { READING, LOOKING_UP, DONE }

    private final SniLookup lookup;
    private final SniSelectorOptions options;
    private final ClientHelloReader reader;
    // Completed on the channel's event loop; created eagerly so a caller can listen before handlerAdded.
    private final Promise<SslHandler> selected = ImmediateEventExecutor.INSTANCE.newPromise();
    private State state = State.READING;
    private String serverName;
    /** The host_name as sent, escaped where it is not printable ASCII; {@code null} when none was read. */
    private String requestedName;
    private int[] signatureSchemes = new int[0];
    /** Set when the first bytes were plaintext: the client named no server, and only a trap may take it. */
    private TlsException plaintext;
    /** Set when the hello goes to BoringSSL unread: what was unusual about it, for the failure's message. */
    private String handedOver;
    private ScheduledFuture<?> timer;
    /** How long the client took to send its ClientHello, taken from the handshake timeout of the handler that follows. */
    private long helloMillis;
    private boolean suppressRead;
    private boolean readPending;
    /** When reading the ClientHello began (System.nanoTime()), for an observed handshake's duration. */
    private long began;

    /**
     * A selector for one connection (it holds the ClientHello being read: never share it).
     *
     * @param lookup finds the context for the requested name
     * @param options limits on the ClientHello and the lookup
     */
    public SniCertSelector(SniLookup lookup, SniSelectorOptions options) {
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.options = Objects.requireNonNull(options, "options");
        this.reader = new ClientHelloReader(options.maxClientHelloLength());
    }

    /**
     * Adds a selector as {@code "tls"}, where {@code TlsServerContext.install} puts the
     * {@code SslHandler} of a single certificate; the chosen context's stack takes its place.
     *
     * @param pipeline an accepted channel's pipeline
     * @param lookup finds the context for the requested name
     * @param options the selector's limits
     * @return the selector
     */
    public static SniCertSelector install(ChannelPipeline pipeline, SniLookup lookup, SniSelectorOptions options) {
        SniCertSelector selector = new SniCertSelector(lookup, options);
        pipeline.addLast("tls", selector);
        return selector;
    }

    /**
     * {@return a future that completes with the {@link SslHandler} this selector put in its place (before that
     * handler's
     * handshake), or fails when it put none there (it refused the hello, the name is unknown, the lookup failed or
     * the client left)} A handler that judges a hello the selector could not read counts: its handshake then fails
     * with BoringSSL's answer. Lets a pipeline that starts TLS later, such as {@code StartTlsHandler}, attach to the
     * handler it cannot know in advance.
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
                    "no complete ClientHello within " + millis + " ms (" + actualReadableBytes() + " bytes received)")),
                    millis, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // The bytes stay in the cumulation: the SslHandler that replaces this handler reads them.
        if (state != State.READING) {
            return;
        }
        ClientHelloReader.Result read = reader.read(in, ctx.alloc());
        if (read.kind == ClientHelloReader.Kind.NEED_MORE) {
            return;
        }
        helloArrived();
        switch (read.kind) {
            case NOT_TLS:
                // A plaintext client sent no name: the context for no name says whether a trap takes it.
                plaintext = new TlsException(TlsErrorCode.PLAINTEXT_ON_TLS_PORT, "the client " + read.problem);
                handOver(ctx, plaintext.getMessage());
                return;
            case HAND_OVER:
                handOver(ctx, "the client " + read.problem);
                return;
            case TOO_LARGE:
                refuse(ctx, "the client " + read.problem);
                return;
            default:
                break;
        }
        ClientHello hello;
        try {
            hello = ClientHello.parse(read.body);
        } finally {
            read.body.release();
        }
        requestedName = hello.hostName();
        switch (hello.status()) {
            case UNREADABLE:
                handOver(ctx, "the client sent a ClientHello that " + hello.problem());
                return;
            case REFUSED:
                refuse(ctx, "the client sent a ClientHello that " + hello.problem());
                return;
            default:
                serverName = ServerNames.canonical(requestedName, false);
                signatureSchemes = hello.signatureSchemes();
                TlsServerContext challenge = challengeFor(hello);
                if (challenge != null) {
                    state = State.LOOKING_UP;
                    select(ctx, challenge, true);
                    return;
                }
                lookUp(ctx, serverName);
        }
    }

    /**
     * The tls-alpn-01 validation context for this hello (RFC 8737 section 3: ALPN offering
     * {@code acme-tls/1} alone, for a name being validated), or {@code null} for every other hello.
     */
    private TlsServerContext challengeFor(ClientHello hello) {
        TlsAlpnChallenges challenges = options.tlsAlpnChallenges();
        if (challenges == null || serverName == null
                || !hello.alpnProtocols().equals(List.of(TlsAlpnChallenges.ACME_TLS_1))) {
            return null;
        }
        return challenges.challengeContext(serverName);
    }

    /** Stops the ClientHello timer and keeps how long the client took. */
    private void helloArrived() {
        if (timer != null) {
            helloMillis = options.clientHelloTimeout().toMillis() - Math.max(0, timer.getDelay(TimeUnit.MILLISECONDS));
        }
        cancelTimer();
    }

    /**
     * Gives the bytes, unread, to BoringSSL: through the default certificate's handler, or the
     * {@link HelloJudge} when there is none; {@code problem} says what was unusual about them.
     */
    private void handOver(ChannelHandlerContext ctx, String problem) {
        handedOver = problem;
        lookUp(ctx, null);
    }

    /** Refuses the hello with illegal_parameter: one over the size limit, or a name no DNS name looks like. */
    private void refuse(ChannelHandlerContext ctx, String problem) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(ILLEGAL_PARAMETER_ALERT));
        }
        fail(ctx, new TlsException(TlsErrorCode.HANDSHAKE_FAILED, problem + "; sent illegal_parameter"));
    }

    private void lookUp(ChannelHandlerContext ctx, String name) {
        state = State.LOOKING_UP;
        CompletionStage<TlsServerContext> stage;
        try {
            stage = lookup.lookup(name);
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
        } else if (plaintext != null && context != null && context.options().errorTrap() != null) {
            trapPlaintext(ctx, context.options().errorTrap());
        } else if (context != null) {
            select(ctx, context, false);
        } else if (handedOver != null) {
            judge(ctx);
        } else {
            unknownName(ctx);
        }
    }

    private void select(ChannelHandlerContext ctx, TlsServerContext context, boolean challenge) {
        state = State.DONE;
        String name = ctx.name();
        resumeReads(ctx);
        long handshakeMillis = remainingHandshakeMillis(context.options().handshakeTimeout().toMillis());
        TlsObserver observer = context.options().observer();
        if (observer != null && began != 0) {
            ctx.channel().attr(HandshakeStart.KEY).set(began);
        }
        if (handedOver == null) {
            // Only a hello read for its name is a selection: one handed over unread (plaintext, an
            // SSLv2-format or malformed hello) says nothing of a name, and its handshake is observed
            // like any other by the default's observer.
            observeSelection(ctx, options.observer() != null ? options.observer() : observer, context);
        }
        SslHandler ssl;
        try {
            // The name's whole stack (error trap, close mode, debug log), as TlsServerContext.install
            // makes it; the onHandler hook (a staple, say) runs before the ClientHello reaches it.
            ssl = context.install(ctx.pipeline(), this, h -> {
                h.setHandshakeTimeoutMillis(handshakeMillis);
                options.onHandler().accept(h, context);
            });
        } catch (RuntimeException e) {
            state = State.LOOKING_UP;
            fail(ctx, lookupFailed(e));
            return;
        }
        if (challenge) {
            ctx.pipeline().addAfter(name, AcmeChallengeGuard.NAME, new AcmeChallengeGuard());
        }
        report(ctx, ssl, context);
        selected.trySuccess(ssl);
    }

    /** No default certificate for a hello the selector could not read: BoringSSL judges it without one. */
    private void judge(ChannelHandlerContext ctx) {
        state = State.DONE;
        resumeReads(ctx);
        SslHandler ssl = HelloJudge.newHandler(ctx.alloc(), remainingHandshakeMillis(HelloJudge.defaultHandshakeTimeoutMillis()));
        handedOver += " (no default certificate: BoringSSL judged it holding none)";
        String name = ctx.name();
        VerifiedPromise.renew(ctx.channel());
        report(ctx, ssl, null);
        ctx.pipeline().replace(this, name, ssl);
        selected.trySuccess(ssl);
    }

    /** The handshake timeout counts from the connection's start, as with a plain SslHandler: less the time the hello took. */
    private long remainingHandshakeMillis(long handshakeMillis) {
        return handshakeMillis <= 0 ? handshakeMillis : Math.max(1, handshakeMillis - helloMillis);
    }

    /** One {@link SniSelectionEvent} when the handshake of {@code ssl} ends. */
    private void report(ChannelHandlerContext ctx, SslHandler ssl, TlsServerContext context) {
        String name = serverName;
        String requested = requestedName;
        int[] offered = signatureSchemes;
        String problem = handedOver;
        ssl.handshakeFuture().addListener((Future<io.netty.channel.Channel> f) -> {
            ChannelHandlerContext after = ctx.pipeline().context(ssl);
            SniSelectionEvent event;
            if (f.isSuccess() && context != null) {
                List<X509Certificate> chain = SentCertificate.chain(context, ssl.engine().getSession(), offered);
                ctx.channel().attr(TlsConnectionInfo.LOCAL_CERTIFICATES).set(chain);
                event = SniSelectionEvent.success(name, requested, chain);
            } else {
                TlsException cause = explain(TlsException.classify(f.cause()), problem);
                if (context == null) {
                    // The judge's handshake has no context to observe it: it is the selector's to report.
                    observeFailure(ctx, cause);
                }
                event = SniSelectionEvent.failure(name, requested, cause);
            }
            if (after != null) {
                after.fireUserEventTriggered(event);
            } else {
                ctx.channel().pipeline().fireUserEventTriggered(event);
            }
            if (context == null) {
                // BoringSSL judged without a certificate: no context's stack reports this handshake.
                TlsHandshakeEvent failed = TlsHandshakeEvent.failure(false, sinceBegan(), event.cause());
                if (after != null) {
                    after.fireUserEventTriggered(failed);
                } else {
                    ctx.channel().pipeline().fireUserEventTriggered(failed);
                }
                VerifiedPromise.fail(ctx.channel(), event.cause());
            }
        });
    }

    /**
     * BoringSSL's failure, with what the selector saw in the hello first: BoringSSL's own text
     * says nothing for some refusals (those of the server_name extension carry no error code),
     * and the code stays BoringSSL's, as on a server with one certificate.
     */
    static TlsException explain(TlsException boring, String problem) {
        if (problem == null) {
            return boring;
        }
        String said = boring.getMessage();
        return new TlsException(boring.code(), problem + "; " + (said.startsWith("BoringSSL") ? said : "BoringSSL: " + said),
                boring.getCause() != null ? boring.getCause() : boring);
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
        ctx.fireUserEventTriggered(SniSelectionEvent.failure(null, null, plaintext));
        VerifiedPromise.fail(ctx.channel(), plaintext);
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

    /**
     * The selector's own failures, and the handshakes BoringSSL judged holding no certificate, are
     * failed server handshakes to the selector's observer, timed from the connection's start.
     */
    private void observeFailure(ChannelHandlerContext ctx, TlsException cause) {
        TlsObserver observer = options.observer();
        if (observer != null) {
            try {
                observer.handshakeCompleted(ctx.channel(), TlsHandshakeEvent.failure(false, sinceBegan(), cause));
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
    }

    private Duration sinceBegan() {
        return Duration.ofNanos(began == 0 ? 0 : System.nanoTime() - began);
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
        return serverName != null ? "'" + serverName + "'" : requestedName != null ? "'" + requestedName + "'"
                : "a client that sent no server name";
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
        ctx.fireUserEventTriggered(SniSelectionEvent.failure(serverName, requestedName, cause));
        ctx.fireUserEventTriggered(TlsHandshakeEvent.failure(false, sinceBegan(), cause));
        VerifiedPromise.fail(ctx.channel(), cause);
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
