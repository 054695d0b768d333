package org.nettytls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLEngine;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.internal.HandshakeStart;
import org.nettytls.internal.VerifiedPromise;

/**
 * Turns the end of one handshake into a {@link TlsHandshakeEvent}: it sits behind everything the
 * install path puts after the {@code SslHandler} (the identity gates included), so the
 * {@code SslHandshakeCompletionEvent} it sees is the final verdict. It passes Netty's event on,
 * fires the {@link TlsHandshakeEvent}, tells the options' {@link TlsObserver} (which also gets every
 * other event of the family that passes, such as netty-tls-ocsp's verdicts), settles
 * {@code TlsConnectionInfo.verifiedFuture}, and leaves the pipeline.
 */
final class HandshakeEvents extends ChannelInboundHandlerAdapter {
    static final String NAME = "tls-events";

    private final TlsObserver observer;
    private final SslHandler ssl;
    private long start;

    /** Its name, unless a handler of that name is still there (then Netty picks one). */
    static String name(ChannelPipeline pipeline) {
        return pipeline.get(NAME) == null ? NAME : null;
    }

    HandshakeEvents(TlsObserver observer, SslHandler ssl) {
        this.observer = observer;
        this.ssl = ssl;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        VerifiedPromise.renew(ctx.channel());
        Long began = ctx.channel().attr(HandshakeStart.KEY).getAndSet(null);
        if (began != null) {
            start = began;
        } else if (ctx.channel().isActive()) {
            start = System.nanoTime();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (start == 0) {
            // A client's handshake starts when the connection is made, not when TLS was put on the pipeline.
            start = System.nanoTime();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx);
        VerifiedPromise.fail(ctx.channel(), new TlsException(TlsErrorCode.CONNECTION_FAILED,
                "the connection closed before the handshake and the checks of the peer were done"));
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            TlsHandshakeEvent event = outcome(ssl, (SslHandshakeCompletionEvent) evt, start == 0 ? 0 : System.nanoTime() - start);
            ctx.fireUserEventTriggered(evt);
            ctx.fireUserEventTriggered(event);
            if (observer != null) {
                try {
                    observer.handshakeCompleted(ctx.channel(), event);
                } catch (RuntimeException ignored) {
                    // An observer must not break the connection it observes.
                }
            }
            if (event.isSuccess()) {
                VerifiedPromise.succeed(ctx.channel(), infoForWaiters(ctx.channel()));
            } else {
                VerifiedPromise.fail(ctx.channel(), event.cause());
            }
            if (!ctx.isRemoved()) {
                ctx.pipeline().remove(this);
            }
            return;
        }
        if (evt instanceof TlsCompletionEvent && observer != null) {
            try {
                observer.eventFired(ctx.channel(), (TlsCompletionEvent) evt);
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The connection info for those waiting on {@code TlsConnectionInfo.verifiedFuture}, read now,
     * while the {@code SslHandler} is surely there; {@code null} when nobody waits (a later caller
     * reads it then) or it cannot be read.
     */
    static TlsConnectionInfo infoForWaiters(io.netty.channel.Channel channel) {
        if (!VerifiedPromise.waitedFor(channel)) {
            return null;
        }
        try {
            return TlsConnectionInfo.of(channel);
        } catch (TlsException | RuntimeException e) {
            return null;
        }
    }

    /** The event for {@code completion} of {@code ssl}'s handshake, which took {@code nanos}. */
    static TlsHandshakeEvent outcome(SslHandler ssl, SslHandshakeCompletionEvent completion, long nanos) {
        SSLEngine engine = ssl.engine();
        boolean client = engine.getUseClientMode();
        if (!completion.isSuccess()) {
            return TlsHandshakeEvent.failure(client, nanos, TlsException.classify(completion.cause()));
        }
        BoringSslFacts facts = BoringSslFacts.of(engine);
        String cipher = facts != null ? facts.cipher() : null;
        return TlsHandshakeEvent.success(client, nanos, engine.getSession().getProtocol(),
                cipher != null ? cipher : engine.getSession().getCipherSuite(), facts != null ? facts.group() : null,
                facts != null && facts.resumed());
    }
}
