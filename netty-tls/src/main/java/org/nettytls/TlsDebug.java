package org.nettytls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import org.nettytls.error.TlsException;

/**
 * The reference's debug levels ({@code $IO::Socket::SSL::DEBUG}, {@code use IO::Socket::SSL
 * 'debug2'}) as logging categories, through Netty's logging facade (SLF4J, Log4j 2 or
 * java.util.logging, whichever is present):
 * <ul>
 * <li>0: nothing (the default);</li>
 * <li>1: failed handshakes, with their code and message, on {@code org.nettytls.debug.error} (WARN);</li>
 * <li>2: also handshake progress and the negotiated parameters (version, cipher, key exchange group,
 *     session reuse, ALPN, peer) and close_notify, on {@code org.nettytls.debug.handshake} (INFO);</li>
 * <li>3: also every read and write with its size, on {@code org.nettytls.debug.data} (INFO).</li>
 * </ul>
 * The level is process-wide, as in the reference: {@link TlsDefaults#setDebugLevel(int)} affects
 * handlers installed afterwards by {@code TlsClientContext.install} / {@code TlsServerContext.install}.
 */
@ChannelHandler.Sharable
final class TlsDebug extends ChannelDuplexHandler {
    private static final InternalLogger ERROR = InternalLoggerFactory.getInstance("org.nettytls.debug.error");
    private static final InternalLogger HANDSHAKE = InternalLoggerFactory.getInstance("org.nettytls.debug.handshake");
    private static final InternalLogger DATA = InternalLoggerFactory.getInstance("org.nettytls.debug.data");
    private static volatile int level = Integer.getInteger("nettytls.debug", 0);

    private static final TlsDebug[] HANDLERS = {null, new TlsDebug(1), new TlsDebug(2), new TlsDebug(3)};
    private final int handlerLevel;

    private TlsDebug(int level) {
        this.handlerLevel = level;
    }

    static int level() {
        return level;
    }

    static void setLevel(int newLevel) {
        if (newLevel < 0 || newLevel > 3) {
            throw new IllegalArgumentException("debug levels are 0 to 3, not " + newLevel);
        }
        level = newLevel;
    }

    /** The handler for the current level (to put behind the {@code SslHandler}), or {@code null} at level 0. */
    static TlsDebug handler() {
        return HANDLERS[level];
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (handlerLevel >= 2) {
            HANDSHAKE.info("{} connected {} -> {}, TLS handshake starting", ctx.channel().id(),
                    ctx.channel().localAddress(), ctx.channel().remoteAddress());
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent) {
            SslHandshakeCompletionEvent e = (SslHandshakeCompletionEvent) evt;
            if (!e.isSuccess()) {
                TlsException t = TlsException.classify(e.cause());
                ERROR.warn("{} TLS handshake failed [{}]: {}", ctx.channel().id(), t.code().id(), t.getMessage());
            } else if (handlerLevel >= 2) {
                HANDSHAKE.info("{} TLS handshake done: {}", ctx.channel().id(), summary(ctx));
            }
        } else if (evt instanceof SslCloseCompletionEvent && handlerLevel >= 2) {
            SslCloseCompletionEvent e = (SslCloseCompletionEvent) evt;
            if (e.isSuccess()) {
                HANDSHAKE.info("{} close_notify from the peer", ctx.channel().id());
            } else {
                HANDSHAKE.info("{} no close_notify from the peer: {}", ctx.channel().id(), e.cause().getClass().getSimpleName());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private static String summary(ChannelHandlerContext ctx) {
        try {
            TlsConnectionInfo info = TlsConnectionInfo.of(ctx.channel());
            return (info.tlsVersion() == null ? info.protocol() : info.tlsVersion().referenceName()) + " " + info.cipher() + " group " + orNone(info.keyExchangeGroup())
                    + " reused " + info.sessionReused().map(String::valueOf).orElse("unknown")
                    + " alpn " + orNone(info.alpn())
                    + " peer " + (info.peerCertificate() == null ? "none" : info.peerCertificate().getSubjectX500Principal());
        } catch (TlsException e) {
            return e.getMessage();
        }
    }

    private static String orNone(String value) {
        return value == null ? "none" : value;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (handlerLevel >= 3) {
            DATA.info("{} read {}", ctx.channel().id(), describe(msg));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (handlerLevel >= 3) {
            DATA.info("{} write {}", ctx.channel().id(), describe(msg));
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (handlerLevel >= 2) {
            HANDSHAKE.info("{} closed", ctx.channel().id());
        }
        ctx.fireChannelInactive();
    }

    private static String describe(Object msg) {
        return msg instanceof ByteBuf ? ((ByteBuf) msg).readableBytes() + " bytes" : msg.getClass().getSimpleName();
    }
}
