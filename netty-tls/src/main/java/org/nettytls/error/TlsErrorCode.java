package org.nettytls.error;


/**
 * The stable codes of {@link TlsException}. A code never changes its meaning; its
 * {@link #id()} is what logs, the command line and JSON output show.
 */
public enum TlsErrorCode {
    /** The peer's chain does not lead to a trusted CA, or no usable CRL tells whether a certificate in it is revoked. */
    UNTRUSTED_CHAIN("untrusted-chain"),
    /** A certificate in the peer's chain is past its notAfter. */
    CERT_EXPIRED("cert-expired"),
    /** A certificate in the peer's chain is before its notBefore. */
    CERT_NOT_YET_VALID("cert-not-yet-valid"),
    /** The peer's certificate does not carry the expected name under the scheme. */
    HOSTNAME_MISMATCH("hostname-mismatch"),
    /** The peer's certificate matches none of the pinned fingerprints. */
    FINGERPRINT_MISMATCH("fingerprint-mismatch"),
    /** A certificate was revoked (OCSP or CRL). */
    REVOKED("revoked"),
    /** A stapled OCSP response was required and none came. */
    STAPLE_MISSING("staple-missing"),
    /** An OCSP response could not be trusted or understood. */
    OCSP_RESPONSE_INVALID("ocsp-response-invalid"),
    /** The peer sent no certificate where one was required. */
    PEER_CERT_MISSING("peer-cert-missing"),
    /** The peer's certificate was refused by a verify callback or a policy. */
    PEER_CERT_REJECTED("peer-cert-rejected"),
    /**
     * A key or signature in the peer's chain is below the security floor: RSA under 2048 bits,
     * SHA-1 or MD5 signatures, DSA, EC curves other than P-256, P-384 and P-521, ...
     * ({@code org.nettytls.verify.SecurityFloor}).
     */
    WEAK_CRYPTO("weak-crypto"),
    /**
     * A certificate in the peer's chain breaks a rule of the certificate profile: RFC 5280's, and
     * with the {@code WEBPKI} validation profile the CA/Browser Forum Baseline Requirements'.
     */
    PROFILE_VIOLATION("profile-violation"),
    /**
     * The peer's chain would take more work to verify than a verifier spends on one chain (too
     * many name-constraint comparisons, candidate issuers or paths, or keys too costly to check).
     */
    CHAIN_TOO_COMPLEX("chain-too-complex"),
    /** The peer refused our certificate or our handshake with an alert. */
    PEER_ALERT("peer-alert"),
    /** The handshake did not finish in time. */
    HANDSHAKE_TIMEOUT("handshake-timeout"),
    /** Client and server share no protocol version. */
    NO_SHARED_PROTOCOL("no-shared-protocol"),
    /** Client and server share no cipher suite. */
    NO_SHARED_CIPHER("no-shared-cipher"),
    /** The peer spoke something other than TLS on a TLS port. */
    PLAINTEXT_ON_TLS_PORT("plaintext-on-tls-port"),
    /** Plaintext bytes arrived after the STARTTLS upgrade point. */
    PLAINTEXT_AFTER_UPGRADE("plaintext-after-upgrade"),
    /** The server did not offer STARTTLS, refused it, or answered it with anything but its positive reply, and TLS is required. */
    STARTTLS_REFUSED("starttls-refused"),
    /** The peer did not answer close_notify in time. */
    CLOSE_NOTIFY_TIMEOUT("close-notify-timeout"),
    /** An option's value is wrong; the message names the option. */
    BAD_CONFIGURATION("bad-configuration"),
    /** A certificate, key, CA or other input file could not be used; the message names it. */
    BAD_INPUT("bad-input"),
    /** The handshake failed for a reason none of the other codes describes. */
    HANDSHAKE_FAILED("handshake-failed"),
    /** The connection could not be made or broke. */
    CONNECTION_FAILED("connection-failed"),
    /** A server has no certificate for the name the client asked for (SNI), and no default. */
    UNRECOGNIZED_NAME("unrecognized-name"),
    /** The ACME server could not be reached (network, DNS, or its HTTPS certificate failed verification). */
    ACME_UNREACHABLE("acme-unreachable"),
    /** The ACME server refused a request: the account, an order, a name, or a validation; the message carries its problem document. */
    ACME_REFUSED("acme-refused"),
    /** A file could not be written (a full disk, a file-size limit, no permission); the message names it. Nothing half-written is used. */
    WRITE_FAILED("write-failed");

    private final String id;

    TlsErrorCode(String id) {
        this.id = id;
    }

    /** {@return the stable, lower-case identifier of this code, such as {@code hostname-mismatch}} */
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }
}
