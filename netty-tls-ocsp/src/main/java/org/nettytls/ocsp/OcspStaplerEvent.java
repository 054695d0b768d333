package org.nettytls.ocsp;

import java.security.cert.X509Certificate;
import java.util.Objects;

/** What an {@link OcspStapler} did for one certificate: fetched its first response, refreshed it, or failed. */
public final class OcspStaplerEvent {
    /** The kinds of event. */
    public enum Kind { FETCHED, REFRESHED, FAILED }

    private final Kind kind;
    private final X509Certificate certificate;
    private final OcspStatus status;
    private final String cause;
    private final boolean fromStore;

    OcspStaplerEvent(Kind kind, X509Certificate certificate, OcspStatus status, String cause) {
        this(kind, certificate, status, cause, false);
    }

    OcspStaplerEvent(Kind kind, X509Certificate certificate, OcspStatus status, String cause, boolean fromStore) {
        this.fromStore = fromStore;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.certificate = certificate;
        this.status = status;
        this.cause = cause;
    }

    public Kind kind() {
        return kind;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** The verified response's status, or {@code null} when none was had. */
    public OcspStatus status() {
        return status;
    }

    /**
     * Whether a fetched or refreshed response came from the fleet's {@link OcspStapleStore}
     * (another instance asked the responder) rather than from the responder; for a failure,
     * whether it was the store that failed (the stapler then asked the responder itself).
     */
    public boolean fromStore() {
        return fromStore;
    }

    /** Why a fetch failed, or {@code null}. */
    public String cause() {
        return cause;
    }

    @Override
    public String toString() {
        return "OcspStaplerEvent(" + kind + ", " + OcspVerifier.subject(certificate)
                + (fromStore ? ", store" : "") + (status != null ? ", " + status : "") + (cause != null ? ", " + cause : "") + ")";
    }
}
