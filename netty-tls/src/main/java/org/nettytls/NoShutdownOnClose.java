package org.nettytls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;

/**
 * {@code SSL_no_shutdown}: closing the channel sends no close_notify. Sits behind the
 * {@code SslHandler} and takes it out of the pipeline before the close reaches it, so the
 * socket closes with nothing more written; the peer sees the TCP connection end.
 */
final class NoShutdownOnClose extends ChannelOutboundHandlerAdapter {
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ctx.pipeline().remove(ssl);
        }
        ctx.close(promise);
    }
}
