package org.nettytls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;
import org.nettytls.internal.HandshakeStart;

/**
 * Reports one handshake to the options' {@link TlsObserver}: it sits behind everything the
 * install path puts after the {@code SslHandler} (the identity gates included), so it sees the
 * final verdict, then leaves the pipeline. Only options with an observer get one.
 */
final class ObservingHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "tls-observer";

    private final TlsObserver observer;
    private final SslHandler ssl;
    private long start;

    /** Its name, unless a handler of that name is still there (then Netty picks one). */
    static String name(io.netty.channel.ChannelPipeline pipeline) {
        return pipeline.get(NAME) == null ? NAME : null;
    }

    ObservingHandler(TlsObserver observer, SslHandler ssl) {
        this.observer = observer;
        this.ssl = ssl;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
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
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            report(ctx, (SslHandshakeCompletionEvent) evt);
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void report(ChannelHandlerContext ctx, SslHandshakeCompletionEvent completion) {
        long nanos = start == 0 ? 0 : System.nanoTime() - start;
        SSLEngine engine = ssl.engine();
        boolean client = engine.getUseClientMode();
        TlsHandshakeEvent event;
        if (!completion.isSuccess()) {
            event = new TlsHandshakeEvent(client, nanos, TlsException.classify(completion.cause()), null, null, null, false);
        } else {
            String cipher = null;
            String group = null;
            boolean resumed = false;
            if (engine instanceof ReferenceCountedOpenSslEngine) {
                ReferenceCountedOpenSslEngine e = (ReferenceCountedOpenSslEngine) engine;
                synchronized (e) {
                    long pointer = e.sslPointer();
                    if (pointer != 0) {
                        cipher = SSL.getCipherForSSL(pointer);
                        resumed = SSL.isSessionReused(pointer);
                        try {
                            group = SSL.getGroupName(pointer);
                        } catch (Exception none) {
                            // No group for a resumed TLS 1.2 session.
                        }
                    }
                }
            }
            event = new TlsHandshakeEvent(client, nanos, null, engine.getSession().getProtocol(),
                    cipher != null ? cipher : engine.getSession().getCipherSuite(), group, resumed);
        }
        try {
            observer.handshakeCompleted(ctx.channel(), event);
        } catch (RuntimeException ignored) {
            // An observer must not break the connection it observes.
        }
    }
}
