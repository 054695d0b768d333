package org.nettytls.examples.serve;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Objects;
import java.util.function.Consumer;
import org.nettytls.TlsFailureEvent;
import org.nettytls.sni.SniCompletionEvent;

/**
 * What {@code serve --echo} (and the demo's SNI server) puts behind the {@code SniCertSelector}:
 * echoes every byte, reports each connection's SNI outcome as one line (the name asked for and
 * the certificate sent, or why it failed), and closes a connection whose handshake failed.
 */
public final class SniEchoHandler extends ChannelInboundHandlerAdapter {
    private final Consumer<String> log;

    /** @param log takes one line per connection; called on the event loop, so it must not block */
    public SniEchoHandler(Consumer<String> log) {
        this.log = Objects.requireNonNull(log, "log");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent) {
            SniCompletionEvent e = (SniCompletionEvent) evt;
            String name = e.describeName();
            log.accept(e.isSuccess()
                    ? ctx.channel().remoteAddress() + " " + name + " -> " + e.certificate().getSubjectX500Principal().getName()
                            + " (" + e.certificate().getPublicKey().getAlgorithm() + ")"
                    : ctx.channel().remoteAddress() + " " + name + " failed: " + e.cause().getMessage()
                            + " [" + e.code().id() + "]");
        } else if (evt instanceof TlsFailureEvent) {
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            ctx.writeAndFlush(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
