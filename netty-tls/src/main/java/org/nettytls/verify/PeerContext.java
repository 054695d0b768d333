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
    private List<X509Certificate> path;
    private java.time.Instant validationTime;

    /** A peer seen inside the handshake: what it asked for is on the engine's handshake session. */
    PeerContext(List<X509Certificate> chain, SSLEngine engine, boolean peerIsServer) {
        this(chain, engine, null, peerIsServer);
    }

    /**
     * A peer seen after the handshake, on {@code session}: the engine no longer has a
     * handshake session then.
     */
    PeerContext(List<X509Certificate> chain, SSLEngine engine, SSLSession session, boolean peerIsServer) {
        this.chain = List.copyOf(chain);
        this.engine = engine;
        this.session = session;
        this.peerIsServer = peerIsServer;
    }

    /** The peer's chain as it sent it, its own certificate first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /**
     * The chain as validated, from the peer's certificate up to the trust anchor (which the peer
     * may not have sent), where each certificate's issuer follows it: what an OCSP or CRL check
     * needs to find an issuer. Before validation, or when the chain was not validated here, the
     * chain as sent.
     */
    public List<X509Certificate> validatedPath() {
        return path != null ? path : chain;
    }

    void validatedPath(List<X509Certificate> validated) {
        this.path = List.copyOf(validated);
    }

    /**
     * The instant the peer is judged at: the options' validation clock read once per verification,
     * against which every date (the chain's, CRLs', OCSP responses') is checked; {@code null}
     * before the judgment starts.
     */
    public java.time.Instant validationTime() {
        return validationTime;
    }

    void validationTime(java.time.Instant now) {
        this.validationTime = now;
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Whether the peer is the server (this side is a client). */
    public boolean peerIsServer() {
        return peerIsServer;
    }

    /** The engine, for checks that need more; {@code null} when verifying outside a handshake. */
    public SSLEngine engine() {
        return engine;
    }

    /** The host this side connected to as the application named it, or {@code null}. */
    public String peerHost() {
        if (engine == null || engine.getPeerHost() == null) {
            return null;
        }
        return TlsEngines.applicationHost(engine.getPeerHost());
    }

    public int peerPort() {
        return engine == null ? -1 : engine.getPeerPort();
    }

    /**
     * The server name of the connection: on a client the SNI name it sent, on a server the one
     * the client asked for; {@code null} when there was none.
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
