package org.nettytls.internal;

import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.internal.tcnative.SSLCredential;
import java.lang.reflect.Method;
import java.security.cert.X509Certificate;
import java.security.PrivateKey;
import java.util.List;

/**
 * Not API: a BoringSSL credential ({@code SSL_CREDENTIAL}) that carries an OCSP response of its
 * own. BoringSSL sends the response of the credential it chose for the handshake; Netty's
 * {@code OpenSslCredentialBuilder} cannot set one, and {@code SSL_set_ocsp_response} (Netty's
 * {@code engine.setOcspResponse}) reaches only the connection's own certificate, so a second
 * certificate (the reference's {@code 'host%ecc'}) would go out without a staple. tcnative has
 * {@code SSLCredential.setOcspResponse}; it needs the native address, which Netty keeps behind
 * a package-private interface, read here.
 *
 * <p>A credential must not change once a handshake can use it (BoringSSL reads the response
 * without a reference of its own), so the response is set here, before anyone sees the
 * credential; a new response needs a new credential.
 */
public final class TcnCredential {
    private static final Method ADDRESS;

    static {
        try {
            ADDRESS = Class.forName("io.netty.handler.ssl.OpenSslCredentialPointer").getDeclaredMethod("credentialAddress");
            ADDRESS.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("this Netty version hides its credential address: " + e);
        }
    }

    private TcnCredential() {
    }

    /** A new credential for {@code key} and its {@code chain} (leaf first) with {@code ocspResponse} (DER) as its staple, or none when {@code null}. */
    public static OpenSslCredential build(PrivateKey key, List<X509Certificate> chain, byte[] ocspResponse) {
        OpenSslCredential c = OpenSslCredentialBuilder.forX509(key, chain.toArray(new X509Certificate[0])).build();
        if (ocspResponse != null) {
            try {
                SSLCredential.setOcspResponse((long) ADDRESS.invoke(c), ocspResponse);
            } catch (Exception e) {
                c.release();
                throw new IllegalStateException("cannot set the OCSP response of the credential for "
                        + chain.get(0).getSubjectX500Principal().getName() + ": " + e, e);
            }
        }
        return c;
    }
}
