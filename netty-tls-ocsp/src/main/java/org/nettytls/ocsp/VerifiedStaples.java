package org.nettytls.ocsp;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;

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

    private final Map<Key, OcspVerifier.Signed> entries;

    VerifiedStaples(int size) {
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, OcspVerifier.Signed> eldest) {
                return size() > size;
            }
        };
    }

    /** The digest that names {@code der} as an answer for {@code cert} issued by {@code issuer}. */
    static byte[] key(byte[] der, X509Certificate cert, X509Certificate issuer) throws CertificateEncodingException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        update(sha256, der);
        update(sha256, cert.getEncoded());
        update(sha256, issuer.getEncoded());
        return sha256.digest();
    }

    private static void update(MessageDigest md, byte[] part) {
        md.update(ByteBuffer.allocate(4).putInt(part.length).array());
        md.update(part);
    }

    synchronized OcspVerifier.Signed get(byte[] key) {
        return entries.get(new Key(key));
    }

    synchronized void put(byte[] key, OcspVerifier.Signed signed) {
        entries.put(new Key(key), signed);
    }

    synchronized int size() {
        return entries.size();
    }

    private static final class Key {
        private final byte[] digest;
        private final int hash;

        Key(byte[] digest) {
            this.digest = digest;
            this.hash = java.util.Arrays.hashCode(digest);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && java.util.Arrays.equals(digest, ((Key) o).digest);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
