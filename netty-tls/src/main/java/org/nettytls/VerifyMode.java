package org.nettytls;


/**
 * Whether and how the peer's certificate is verified: IO::Socket::SSL's {@code SSL_verify_mode}.
 *
 * <p>Clients verify by default ({@link #PEER}); servers do not ask for client certificates
 * unless told ({@link #NONE}). On a client {@link #REQUIRE} and {@link #CLIENT_ONCE} mean
 * the same as {@link #PEER}, as in OpenSSL: a server always sends a certificate. The reference's
 * numbers ({@code SSL_VERIFY_PEER} is 1, ...) are taken by {@code org.nettytls.compat.IoSocketSsl}.
 */
public enum VerifyMode {
    /** {@code SSL_VERIFY_NONE}: the peer is not verified (a client still records what would have failed). */
    NONE,
    /** {@code SSL_VERIFY_PEER}: verify the peer's certificate; a server asks for one but accepts a client without. */
    PEER,
    /** {@code SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT}: a server refuses a client without certificate. */
    REQUIRE,
    /**
     * {@code SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE}: ask only in the first handshake. BoringSSL never
     * renegotiates as a server, so this behaves as {@link #PEER}.
     */
    CLIENT_ONCE
}
