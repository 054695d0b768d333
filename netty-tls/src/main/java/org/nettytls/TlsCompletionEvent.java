package org.nettytls;

import java.util.Objects;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * The family of netty-tls events, shaped like Netty's {@code SslCompletionEvent}: something
 * finished, either successfully ({@link #isSuccess()}) or with a {@link #cause()}, whose stable
 * {@link #code()} says what kind of failure it was. Netty users consume them as they consume
 * {@code SslHandshakeCompletionEvent}, in {@code userEventTriggered}:
 *
 * <pre>{@code
 * public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
 *     if (evt instanceof TlsHandshakeEvent && !((TlsHandshakeEvent) evt).isSuccess()) {
 *         log.warn("TLS refused [{}]: {}", ((TlsHandshakeEvent) evt).code(), ((TlsHandshakeEvent) evt).cause().getMessage());
 *     }
 *     ctx.fireUserEventTriggered(evt);
 * }
 * }</pre>
 *
 * <p>The members: {@link TlsHandshakeEvent} (a handshake ended, after every check of the peer),
 * {@code SniSelectionEvent} and {@code SniReloadEvent} (certificate selection by server name),
 * {@code StartTlsEvent} (STARTTLS and STOPTLS), and netty-tls-ocsp's {@code OcspVerdictEvent} and
 * {@code OcspStaplerEvent}. A {@link TlsObserver} on the options sees them too.
 */
public abstract class TlsCompletionEvent {
    private final TlsException cause;

    /** A successful completion. */
    protected TlsCompletionEvent() {
        this.cause = null;
    }

    /**
     * A failed completion; {@code cause} says why.
     *
     * @param cause the failure
     */
    protected TlsCompletionEvent(TlsException cause) {
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    /** {@return whether what this event reports succeeded} */
    public final boolean isSuccess() {
        return cause == null;
    }

    /** {@return why it failed, or {@code null} on success} */
    public final TlsException cause() {
        return cause;
    }

    /** {@return the failure's stable code, or {@code null} on success} */
    public final TlsErrorCode code() {
        return cause == null ? null : cause.code();
    }

    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        return cause == null ? name + "(SUCCESS)" : name + "(" + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
