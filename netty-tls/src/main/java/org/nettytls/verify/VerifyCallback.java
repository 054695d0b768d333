package org.nettytls.verify;

import java.security.cert.X509Certificate;
import org.nettytls.error.TlsException;
import org.nettytls.annotation.Spi;

/**
 * IO::Socket::SSL's {@code SSL_verify_callback}: called for every certificate of the peer's
 * chain, from the trusted root down to the peer's own certificate (depth 0), with the
 * preliminary verdict; its answer replaces the verdict for that certificate.
 *
 * <p><b>Please note:</b> answering {@code true} where {@code ok} is {@code false} accepts a
 * certificate the chain check refused. It runs inside the handshake on the event loop: it must
 * not block.
 */
@Spi
@FunctionalInterface
public interface VerifyCallback {
    /**
     * @param ok the verdict so far for this certificate
     * @param certificate the certificate at {@code depth}
     * @param depth 0 for the peer's own certificate, counting up towards the root
     * @param error why {@code ok} is false, {@code null} when it is true
     * @return whether this certificate is acceptable
     */
    boolean verify(boolean ok, X509Certificate certificate, int depth, TlsException error);
}
