package org.nettytls.ocsp;

import java.security.MessageDigest;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import org.nettytls.internal.DigestMemory;

/**
 * The stapled responses an {@link OcspVerifier} has verified, so that a server's staple, the
 * same bytes in every handshake until the server fetches the next, costs its signature check
 * once: the check allocated about 120 KB and took most of the client's staple-check time.
 *
 * <p>Keyed by SHA-256 over the response, the certificate and its issuer (each DER, with its
 * length), so a different response, or the same response presented for another certificate or
 * issuer, is never taken for one verified before. The value is what no clock can change
 * ({@link OcspVerifier.Signed}); the dates are checked again on every use, so an expired staple is
 * refused however often it was good, and a response that said revoked says revoked. Bounded
 * (least recently used first out) and thread-safe.
 */
final class VerifiedStaples {
    /** A client sees few servers' staples at a time; 256 verified answers are a few tens of KB. */
    static final int DEFAULT_SIZE = 256;

    private final DigestMemory<OcspVerifier.Signed> entries;

    VerifiedStaples(int size) {
        this.entries = new DigestMemory<>(size);
    }

    /** The digest that names {@code der} as an answer for {@code cert} issued by {@code issuer}. */
    static byte[] key(byte[] der, X509Certificate cert, X509Certificate issuer) throws CertificateEncodingException {
        MessageDigest sha256 = DigestMemory.sha256();
        DigestMemory.update(sha256, der);
        DigestMemory.update(sha256, cert.getEncoded());
        DigestMemory.update(sha256, issuer.getEncoded());
        return sha256.digest();
    }

    OcspVerifier.Signed get(byte[] key) {
        return entries.get(key);
    }

    void put(byte[] key, OcspVerifier.Signed signed) {
        entries.put(key, signed);
    }

    int size() {
        return entries.size();
    }
}
