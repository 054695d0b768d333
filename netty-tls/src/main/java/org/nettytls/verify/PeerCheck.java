package org.nettytls.verify;

import org.nettytls.error.TlsException;
import org.nettytls.annotation.Spi;

/**
 * A check of the peer that runs inside the handshake, after its chain has been validated,
 * in the engine's trust manager: the place where hostname schemes, fingerprints, CRL and
 * OCSP checks plug in. Throwing fails the handshake with a TLS alert; nothing the
 * application wrote reaches a peer that a check refused.
 *
 * <p>Checks run on the event loop inside the handshake and must not block.
 */
@Spi
@FunctionalInterface
public interface PeerCheck {
    /**
     * Refuses the peer by throwing a {@link TlsException} whose code and message say why.
     *
     * @param peer the peer, its chain validated
     * @throws TlsException to refuse the peer: the handshake fails with an alert, and the exception's
     *     code and message reach the application
     */
    void check(PeerContext peer) throws TlsException;
}
