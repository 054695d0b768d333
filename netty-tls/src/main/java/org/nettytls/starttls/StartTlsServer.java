package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Objects;
import org.nettytls.TlsServerContext;

/**
 * The server side of a {@link StartTlsProtocol}: sits right behind a {@link StartTlsHandler}
 * made with the protocol's {@link StartTlsProtocol#serverFraming() framing}, answers the
 * protocol's upgrade command with its positive reply in plaintext and starts TLS; every other
 * frame goes on to the protocol's own handlers, which reset their state on
 * {@link StartTlsCompletionEvent#SUCCESS}. Once TLS is on, the command is passed on like any
 * other (so the protocol can refuse a second one).
 *
 * <pre>{@code
 * pipeline.addLast(new StartTlsHandler(StartTlsProtocol.IMAP.serverFraming()))
 *         .addLast(new StartTlsServer(StartTlsProtocol.IMAP, tls))
 *         .addLast(new LineBasedFrameDecoder(8192), imapHandler);
 * }</pre>
 */
public final class StartTlsServer extends ChannelInboundHandlerAdapter {
    private final StartTlsProtocol protocol;
    private final TlsServerContext tls;
    private StartTlsHandler starttls;

    public StartTlsServer(StartTlsProtocol protocol, TlsServerContext tls) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.tls = Objects.requireNonNull(tls, "tls");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        starttls = ctx.pipeline().get(StartTlsHandler.class);
        if (starttls == null) {
            throw new IllegalStateException("expected a StartTlsHandler in front of StartTlsServer, found none in " + ctx.pipeline().names());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (starttls.isTls() || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        ByteBuf reply = protocol.positiveReply(frame, ctx.alloc());
        if (reply == null) {
            ctx.fireChannelRead(frame);
            return;
        }
        frame.release();
        starttls.startServer(tls, reply);
    }
}
