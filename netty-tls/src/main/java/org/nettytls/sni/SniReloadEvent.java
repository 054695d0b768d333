package org.nettytls.sni;

import java.util.Objects;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * What a reload of {@link SniReloader} did: the new mapping now serves new connections, or the
 * reload failed (a broken certificate or key file, say) and the previous mapping stays in service.
 */
public final class SniReloadEvent {
    private final SniMapping mapping;
    private final TlsException cause;

    private SniReloadEvent(SniMapping mapping, TlsException cause) {
        this.mapping = mapping;
        this.cause = cause;
    }

    static SniReloadEvent success(SniMapping mapping) {
        return new SniReloadEvent(Objects.requireNonNull(mapping, "mapping"), null);
    }

    static SniReloadEvent failure(SniMapping kept, TlsException cause) {
        return new SniReloadEvent(kept, Objects.requireNonNull(cause, "cause"));
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** Why the reload failed, or {@code null}. */
    public TlsException cause() {
        return cause;
    }

    public TlsErrorCode code() {
        return cause == null ? null : cause.code();
    }

    /** The mapping in service after the reload: the new one, or on failure the one kept. */
    public SniMapping mapping() {
        return mapping;
    }

    @Override
    public String toString() {
        return cause == null ? "SniReloadEvent(loaded " + mapping + ")"
                : "SniReloadEvent(kept " + mapping + "; " + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
