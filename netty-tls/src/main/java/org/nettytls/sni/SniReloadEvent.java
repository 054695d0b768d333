package org.nettytls.sni;

import java.util.Objects;
import org.nettytls.TlsCompletionEvent;
import org.nettytls.error.TlsException;

/**
 * What a reload of {@link SniReloader} did: the new mapping now serves new connections, or the
 * reload failed (a broken certificate or key file, say) and the previous mapping stays in service.
 */
public final class SniReloadEvent extends TlsCompletionEvent {
    private final SniMapping mapping;

    private SniReloadEvent(SniMapping mapping) {
        this.mapping = mapping;
    }

    private SniReloadEvent(SniMapping mapping, TlsException cause) {
        super(cause);
        this.mapping = mapping;
    }

    static SniReloadEvent success(SniMapping mapping) {
        return new SniReloadEvent(Objects.requireNonNull(mapping, "mapping"));
    }

    static SniReloadEvent failure(SniMapping kept, TlsException cause) {
        return new SniReloadEvent(kept, Objects.requireNonNull(cause, "cause"));
    }

    /** {@return the mapping in service after the reload: the new one, or on failure the one kept} */
    public SniMapping mapping() {
        return mapping;
    }

    @Override
    public String toString() {
        return isSuccess() ? "SniReloadEvent(loaded " + mapping + ")"
                : "SniReloadEvent(kept " + mapping + "; " + code().id() + ": " + cause().getMessage() + ")";
    }
}
