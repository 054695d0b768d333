package org.nettytls.starttls;

import java.util.Objects;
import org.nettytls.error.TlsException;

/**
 * Fired down the pipeline when stopping TLS on a live channel finished, like Netty's
 * {@code SslHandshakeCompletionEvent}: {@link #SUCCESS}, or a failure with its {@link #cause()}.
 * Success means TLS is gone and what follows on the channel is plaintext.
 */
public final class StopTlsCompletionEvent {
    public static final StopTlsCompletionEvent SUCCESS = new StopTlsCompletionEvent();

    private final TlsException cause;

    private StopTlsCompletionEvent() {
        this.cause = null;
    }

    public StopTlsCompletionEvent(TlsException cause) {
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** Why the downgrade failed, or {@code null}. */
    public TlsException cause() {
        return cause;
    }

    @Override
    public String toString() {
        return isSuccess() ? "StopTlsCompletionEvent(SUCCESS)" : "StopTlsCompletionEvent(" + cause + ")";
    }
}
