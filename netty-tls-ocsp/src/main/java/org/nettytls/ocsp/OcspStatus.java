package org.nettytls.ocsp;

import java.time.Instant;
import java.util.Objects;

/**
 * What a revocation check concluded about one certificate: the answer, where it came from, and
 * how long it holds. Immutable. Its {@link #toString()} is what the connection info shows under
 * {@code org.nettytls.TlsConnectionInfo#OCSP_STATUS}.
 */
public final class OcspStatus {
    /** The answer. Only {@link #GOOD} means "not revoked". */
    public enum Result {
        /** A current, verified answer says the certificate is not revoked. */
        GOOD("good"),
        /** A current, verified answer (or CRL) says the certificate is revoked: a hard failure. */
        REVOKED("revoked"),
        /** The responder, in a verified answer, does not know the certificate: a hard failure, as in the reference. */
        UNKNOWN("unknown"),
        /**
         * No usable answer: none came, or it could not be trusted or understood (unsuccessful status,
         * bad signature, unauthorized signer, stale or future-dated, for another certificate, ...).
         * Never "good"; a hard failure only under FAIL_HARD or where a staple is required.
         */
        SOFT_FAILURE("soft-failure"),
        /** Nothing was checked (NO_STAPLE and no resolver), with the reason. */
        NOT_CHECKED("not checked");

        private final String text;

        Result(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Where the answer came from. */
    public enum Source {
        /** The response the server stapled in the handshake (RFC 6066 section 8). */
        STAPLE("staple"),
        /** A response fetched from the responder after the handshake ({@code SSL_ocsp_mode} with a resolver). */
        RESOLVER("resolver"),
        /** A response from {@code SSL_ocsp_cache}, fetched earlier. */
        CACHE("cache"),
        /** A CRL from the certificate's distribution points (RFC 5280 section 4.2.1.13). */
        CRL("CRL"),
        /** The verdict of {@code SSL_ocsp_staple_callback}, which replaced the default checks. */
        CALLBACK("staple callback"),
        /** No answer was had from anywhere. */
        NONE("none");

        private final String text;

        Source(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final Result result;
    private final Source source;
    private final String subject;
    private final String detail;
    private final Instant thisUpdate;
    private final Instant nextUpdate;
    private final Instant validUntil;
    private final Instant signerNotAfter;

    OcspStatus(Result result, Source source, String subject, String detail, Instant thisUpdate, Instant nextUpdate,
               Instant validUntil) {
        this(result, source, subject, detail, thisUpdate, nextUpdate, validUntil, null);
    }

    private OcspStatus(Result result, Source source, String subject, String detail, Instant thisUpdate,
                       Instant nextUpdate, Instant validUntil, Instant signerNotAfter) {
        this.signerNotAfter = signerNotAfter;
        this.result = Objects.requireNonNull(result, "result");
        this.source = Objects.requireNonNull(source, "source");
        this.subject = subject;
        this.detail = detail;
        this.thisUpdate = thisUpdate;
        this.nextUpdate = nextUpdate;
        this.validUntil = validUntil;
    }

    /**
     * A status decided by an {@link OcspStapleCallback}, for the connection info; use
     * {@link OcspClientConfig#verifyStaple} to get the default checks' status instead.
     *
     * @param result the callback's answer
     * @param detail what it said, or {@code null}
     * @return the status
     */
    public static OcspStatus byCallback(Result result, String detail) {
        return new OcspStatus(result, Source.CALLBACK, null, detail, null, null, null);
    }

    static OcspStatus softFailure(Source source, String subject, String why, Instant validUntil) {
        return new OcspStatus(Result.SOFT_FAILURE, source, subject, why, null, null, validUntil);
    }

    static OcspStatus notChecked(String subject, String why) {
        return new OcspStatus(Result.NOT_CHECKED, Source.NONE, subject, why, null, null, null);
    }

    /** The same answer, reported as coming from {@code newSource} (a cache hit, say). */
    OcspStatus from(Source newSource) {
        return new OcspStatus(result, newSource, subject, detail, thisUpdate, nextUpdate, validUntil, signerNotAfter);
    }

    /** The same answer, remembering until when the certificate that signed it is valid. */
    OcspStatus signedUntil(Instant notAfter) {
        return new OcspStatus(result, source, subject, detail, thisUpdate, nextUpdate, validUntil, notAfter);
    }

    /** Until when the certificate that signed the response is valid, or {@code null}. */
    Instant signerNotAfter() {
        return signerNotAfter;
    }

    /**
     * The answer.
     *
     * @return the result
     */
    public Result result() {
        return result;
    }

    /**
     * Where the answer came from.
     *
     * @return the source
     */
    public Source source() {
        return source;
    }

    /**
     * Whether the answer is {@link Result#GOOD}.
     *
     * @return {@code true} for a current, verified "not revoked"
     */
    public boolean isGood() {
        return result == Result.GOOD;
    }

    /** {@return whether this answer fails a connection in every mode: revoked or unknown} */
    public boolean isHardFailure() {
        return result == Result.REVOKED || result == Result.UNKNOWN;
    }

    /** {@return the certificate's subject, or {@code null}} */
    public String subject() {
        return subject;
    }

    /**
     * {@return for a revocation, the reason ({@code keyCompromise}, ...) and time; for a soft failure what went
     * wrong; else {@code null}}
     */
    public String detail() {
        return detail;
    }

    /** {@return the response's thisUpdate (or the CRL's), or {@code null}} */
    public Instant thisUpdate() {
        return thisUpdate;
    }

    /** {@return the response's nextUpdate (or the CRL's), or {@code null} when it has none} */
    public Instant nextUpdate() {
        return nextUpdate;
    }

    /**
     * {@return until when the answer may be reused by a cache: nextUpdate, or thisUpdate plus the maximum age, or a
     * short time for a soft failure; {@code null} for answers never cached}
     */
    public Instant validUntil() {
        return validUntil;
    }

    /**
     * Whether a cache may still hand out this answer at {@code now}.
     *
     * @param now the time asked about
     * @return {@code true} while the answer holds
     */
    public boolean isCurrent(Instant now) {
        return validUntil != null && now.isBefore(validUntil);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(result.toString());
        if (detail != null) {
            sb.append(": ").append(detail);
        }
        sb.append(" (").append(source);
        if (thisUpdate != null) {
            sb.append("; thisUpdate ").append(thisUpdate);
        }
        if (nextUpdate != null) {
            sb.append("; nextUpdate ").append(nextUpdate);
        }
        if (subject != null) {
            sb.append("; ").append(subject);
        }
        return sb.append(')').toString();
    }
}
