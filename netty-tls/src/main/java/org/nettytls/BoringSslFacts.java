package org.nettytls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;

/**
 * What BoringSSL knows of a connection and Netty keeps to itself: the OpenSSL cipher name (the
 * session shows only the Java one), whether the session was resumed ({@code isSessionReused} is
 * package-private), the key-exchange group and the NPN protocol. Read for the handshake event and
 * for {@link TlsConnectionInfo}.
 */
record BoringSslFacts(String cipher, boolean resumed, String group, String nextProtocol) {
    /**
     * {@return the facts of {@code engine}'s connection, or {@code null} when it is not Netty's
     * OpenSSL engine or its SSL object is already freed}
     */
    static BoringSslFacts of(SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine)) {
            return null;
        }
        ReferenceCountedOpenSslEngine e = (ReferenceCountedOpenSslEngine) engine;
        // Holding the engine's lock keeps it from freeing the SSL object while we read.
        synchronized (e) {
            long ssl = e.sslPointer();
            if (ssl == 0) {
                return null;
            }
            return new BoringSslFacts(SSL.getCipherForSSL(ssl), SSL.isSessionReused(ssl), groupName(ssl),
                    SSL.getNextProtoNegotiated(ssl));
        }
    }

    private static String groupName(long ssl) {
        try {
            return SSL.getGroupName(ssl);
        } catch (Exception e) {
            // BoringSSL reports no group for a resumed TLS 1.2 session; that is not an error here.
            return null;
        }
    }
}
