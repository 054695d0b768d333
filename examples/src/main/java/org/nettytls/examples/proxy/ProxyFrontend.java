package org.nettytls.examples.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.nettytls.TlsException;
import org.nettytls.sni.SniCompletionEvent;

/**
 * The client side of a proxy, after the TLS server handler: once the client's handshake has
 * succeeded (its certificate checked, if the server asks for one), it holds what the client
 * sends ({@link PendingReads}), gets the upstream channel, and links the two in a {@link Relay}. Nothing is relayed, and no upstream is
 * contacted, for a client that failed its handshake.
 */
final class ProxyFrontend extends ChannelInboundHandlerAdapter {
    private final Function<Channel, Future<Channel>> upstream;
    private final Consumer<String> log;
    private final boolean reportSni;

    /**
     * @param upstream opens (or hands over) the client's upstream channel, on the client's event loop
     * @param log where connection outcomes go, one line each
     * @param reportSni whether to log a failed server-name selection (when no other handler does)
     */
    ProxyFrontend(Function<Channel, Future<Channel>> upstream, Consumer<String> log, boolean reportSni) {
        this.upstream = upstream;
        this.log = log;
        this.reportSni = reportSni;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        ctx.fireUserEventTriggered(evt);
        if (evt instanceof SslHandshakeCompletionEvent) {
            if (((SslHandshakeCompletionEvent) evt).isSuccess()) {
                startRelay(ctx);
            } else {
                ctx.close();
            }
        } else if (reportSni && evt instanceof SniCompletionEvent && !((SniCompletionEvent) evt).isSuccess()) {
            SniCompletionEvent e = (SniCompletionEvent) evt;
            log.accept(Relay.text(ctx.channel().remoteAddress()) + " " + e.describeName()
                    + " refused: " + e.cause().getMessage() + " [" + e.code().id() + "]");
        } else if (Relay.endsInput(evt)) {
            // Before the handshake there is nothing to relay the end to.
            ctx.close();
        }
    }

    private void startRelay(ChannelHandlerContext ctx) {
        Channel client = ctx.channel();
        // What the client sends meanwhile waits, bounded, in PendingReads.
        ctx.pipeline().replace(this, "relay-pending", new PendingReads());
        upstream.apply(client).addListener(f -> {
            if (!f.isSuccess()) {
                TlsException e = TlsException.classify(f.cause());
                log.accept(Relay.text(client.remoteAddress()) + " upstream refused: " + e.getMessage() + " [" + e.code().id() + "]");
                client.close();
                return;
            }
            Channel up = (Channel) f.getNow();
            if (!client.isActive()) {
                up.close();
                return;
            }
            Relay.link(client, up, r -> log.accept(r.summary()));
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // The TLS handler passes no application data before its handshake event.
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
