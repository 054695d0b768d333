package org.nettytls.verify;

/**
 * Which certificate profile a peer's chain is held to, on top of RFC 5280 path validation and
 * the {@link SecurityFloor}.
 *
 * <p>Both profiles refuse, whatever else they allow: a name the certificate matched that lies
 * outside a CA's name constraints (the common name too, where the scheme uses it, and a wildcard
 * that reaches into an excluded subtree, as Go's fix for CVE-2025-61727 does); keys and signatures
 * below the security floor; a leaf whose keyUsage has keyCertSign without basicConstraints
 * {@code CA:TRUE} (RFC 5280 4.2.1.3); and chains that would take more work to verify than one
 * handshake may cost (name-constraint comparisons, candidate issuers, paths, key sizes).
 */
public enum ValidationProfile {
    /**
     * IO::Socket::SSL-compatible: identity follows the {@link HostnameScheme} (common names where
     * the scheme checks them, wildcards where it allows them), certificates are held to RFC 5280
     * as OpenSSL 3.0 reads it. The default.
     */
    DEFAULT,
    /**
     * The CA/Browser Forum Baseline Requirements' certificate profile, for servers on the public
     * Web PKI; opt-in. On top of {@link #DEFAULT}:
     * <ul>
     * <li>identity from the subjectAltName only: the common name is never compared, and wildcards
     *     only stand as a whole leftmost label ({@code *.example.com});</li>
     * <li>a server certificate must have a subjectAltName (BR 7.1.2.7.12), critical only when the
     *     subject is empty; a common name, if any, must be one of its entries, written the same
     *     (BR 7.1.4.3); a wildcard must be {@code *.} followed by a name that is not a public suffix
     *     (ICANN and private sections of the public suffix list; BR 3.2.2.6);</li>
     * <li>the peer's certificate must carry extendedKeyUsage with serverAuth (clientAuth for a
     *     client) and never anyExtendedKeyUsage (BR 7.1.2.7.10), and must not be a CA
     *     (BR 7.1.2.7.8); a root carries no extendedKeyUsage (BR 7.1.2.1.2);</li>
     * <li>authority key identifiers in every certificate but a self-signed root, and then with a
     *     keyIdentifier equal to its subject key identifier and nothing else (RFC 5280 4.2.1.1, BR
     *     7.1.2.1.3); subject key identifiers in every CA certificate (RFC 5280 4.2.1.2);</li>
     * <li>X.509 v3 only (BR 7.1.1); serial numbers positive and at most 20 octets (RFC 5280
     *     4.1.2.2); RSA keys of at least 2048 bits whose modulus is a multiple of 8 bits, EC keys on
     *     P-256, P-384 or P-521, nothing else (BR 6.1.5); signatures with SHA-256, SHA-384 or
     *     SHA-512 (BR 7.1.3.2) but on a root's own self-signature;</li>
     * <li>an authorityInformationAccess that parses and is not empty (RFC 5280 4.2.2.1); name
     *     constraints only in CA certificates, not empty, with minimum 0 and no maximum, and IP
     *     subtrees of an address and a contiguous mask (RFC 5280 4.2.1.10, BR 7.1.2.5.2).</li>
     * </ul>
     * Please note: it is a profile for the public Web PKI; a private PKI rarely meets it.
     */
    WEBPKI
}
