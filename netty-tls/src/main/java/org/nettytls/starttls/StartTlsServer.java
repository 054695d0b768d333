package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.util.Objects;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniSelectorOptions;

/**
 * The server side of a {@link StartTlsProtocol}: sits right behind a {@link StartTlsHandler}
 * made with the protocol's {@link StartTlsProtocol#serverFraming() framing}, answers the
 * protocol's upgrade command with its positive reply in plaintext and starts TLS; every other
 * frame goes on to the protocol's own handlers, which reset their state on
 * {@link StartTlsEvent#UPGRADED}. Once TLS is on, the command is passed on like any
 * other (so the protocol can refuse a second one).
 *
 * <pre>{@code
 * pipeline.addLast(new StartTlsHandler(StartTlsProtocol.IMAP.serverFraming()))
 *         .addLast(new StartTlsServer(StartTlsProtocol.IMAP, tls))
 *         .addLast(new LineBasedFrameDecoder(8192), imapHandler);
 * }</pre>
 *
 * <p><b>It upgrades only at a safe point</b>, and there is no way to make it do otherwise:
 * <ul>
 * <li><b>Only where a command starts.</b> It follows the protocol's state from the client's frames
 *     and the application's answers (SMTP and NNTP data up to the lone dot, IMAP and ManageSieve
 *     literals, SASL exchanges, XMPP element depth and CDATA; see {@code ServerDialogs}), so a
 *     command-like line inside data is data. Where what the client sends next depends on an
 *     answer not yet written (after {@code DATA}, {@code AUTH}, a synchronizing literal), it hands
 *     nothing more on, and reads nothing more, until the answer is written.
 * <li><b>Only when everything before is answered: the application answers first.</b> An upgrade
 *     command that arrives while an earlier command has no final answer yet (a pipelined
 *     {@code RSET}, an IMAP command answered asynchronously) waits; the positive reply goes out
 *     right after the application's last outstanding answer, so no answer to a plaintext command
 *     ever arrives inside TLS. Bytes after the upgrade command are treated as plaintext after the
 *     upgrade point from the moment it arrives. LDAP is the exception, as RFC 4513 section 3.1.1
 *     requires: a StartTLS request with operations outstanding (or a SASL bind in progress) is
 *     refused with operationsError. XMPP refuses {@code <starttls/>} after a stanza with
 *     {@code <failure/>} and closes the stream (RFC 6120 section 5.4.2.2).
 * <li><b>Where it cannot tell, it does not upgrade.</b> A client that pipelines where the protocol
 *     says to wait, an answer it cannot attribute, an extension it does not follow (SMTP
 *     {@code BDAT}): from then on it takes no frame for the upgrade command and passes everything
 *     on, so the application answers a later upgrade command as it answers unknown commands.
 * </ul>
 * Please note: the application's answers are read from the {@code ByteBuf}s it writes before TLS;
 * a write of another kind (a {@code FileRegion}) cannot be read, and an upgrade waiting for it
 * fails the connection.
 */
public final class StartTlsServer extends ChannelDuplexHandler {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(StartTlsServer.class);

    private final StartTlsProtocol protocol;
    private final TlsServerContext tls;
    private final SniLookup lookup;
    private final SniSelectorOptions sniOptions;
    private StartTlsHandler starttls;
    private ServerDialog dialog;
    private ChannelHandlerContext ctx;
    private boolean waiting;
    private boolean paused;

