package org.nettytls.sni;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Behind the {@code SslHandler} of a tls-alpn-01 validation handshake: RFC 8737 section 3 has no
 * application data on such a connection, so nothing read reaches the application, the successful
 * handshake is not announced to it (a proxy would connect upstream), and the connection closes
 * once the handshake is over. The {@link SniCompletionEvent} still passes, for logs.
 */
final class AcmeChallengeGuard extends ChannelInboundHandlerAdapter {
    static final String NAME = "tls-acme-challenge";

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent) {
            if (!((SslHandshakeCompletionEvent) evt).isSuccess()) {
                ctx.fireUserEventTriggered(evt);
            }
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}
