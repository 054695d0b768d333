package org.nettytls;

/**
 * The key exchange groups BoringSSL offers ({@code SSL_ecdh_curve}), for
 * {@link TlsOptions.Builder#keyExchangeGroups(KeyExchangeGroup...)}; the reference's string form
 * ({@code "X25519:P-256"}, OpenSSL's names such as {@code prime256v1} included) is
 * {@link TlsOptions.Builder#keyExchangeGroups(String)}. Without either, Netty's defaults apply:
 * {@link #X25519MLKEM768} first, then {@link #X25519}, {@link #P_256}, {@link #P_384}, {@link #P_521}.
 */
public enum KeyExchangeGroup {
    /** The post-quantum hybrid of X25519 and ML-KEM-768 (draft-kwiatkowski-tls-ecdhe-mlkem). */
    X25519MLKEM768("X25519MLKEM768"),
    /** The earlier hybrid with Kyber768, which BoringSSL still speaks. */
    X25519_KYBER768_DRAFT00("X25519Kyber768Draft00"),
    /** X25519 (RFC 7748). */
    X25519("X25519"),
    /** NIST P-256, OpenSSL's {@code prime256v1}. */
    P_256("P-256"),
    /** NIST P-384, OpenSSL's {@code secp384r1}. */
    P_384("P-384"),
    /** NIST P-521, OpenSSL's {@code secp521r1}. */
    P_521("P-521");

    private final String boringSslName;

    KeyExchangeGroup(String boringSslName) {
        this.boringSslName = boringSslName;
    }

    /**
     * {@return BoringSSL's name, as {@code TlsConnectionInfo.keyExchangeGroup()} reports it: {@code X25519MLKEM768},
     * {@code P-256}}
     */
    public String boringSslName() {
        return boringSslName;
    }

    /**
     * The group with BoringSSL's name {@code name}, or {@code null}.
     *
     * @param name e.g. {@code X25519MLKEM768}
     * @return the group, or {@code null}
     */
    public static KeyExchangeGroup ofBoringSslName(String name) {
        for (KeyExchangeGroup g : values()) {
            if (g.boringSslName.equals(name)) {
                return g;
            }
        }
        return null;
    }
}
