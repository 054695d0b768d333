package org.nettytls.acme;

import java.security.cert.X509Certificate;
import java.time.Instant;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * What {@link AcmeCertificates} did, one event per step, for logs: each says what happened to
 * which name and key type, and on failure why (with a stable {@link TlsErrorCode}) and what
 * stays in service. Delivered on the ACME thread.
 */
public final class AcmeEvent {
    /** The steps. */
    public enum Kind {
        /** The account is ready (created, or found for the existing key). */
        ACCOUNT,
        /** A certificate was read from the state directory at start. */
        LOADED,
        /** The next renewal (or renewal-information check) is planned; {@link #when()} says when, the message why. */
        SCHEDULED,
        /** An order was placed with the ACME server. */
        ORDERED,
        /** A challenge is being answered for the name. */
        CHALLENGED,
        /** The ACME server validated the name. */
        VALIDATED,
        /** A first certificate was issued, written and put into service. */
        ISSUED,
        /** A certificate was renewed, written and put into service in place of the old one. */
        RENEWED,
        /** A step failed; {@link #cause()} says why; a retry is planned at {@link #when()}. */
        FAILED
    }

    private final Kind kind;
    private final String name;
    private final AcmeKeyType keyType;
    private final String message;
    private final X509Certificate certificate;
    private final Instant when;
    private final TlsException cause;

    AcmeEvent(Kind kind, String name, AcmeKeyType keyType, String message, X509Certificate certificate, Instant when,
            TlsException cause) {
        this.kind = kind;
        this.name = name;
        this.keyType = keyType;
        this.message = message;
        this.certificate = certificate;
        this.when = when;
        this.cause = cause;
    }

    /** {@return what happened} */
    public Kind kind() {
        return kind;
    }

    /** {@return the name concerned, or {@code null} for the account} */
    public String name() {
        return name;
    }

    /** {@return the key type concerned, or {@code null} for the account} */
    public AcmeKeyType keyType() {
        return keyType;
    }

    /** {@return one sentence saying what happened} */
    public String message() {
        return message;
    }

    /** {@return the certificate now in service (LOADED, ISSUED, RENEWED), or {@code null}} */
    public X509Certificate certificate() {
        return certificate;
    }

    /** {@return when the next step is planned (SCHEDULED, FAILED), or {@code null}} */
    public Instant when() {
        return when;
    }

    /** {@return why it failed (FAILED), or {@code null}} */
    public TlsException cause() {
        return cause;
    }

    /** {@return the failure's code (FAILED), or {@code null}} */
    public TlsErrorCode code() {
        return cause == null ? null : cause.code();
    }

    /** {@return whether this is a {@link Kind#FAILED} event} */
    public boolean isFailure() {
        return kind == Kind.FAILED;
    }

    /** {@code acme: KIND NAME (KEY TYPE): message [code]}, one line. */
    @Override
    public String toString() {
        return "acme: " + kind.name().toLowerCase(java.util.Locale.ROOT)
                + (name == null ? "" : " " + name + (keyType == null ? "" : " (" + keyType + ")")) + ": " + message
                + (cause == null ? "" : " [" + cause.code().id() + "]");
    }
}
