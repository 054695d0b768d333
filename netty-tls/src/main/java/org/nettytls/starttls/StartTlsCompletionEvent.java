package org.nettytls.starttls;

import java.util.Objects;
import org.nettytls.error.TlsException;

/**
 * Fired down the pipeline when starting TLS on a live channel finished, like Netty's
 * {@code SslHandshakeCompletionEvent}: {@link #SUCCESS}, or a failure with its {@link #cause()}.
 * Success means the handshake and every verification passed; a protocol handler should forget
 * what it learnt before it (capabilities, state), as RFC 3207 section 4.2 asks.
 */
public final class StartTlsCompletionEvent {
    public static final StartTlsCompletionEvent SUCCESS = new StartTlsCompletionEvent();

    private final TlsException cause;

    private StartTlsCompletionEvent() {
        this.cause = null;
    }

    public StartTlsCompletionEvent(TlsException cause) {
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** Why the upgrade failed ({@link TlsException#code()} says what kind of failure), or {@code null}. */
    public TlsException cause() {
        return cause;
    }

    @Override
    public String toString() {
        return isSuccess() ? "StartTlsCompletionEvent(SUCCESS)" : "StartTlsCompletionEvent(" + cause + ")";
    }
}
