package org.nettytls;

import io.netty.handler.ssl.OpenSslCredential;
import java.lang.reflect.Method;

/**
 * The native {@code SSL_CREDENTIAL} address of a Netty credential, to tell which credential
 * BoringSSL chose for a handshake. Netty 4.2.18 keeps the accessor on a package-private
 * interface, and without it nothing says whether a client got the RSA or the ECDSA certificate
 * of a context; the public method is read reflectively, which the classpath permits.
 */
final class CredentialAddress {
    private CredentialAddress() {
    }

    /** The address, or 0 when Netty does not reveal it (the caller then falls back to the session's chain). */
    static long of(OpenSslCredential credential) {
        try {
            Method m = credential.getClass().getMethod("credentialAddress");
            m.setAccessible(true);
            return (Long) m.invoke(credential);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 0;
        }
    }
}
