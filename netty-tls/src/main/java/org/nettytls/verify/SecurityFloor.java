package org.nettytls.verify;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * The weakest keys and signature algorithms a chain may hold, anywhere in it: the peer's
 * certificate, its issuers and the trust anchor (whose own self-signature alone is not judged,
 * since nothing relies on it). Also applied to the own certificate when options are built, so a
 * server given a key its peers will refuse says so at once.
 *
 * <p>The reference, on Debian's OpenSSL 3.0, refuses RSA below 2048 bits and SHA-1 or MD5
 * signatures at its default security level 2; {@link #LEGACY} is its {@code @SECLEVEL=1}.
 */
public enum SecurityFloor {
    /**
     * The default: RSA keys of 2048 to 8192 bits with a public exponent of at most 33 bits, EC keys
     * on P-256, P-384 or P-521, Ed25519 keys (BoringSSL verifies Ed25519, not Ed448); no DSA; no
     * SHA-1, MD5 or MD2 signatures, nor RSASSA-PSS over SHA-1.
     */
    STANDARD,
    /**
     * <b>For a legacy private PKI only</b>, and logged when options are built: RSA and DSA keys
     * from 1024 bits, any named EC curve and other key types Java reads, and SHA-1 signatures.
     * MD5 and MD2 signatures stay refused, and so do keys too costly to check (RSA over 8192 bits
     * or with a public exponent over 33 bits), since those bound the work of a handshake rather
     * than its strength.
     */
    LEGACY;

    /**
     * What this floor refuses in a chain of one's own (leaf first, as a server sends it), said for
     * people: a key too weak or too costly to check, a weak signature (a self-signed root's own
     * aside). Empty when the chain meets the floor. The options' {@code build()} asks this of the
     * own certificate.
     */
    public Optional<String> problemWith(List<X509Certificate> chain) {
        return Optional.ofNullable(CertificateRules.ownChain(List.copyOf(chain), this));
    }
}
