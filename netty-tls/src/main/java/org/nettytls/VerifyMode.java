package org.nettytls;

import org.nettytls.error.TlsException;

/**
 * Whether and how the peer's certificate is verified: IO::Socket::SSL's {@code SSL_verify_mode}.
 *
 * <p>Clients verify by default ({@link #PEER}); servers do not ask for client certificates
 * unless told ({@link #NONE}). On a client {@link #REQUIRE} and {@link #CLIENT_ONCE} mean
 * the same as {@link #PEER}, as in OpenSSL: a server always sends a certificate.
 */
public enum VerifyMode {
    /** {@code SSL_VERIFY_NONE}: the peer is not verified (a client still records what would have failed). */
    NONE(0x00),
    /** {@code SSL_VERIFY_PEER}: verify the peer's certificate; a server asks for one but accepts a client without. */
    PEER(0x01),
    /** {@code SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT}: a server refuses a client without certificate. */
    REQUIRE(0x03),
    /**
     * {@code SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE}: ask only in the first handshake. BoringSSL never
     * renegotiates as a server, so this behaves as {@link #PEER}.
     */
    CLIENT_ONCE(0x05);

    private final int bits;

    VerifyMode(int bits) {
        this.bits = bits;
    }

    /** The reference's bit value. */
    public int bits() {
        return bits;
    }

    /** The mode for the reference's bits: 0 none, 1 peer, 2 fail-if-no-peer-cert, 4 client-once. */
    public static VerifyMode fromBits(int bits) throws TlsException {
        if (bits == 0) {
            return NONE;
        }
        if ((bits & ~0x07) != 0 || (bits & 0x01) == 0) {
            throw TlsException.badConfiguration("SSL_verify_mode", "0x" + Integer.toHexString(bits)
                    + " is not a verify mode (expected 0, or 1 combined with 2 and/or 4)");
        }
        return (bits & 0x02) != 0 ? REQUIRE : (bits & 0x04) != 0 ? CLIENT_ONCE : PEER;
    }
}
