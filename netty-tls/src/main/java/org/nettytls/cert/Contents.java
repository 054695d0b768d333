package org.nettytls.cert;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

/** What one source held: its certificates in order, its first private key, and the labels of anything else. */
final class Contents {
    final List<X509Certificate> certificates;
    /** Null when the source has no key or the key was not asked for. */
    final PrivateKey key;
    /** Labels of what was found besides certificates ({@code RSA PRIVATE KEY}, {@code X509 CRL}, ...), for error messages. */
    final List<String> others;

    /**
     * The trust lists (purpose OIDs) of the certificates that came as OpenSSL
     * {@code TRUSTED CERTIFICATE} blocks with one; certificates without a trust list are absent.
     */
    final Map<X509Certificate, List<String>> trustLists;

    Contents(List<X509Certificate> certificates, PrivateKey key, List<String> others) {
        this(certificates, key, others, Map.of());
    }

    Contents(List<X509Certificate> certificates, PrivateKey key, List<String> others,
            Map<X509Certificate, List<String>> trustLists) {
        this.certificates = List.copyOf(certificates);
        this.key = key;
        this.others = List.copyOf(others);
        this.trustLists = Map.copyOf(trustLists);
    }
}
