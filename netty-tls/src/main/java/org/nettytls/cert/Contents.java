package org.nettytls.cert;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/** What one source held: its certificates in order, its first private key, and the labels of anything else. */
final class Contents {
    final List<X509Certificate> certificates;
    /** Null when the source has no key or the key was not asked for. */
    final PrivateKey key;
    /** Labels of what was found besides certificates ({@code RSA PRIVATE KEY}, {@code X509 CRL}, ...), for error messages. */
    final List<String> others;

    Contents(List<X509Certificate> certificates, PrivateKey key, List<String> others) {
        this.certificates = List.copyOf(certificates);
        this.key = key;
        this.others = List.copyOf(others);
    }
}
