package org.nettytls.verify;

import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/** What a {@link PeerCheck} sees of the peer: its chain, and what the connection knows of its name. */
public final class PeerContext {
    private final List<X509Certificate> chain;
    private final SSLEngine engine;
    private final SSLSession session;
    private final boolean peerIsServer;
    private final List<X509Certificate> path;
    private final java.time.Instant validationTime;

    /**
     * A peer seen inside the handshake: what it asked for is on the engine's handshake session.
     * netty-tls makes these; a test of a {@link PeerCheck} may too.
     *
     * @param chain the chain the peer sent, its own certificate first
     * @param engine the engine of the handshake
     * @param peerIsServer {@code true} when this side is the client
     */
    public PeerContext(List<X509Certificate> chain, SSLEngine engine, boolean peerIsServer) {
        this(chain, engine, null, peerIsServer, null, null);
    }

    /**
     * A peer seen after the handshake, on {@code session}: the engine no longer has a
     * handshake session then.
     *
     * @param chain the chain the peer sent, its own certificate first
     * @param engine the engine, or {@code null}
     * @param session the finished session
     * @param peerIsServer {@code true} when this side is the client
     */
    public PeerContext(List<X509Certificate> chain, SSLEngine engine, SSLSession session, boolean peerIsServer) {
        this(chain, engine, session, peerIsServer, null, null);
    }

    private PeerContext(List<X509Certificate> chain, SSLEngine engine, SSLSession session, boolean peerIsServer,
                        List<X509Certificate> path, java.time.Instant validationTime) {
        this.chain = List.copyOf(chain);
        this.engine = engine;
        this.session = session;
        this.peerIsServer = peerIsServer;
        this.path = path;
        this.validationTime = validationTime;
    }

    /** {@return the peer's chain as it sent it, its own certificate first} */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * {@return the chain as validated, from the peer's certificate up to the trust anchor (which the peer may not
     * have sent), where each certificate's issuer follows it: what an OCSP or CRL check needs to find an issuer}
     * Before validation, or when the chain was not validated here, the chain as sent.
     */
    public List<X509Certificate> validatedPath() {
        return path != null ? path : chain;
    }

    /**
     * The same peer, with {@code validated} as its {@link #validatedPath()}.
     *
     * @param validated the path as validated, leaf first
     * @return a new context
     */
    public PeerContext withValidatedPath(List<X509Certificate> validated) {
        return new PeerContext(chain, engine, session, peerIsServer, List.copyOf(validated), validationTime);
    }

    /**
     * {@return the instant the peer is judged at: the options' validation clock read once per verification, against
     * which every date (the chain's, CRLs', OCSP responses') is checked; {@code null} before the judgment starts}
     */
    public java.time.Instant validationTime() {
        return validationTime;
    }

    /**
     * The same peer, judged at {@code now} ({@link #validationTime()}).
     *
     * @param now the validation time
     * @return a new context
     */
    public PeerContext judgedAt(java.time.Instant now) {
        return new PeerContext(chain, engine, session, peerIsServer, path, now);
    }

    /**
     * The peer's own certificate, the first of the chain.
     *
     * @return the leaf certificate
     */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** {@return whether the peer is the server (this side is a client)} */
    public boolean peerIsServer() {
        return peerIsServer;
    }

    /** {@return the engine, for checks that need more; {@code null} when verifying outside a handshake} */
    public SSLEngine engine() {
        return engine;
    }

    /** {@return the host this side connected to as the application named it, or {@code null}} */
    public String peerHost() {
        if (engine == null || engine.getPeerHost() == null) {
            return null;
        }
        return TlsEngines.applicationHost(engine.getPeerHost());
    }

    /**
     * The port this side connected to, or {@code -1} when unknown (no engine, or a server's view).
     *
     * @return the peer's port or {@code -1}
     */
    public int peerPort() {
        return engine == null ? -1 : engine.getPeerPort();
    }

    /**
     * {@return the server name of the connection: on a client the SNI name it sent, on a server the one the client
     * asked for; {@code null} when there was none}
     */
    public String serverName() {
        if (engine == null) {
            return null;
        }
        List<SNIServerName> names = null;
        if (engine.getUseClientMode()) {
            SSLParameters p = engine.getSSLParameters();
            names = p == null ? null : p.getServerNames();
        } else {
            SSLSession s = session != null ? session : engine.getHandshakeSession();
            if (s instanceof ExtendedSSLSession) {
                names = ((ExtendedSSLSession) s).getRequestedServerNames();
            }
        }
        if (names != null) {
            for (SNIServerName n : names) {
                if (n instanceof SNIHostName) {
                    return ((SNIHostName) n).getAsciiName();
                }
            }
        }
        return null;
    }
}
