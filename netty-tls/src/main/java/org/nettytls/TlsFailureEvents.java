package org.nettytls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.nettytls.error.TlsException;

/**
 * Sits after an {@code SslHandler} and turns a failed handshake into a {@link TlsFailureEvent}
 * carrying the classified {@link TlsException}, after passing Netty's own event on.
 * Stateless and {@link ChannelHandler.Sharable}.
 */
@ChannelHandler.Sharable
public final class TlsFailureEvents extends ChannelInboundHandlerAdapter {
    public static final TlsFailureEvents INSTANCE = new TlsFailureEvents();

    private TlsFailureEvents() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()) {
            ctx.fireUserEventTriggered(new TlsFailureEvent(TlsException.classify(((SslHandshakeCompletionEvent) evt).cause())));
        }
    }
}
