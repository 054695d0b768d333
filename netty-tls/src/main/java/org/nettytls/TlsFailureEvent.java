package org.nettytls;

import java.util.Objects;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * A user event fired down the pipeline when a TLS handshake fails, carrying the classified
 * {@link TlsException} (its {@link TlsException#code() code} says what kind of failure), so a
 * pipeline can react without catching exceptions. It follows Netty's
 * {@code SslHandshakeCompletionEvent}, which is still fired as well.
 */
public final class TlsFailureEvent {
    private final TlsException cause;

    public TlsFailureEvent(TlsException cause) {
        this.cause = Objects.requireNonNull(cause, "cause");
    }

    public TlsException cause() {
        return cause;
    }

    public TlsErrorCode code() {
        return cause.code();
    }

    @Override
    public String toString() {
        return "TlsFailureEvent(" + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
