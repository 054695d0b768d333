package org.nettytls;

import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import java.util.Arrays;
import javax.net.ssl.SSLException;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.internal.TcnCredential;

/**
 * One additional certificate of a server context whose options staple per certificate
 * ({@link TlsServerOptions.Builder#ocspStaples}): its credential with the staple it had when
 * last asked, added to each connection. A credential a handshake may be using must not change,
 * so a new staple makes a new credential; connections that took the old one keep it (each
 * engine holds its own reference) and it is freed with the last of them.
 */
final class StapledCredential {
    private final KeyMaterial material;
    private byte[] staple;
    private OpenSslCredential credential;

    StapledCredential(KeyMaterial material) {
        this.material = material;
    }

    KeyMaterial material() {
        return material;
    }

    /** Adds the credential with {@code current} (or no staple when {@code null}) to a new connection's engine. */
    synchronized void addTo(ReferenceCountedOpenSslEngine engine, byte[] current) throws SSLException {
        if (credential == null || !Arrays.equals(staple, current)) {
            OpenSslCredential fresh = TcnCredential.build(material.key(), material.chain(), current);
            if (credential != null) {
                credential.release();
            }
            credential = fresh;
            staple = current;
        }
        // A reference for the call: Netty releases the credential it was given when it refuses it.
        credential.retain();
        try {
            engine.addCredential(credential);
        } catch (SSLException e) {
            credential.release();
            throw e;
        }
        credential.release();
    }

    /** Drops this context's reference, when the context is gone. */
    synchronized void release() {
        if (credential != null) {
            credential.release();
            credential = null;
        }
    }
}
