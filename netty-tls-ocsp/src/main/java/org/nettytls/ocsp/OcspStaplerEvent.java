package org.nettytls.ocsp;

import java.security.cert.X509Certificate;
import java.util.Objects;
import org.nettytls.TlsCompletionEvent;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * What an {@link OcspStapler} did for one certificate: fetched its first response, refreshed it, or
 * failed ({@link #cause()} says why: {@code connection-failed} for a responder or store that did not
 * answer, {@code revoked} or {@code ocsp-response-invalid} for a response that cannot be stapled,
 * {@code bad-input} for a persisted file that cannot be written or read). Given to the stapler's
 * listener ({@link OcspStapler.Builder#listener}), not fired on a channel: stapling runs for the
 * server, not for one connection.
 */
public final class OcspStaplerEvent extends TlsCompletionEvent {
    /** The kinds of event. */
    public enum Kind {
        /** The first good response for the certificate since the stapler began to follow it. */
        FETCHED,
        /** A later good response, which replaced the one stapled before. */
        REFRESHED,
        /** No good response this time; {@link OcspStaplerEvent#cause()} says why. */
        FAILED
    }

    private final Kind kind;
    private final X509Certificate certificate;
    private final OcspStatus status;
    private final boolean fromStore;

    private OcspStaplerEvent(Kind kind, X509Certificate certificate, OcspStatus status, boolean fromStore) {
        this.kind = kind;
        this.certificate = certificate;
        this.status = status;
        this.fromStore = fromStore;
    }

    private OcspStaplerEvent(X509Certificate certificate, OcspStatus status, boolean fromStore, TlsException cause) {
        super(cause);
        this.kind = Kind.FAILED;
        this.certificate = certificate;
        this.status = status;
        this.fromStore = fromStore;
    }

    static OcspStaplerEvent fetched(boolean first, X509Certificate certificate, OcspStatus status, boolean fromStore) {
        return new OcspStaplerEvent(first ? Kind.FETCHED : Kind.REFRESHED, certificate, Objects.requireNonNull(status, "status"),
                fromStore);
    }

    static OcspStaplerEvent failed(X509Certificate certificate, OcspStatus status, boolean fromStore, TlsErrorCode code,
                                   String why) {
        return new OcspStaplerEvent(certificate, status, fromStore, new TlsException(code, why));
    }

    /** {@return {@link Kind#FETCHED} or {@link Kind#REFRESHED} on success, else {@link Kind#FAILED}} */
    public Kind kind() {
        return kind;
    }

    /**
     * The certificate the response is for.
     *
     * @return the certificate
     */
    public X509Certificate certificate() {
        return certificate;
    }

    /** {@return the verified response's status, or {@code null} when none was had} */
    public OcspStatus status() {
        return status;
    }

    /**
     * {@return whether a fetched or refreshed response came from the fleet's {@link OcspStapleStore} (another
     * instance asked the responder) rather than from the responder; for a failure, whether it was the store that
     * failed (the stapler then asked the responder itself)}
     */
    public boolean fromStore() {
        return fromStore;
    }

    @Override
    public String toString() {
        return "OcspStaplerEvent(" + kind + ", " + OcspVerifier.subject(certificate)
                + (fromStore ? ", store" : "") + (status != null ? ", " + status : "")
                + (isSuccess() ? "" : ", " + cause().getMessage()) + ")";
    }
}
