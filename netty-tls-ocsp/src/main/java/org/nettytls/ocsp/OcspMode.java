package org.nettytls.ocsp;

/**
 * How a client asks for stapled OCSP responses ({@code SSL_ocsp_mode}). The reference's
 * {@code SSL_OCSP_FAIL_HARD} and {@code SSL_OCSP_FULL_CHAIN} flags are
 * {@link OcspClientConfig.Builder#failHard(boolean)} and {@link OcspClientConfig.Builder#fullChain(boolean)}.
 *
 * <p>Whatever the mode, a certificate with the TLS feature extension {@code status_request}
 * ("must-staple", RFC 7633) is handled as under {@link #MUST_STAPLE} when a staple was asked for;
 * under {@link #NO_STAPLE} the connection info says that the certificate demands one.
 */
public enum OcspMode {
    /** {@code SSL_OCSP_NO_STAPLE}: no staple is asked for. */
    NO_STAPLE,
    /**
     * {@code SSL_OCSP_TRY_STAPLE}, the default when the peer is verified: a staple is asked for;
     * a revoked or unknown one fails the handshake, a missing or unusable one is a soft failure
     * (never "good").
     */
    TRY_STAPLE,
    /** {@code SSL_OCSP_MUST_STAPLE}: a missing or unusable staple fails the handshake too. */
    MUST_STAPLE
}
