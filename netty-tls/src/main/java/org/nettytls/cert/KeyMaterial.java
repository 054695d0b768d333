package org.nettytls.cert;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A private key with its certificate chain, leaf first: what {@code SSL_cert_file} and
 * {@code SSL_key_file} (or a PKCS#12 file) load into. {@link CertificateLoader#keyMaterial}
 * guarantees that the key belongs to the leaf.
 */
public final class KeyMaterial {
    private final PrivateKey key;
    private final List<X509Certificate> chain;

    KeyMaterial(PrivateKey key, List<X509Certificate> chain) {
        this.key = Objects.requireNonNull(key, "key");
        this.chain = List.copyOf(chain);
        if (this.chain.isEmpty()) {
            throw new IllegalArgumentException("chain is empty");
        }
    }

    /** The private key of {@link #leaf()}. */
    public PrivateKey key() {
        return key;
    }

    /** The certificates, leaf first, then the intermediates in the order the source gave them. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The certificate the key belongs to. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + key.getAlgorithm() + " key, " + chain.size() + " certificate(s), leaf "
                + leaf().getSubjectX500Principal().getName() + "]";
    }
}
