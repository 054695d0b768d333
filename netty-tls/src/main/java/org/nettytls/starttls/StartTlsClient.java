package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.Objects;
import org.nettytls.TlsClientContext;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsObserver;
import org.nettytls.internal.VerifiedPromise;

/**
 * The client side of a {@link StartTlsProtocol}: sits right behind a {@link StartTlsHandler}
 * made with the protocol's {@link StartTlsProtocol#clientFraming() framing} and, once the channel
 * is active, talks the protocol up to its upgrade point and starts TLS. TLS is required: when the
 * server does not offer the upgrade, refuses it, or answers with anything but the positive
 * reply (a stripping attack looks exactly like this), the connection fails with
 * {@link TlsErrorCode#STARTTLS_REFUSED} before anything of the application was sent; a failed
 * handshake closes the channel. The protocol's handlers behind see nothing of the conversation
 * before TLS; they start on {@link StartTlsEvent#UPGRADED}, knowing nothing from before it.
 *
 * <p>TLS goes on through {@link StartTlsHandler#startClient}, the install path of direct TLS
 * ({@link TlsClientContext#installBefore}): every check the options carry runs, those inside the
 * handshake and the identity gates after it (netty-tls-ocsp's resolver, CRL distribution points,
 * staple callback), and {@link #upgradeFuture()} completes only with their verdict.
 *
 * <p>Build the {@link TlsClientContext} with {@code TlsClientContext.create(options,
 * protocol.hostnameScheme())} to check the server's name under the protocol's scheme unless the
 * options name another.
 */
public final class StartTlsClient extends ChannelInboundHandlerAdapter {
    private final StartTlsProtocol protocol;
    private final TlsClientContext tls;
    private final String host;
    private final int port;
    private ClientDialog dialog;
    private StartTlsHandler starttls;
    private Promise<Channel> promise;
    private boolean started;

    /**
     * @param host the server's name (SNI, identity check, session cache key), and port its port
     *
     * @param protocol the protocol to speak up to the upgrade
     * @param tls the client context
     * @param port the server's port
     */
    public StartTlsClient(StartTlsProtocol protocol, TlsClientContext tls, String host, int port) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
    }

    /** {@return a future that completes when TLS is on and verified, or fails when the upgrade could not happen} */
    public Future<Channel> upgradeFuture() {
        return promise;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        starttls = ctx.pipeline().get(StartTlsHandler.class);
        if (starttls == null) {
            throw new IllegalStateException("expected a StartTlsHandler in front of StartTlsClient, found none in " + ctx.pipeline().names());
        }
        promise = ctx.executor().newPromise();
        dialog = protocol.newClientDialog(host);
        starttls.observe(protocol.id(), true, tls.options().observer());
        if (ctx.channel().isActive()) {
            begin(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        begin(ctx);
        ctx.fireChannelActive();
    }

    private void begin(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        ByteBuf opening = dialog.opening(ctx.alloc());
        if (opening != null) {
            ctx.writeAndFlush(opening);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (promise.isDone() || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ClientDialog.Step step;
        try {
            step = dialog.onFrame((ByteBuf) msg);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        if (step.refusal != null) {
            fail(ctx, new TlsException(TlsErrorCode.STARTTLS_REFUSED, protocol.id() + " server: " + step.refusal));
        } else if (step.send != null) {
            ctx.writeAndFlush(dialog.encode(ctx.alloc(), step.send));
        } else if (step.upgrade) {
            starttls.startClient(tls, host, port).addListener(f -> {
                if (f.isSuccess()) {
                    if (!ctx.isRemoved()) {
                        ctx.pipeline().remove(this);
                    }
                    promise.trySuccess(ctx.channel());
                } else {
                    promise.tryFailure(f.cause());
                }
            });
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        TlsException closed = new TlsException(TlsErrorCode.CONNECTION_FAILED, protocol.id() + " server closed the connection before TLS was on");
        promise.tryFailure(closed);
        VerifiedPromise.fail(ctx.channel(), closed);
        ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, TlsException e) {
        if (promise.tryFailure(e)) {
            VerifiedPromise.fail(ctx.channel(), e);
            StartTlsEvent event = StartTlsEvent.upgradeFailed(e);
            ctx.fireUserEventTriggered(event);
            TlsObserver observer = tls.options().observer();
            if (observer != null) {
                try {
                    observer.startTlsCompleted(ctx.channel(), protocol.id(), true, event);
                } catch (RuntimeException ignored) {
                    // An observer must not break the connection it observes.
                }
            }
        }
        ctx.close();
    }
}