    /**
     * Upgrades to {@code tls}, one certificate set for every name.
     *
     * @param protocol the protocol
     * @param tls the server context
     */
    public StartTlsServer(StartTlsProtocol protocol, TlsServerContext tls) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.tls = Objects.requireNonNull(tls, "tls");
        this.lookup = null;
        this.sniOptions = null;
    }

    /**
     * Upgrades with a context per requested name ({@code SSL_cert_file => { host => ... }}): an
     * {@link SniCertSelector} reads the ClientHello after the positive reply and asks
     * {@code lookup} (an {@link org.nettytls.sni.SniMapping}, an {@link org.nettytls.sni.SniReloader},
     * your own), as a server that speaks TLS from the start does.
     *
     * @param protocol the protocol
     * @param lookup finds the context for the requested name
     * @param options the selector's limits
     */
    public StartTlsServer(StartTlsProtocol protocol, SniLookup lookup, SniSelectorOptions options) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.tls = null;
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.sniOptions = Objects.requireNonNull(options, "options");
    }

    private TlsObserver observer() {
        return tls != null ? tls.options().observer() : sniOptions.observer();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        starttls = ctx.pipeline().get(StartTlsHandler.class);
        if (starttls == null) {
            throw new IllegalStateException("expected a StartTlsHandler in front of StartTlsServer, found none in " + ctx.pipeline().names());
        }
        dialog = protocol.newServerDialog(true);
        starttls.observe(protocol.id(), false, observer());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (starttls.isTls() || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf frame = (ByteBuf) msg;
        String lostBefore = dialog.lost();
        ServerDialog.Kind kind = dialog.fromClient(frame);
        noteLost(lostBefore);
        switch (kind) {
            case UPGRADE:
                frame.release();
                if (dialog.settled()) {
                    upgrade();
                } else {
                    // The application answers what came before first; nothing after this frame reaches it.
                    waiting = true;
                    starttls.upgradePointReached();
                }
                return;
            case REFUSE:
                frame.release();
                observeRefusal(ctx);
                if (dialog.closesAfterRefusal()) {
                    ctx.writeAndFlush(dialog.refusal(ctx.alloc())).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.writeAndFlush(dialog.refusal(ctx.alloc()));
                }
                return;
            default:
                ctx.fireChannelRead(frame);
                if (!paused && dialog.lost() == null && dialog.awaitingReply() && !ctx.isRemoved()) {
                    paused = true;
                    starttls.pauseFrames();
                }
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (starttls.isTls()) {
            ctx.write(msg, promise);
            return;
        }
        String lostBefore = dialog.lost();
        if (msg instanceof ByteBuf) {
            dialog.fromServer((ByteBuf) msg);
        } else {
            dialog.lose("a write this helper cannot read: " + msg.getClass().getName());
        }
        noteLost(lostBefore);
        ctx.write(msg, promise);
        answered();
    }

    /** After an answer of the application's: the waiting upgrade, or the paused frames, may go on. */
    private void answered() {
        if (waiting && dialog.lost() != null) {
            waiting = false;
            starttls.abandonUpgrade(new TlsException(TlsErrorCode.CONNECTION_FAILED, "expected to answer the "
                    + protocol.id() + " upgrade command after the answers before it, found " + dialog.lost()));
        } else if (waiting && dialog.settled()) {
            waiting = false;
            upgrade();
        } else if (paused && (dialog.lost() != null || !dialog.awaitingReply())) {
            paused = false;
            starttls.resumeFrames();
        }
    }

    private void observeRefusal(ChannelHandlerContext ctx) {
        TlsObserver observer = observer();
        if (observer != null) {
            try {
                observer.startTlsCompleted(ctx.channel(), protocol.id(), false, StartTlsEvent.upgradeFailed(new TlsException(
                        TlsErrorCode.STARTTLS_REFUSED, protocol.id() + ": the client's upgrade command was refused here")));
            } catch (RuntimeException ignored) {
                // An observer must not break the connection it observes.
            }
        }
    }

    private void upgrade() {
        if (tls != null) {
            starttls.startServer(tls, dialog.positiveReply(ctx.alloc()));
        } else {
            starttls.startServer(lookup, sniOptions, dialog.positiveReply(ctx.alloc()));
        }
    }

    private void noteLost(String before) {
        if (before == null && dialog.lost() != null) {
            logger.debug("{} {}: no upgrade command is taken from here on: {}", ctx.channel(), protocol.id(), dialog.lost());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == StartTlsEvent.DOWNGRADED) {
            // Plaintext again, in the middle of the conversation: nothing owed, no greeting.
            dialog = protocol.newServerDialog(false);
        }
        ctx.fireUserEventTriggered(evt);
    }
}
