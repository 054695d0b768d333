package org.nettytls.trap.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.trap.ErrorTrap;

/**
 * Keeps the channel of a failed handshake open: {@code SSL_error_trap} and
 * {@code SSL_keepSocketOnError}. Sits in front of the {@code SslHandler} (nearer the socket).
 *
 * <ul>
 * <li>Plaintext: when the first five bytes from the peer are no TLS record, it takes the
 *     {@code SslHandler} out before it can discard them, hands the channel to the trap with
 *     {@code plaintext-on-tls-port}, then passes the bytes on to what the trap installed.</li>
 * <li>Any other handshake failure (verification, timeout, alert): the {@code SslHandler} has
 *     already sent its alert and reported the failure; the close it asks for is held back, the
 *     {@code SslHandler} removed, and the trap called. Without a trap ({@code keepSocketOnError}
 *     alone) the channel just stays open, without TLS.</li>
 * </ul>
 * Closes asked for by other handlers while a failure is being trapped are held back too: from
 * then on the trap owns the channel. After the handshake this handler is out of the way.
 */
public final class ErrorTrapHandler extends ChannelDuplexHandler {
    private static final int RECORD_HEADER = 5;
    private final ErrorTrap trap;
    private ByteBuf first;
    private boolean decided;
    private boolean trapping;

    /** {@code trap} may be {@code null}: then the channel is only kept open ({@code SSL_keepSocketOnError}). */
    public ErrorTrapHandler(ErrorTrap trap) {
        this.trap = trap;
    }

    /**
     * A handler for a connection whose first bytes were already seen to be a TLS record, by a
     * handler that read them before this one was added (the {@code SniCertSelector} reading the
     * ClientHello): it only traps handshake failures, and takes nothing that follows for the
     * start of the stream.
     */
    public static ErrorTrapHandler afterTlsRecord(ErrorTrap trap) {
        ErrorTrapHandler handler = new ErrorTrapHandler(trap);
        handler.decided = true;
        return handler;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (decided || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        if (first == null) {
            first = in;
        } else {
            ByteBuf both = ctx.alloc().buffer(first.readableBytes() + in.readableBytes());
            both.writeBytes(first).writeBytes(in);
            first.release();
            in.release();
            first = both;
        }
        if (first.readableBytes() < RECORD_HEADER) {
            return;
        }
        decided = true;
        ByteBuf received = first;
        first = null;
        if (trap != null && !SslHandler.isEncrypted(received, false)) {
            trapPlaintext(ctx, received);
        } else {
            ctx.fireChannelRead(received);
        }
    }

    private void trapPlaintext(ChannelHandlerContext ctx, ByteBuf received) {
        trapping = true;
        try {
            // "tls" is where netty-tls installs the SslHandler, or the SniCertSelector that will make one.
            if (ctx.pipeline().context("tls") != null) {
                ctx.pipeline().remove("tls");
            } else if (ctx.pipeline().get(SslHandler.class) != null) {
                ctx.pipeline().remove(SslHandler.class);
            }
            trap.trapped(ctx.channel(), new TlsException(TlsErrorCode.PLAINTEXT_ON_TLS_PORT,
                    "the peer sent plaintext to a TLS port (first bytes '" + printable(received) + "')"));
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(received);
            ctx.close();
            throw e;
        } finally {
            trapping = false;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.remove(this);
        // From the head, so handlers the trap put first see the bytes before the application's.
        pipeline.fireChannelRead(received);
        pipeline.fireChannelReadComplete();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        if (trapping) {
            promise.tryFailure(new IllegalStateException("close held back: the error trap owns the channel now"));
            return;
        }
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        Throwable failure = ssl == null || !ssl.handshakeFuture().isDone() ? null : ssl.handshakeFuture().cause();
        if (failure == null) {
            ctx.close(promise);
            return;
        }
        // The SslHandler asks to close after a failed handshake: keep the socket and hand it over,
        // once the SslHandler has finished its own work on this failure.
        trapping = true;
        promise.tryFailure(new IllegalStateException("close held back: the error trap owns the channel now"));
        ctx.executor().execute(() -> trapFailure(ctx, ssl, failure));
    }

    private void trapFailure(ChannelHandlerContext ctx, SslHandler ssl, Throwable failure) {
        try {
            if (ctx.pipeline().context(ssl) != null) {
                ctx.pipeline().remove(ssl);
            }
            if (trap != null) {
                trap.trapped(ctx.channel(), TlsException.classify(failure));
            }
        } finally {
            trapping = false;
            if (ctx.pipeline().context(this) != null) {
                ctx.pipeline().remove(this);
            }
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (first != null) {
            first.release();
            first = null;
        }
    }

    private static String printable(ByteBuf b) {
        StringBuilder sb = new StringBuilder();
        for (int i = b.readerIndex(); i < b.writerIndex() && sb.length() < 16; i++) {
            int c = b.getUnsignedByte(i);
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return sb.toString();
    }
}
