package org.nettytls.cert;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.nettytls.error.TlsException;

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

    /**
     * Key material already in memory ({@code SSL_cert} and {@code SSL_key}): checks, as the
     * loader does for files, that {@code key} belongs to the first certificate of {@code chain}.
     *
     * @param key the private key
     * @param chain the own certificate first, then its issuers
     * @return the key material
     * @throws TlsException ({@code BAD_CONFIGURATION}) for an empty chain or a key that does not
     *     match its first certificate
     */
    public static KeyMaterial of(PrivateKey key, List<X509Certificate> chain) throws TlsException {
        if (chain.isEmpty()) {
            throw TlsException.badConfiguration("certificate (SSL_cert)", "no certificate given for the key");
        }
        boolean matches;
        try {
            matches = Keys.matches(key, chain.get(0).getPublicKey());
        } catch (GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw TlsException.badConfiguration("certificate (SSL_key)", "the " + key.getAlgorithm() + " key does not match the certificate '"
                    + chain.get(0).getSubjectX500Principal().getName() + "'");
        }
        return new KeyMaterial(key, chain);
    }

    /** {@return the private key of {@link #leaf()}} */
    public PrivateKey key() {
        return key;
    }

    /** {@return the certificates, leaf first, then the intermediates in the order the source gave them} */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** {@return the certificate the key belongs to} */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + key.getAlgorithm() + " key, " + chain.size() + " certificate(s), leaf "
                + leaf().getSubjectX500Principal().getName() + "]";
    }
}
