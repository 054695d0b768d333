package org.nettytls.acme;

/** How the ACME server checks that this server answers for a name (RFC 8555 section 8). */
public enum AcmeChallengeType {
    /**
     * tls-alpn-01 (RFC 8737): the ACME server connects to port 443 with ALPN {@code acme-tls/1},
     * and {@code SniCertSelector} answers with a validation certificate. Needs nothing but the
     * TLS port the server already has.
     */
    TLS_ALPN_01("tls-alpn-01"),
    /**
     * http-01 (RFC 8555 section 8.3): the ACME server asks
     * {@code http://NAME/.well-known/acme-challenge/TOKEN} on port 80, answered by
     * {@link AcmeCertificates#http01Handler()} on a plain port.
     */
    HTTP_01("http-01");

    private final String id;

    AcmeChallengeType(String id) {
        this.id = id;
    }

    /** {@return the challenge's name in ACME: {@code tls-alpn-01}, {@code http-01}} */
    public String id() {
        return id;
    }

    /**
     * The challenge type by its {@link #id()}, or {@code null}.
     *
     * @param id e.g. {@code tls-alpn-01}
     * @return the type, or {@code null}
     */
    public static AcmeChallengeType byId(String id) {
        for (AcmeChallengeType t : values()) {
            if (t.id.equalsIgnoreCase(id)) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return id;
    }
}
