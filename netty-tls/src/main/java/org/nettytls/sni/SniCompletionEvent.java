package org.nettytls.sni;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;

/**
 * Fired once per connection by {@link SniCertSelector}: on success after the handshake, with the
 * name the client asked for and the certificate chain the server sent (the RSA or the ECDSA one
 * where a name has both); on failure with the reason (no ClientHello in time, an oversized or
 * malformed one, no certificate for the name, a failed or late lookup, a failed handshake).
 * Shaped like Netty's {@code SniCompletionEvent}.
 */
public final class SniCompletionEvent {
    private final String serverName;
    private final List<X509Certificate> chain;
    private final TlsException cause;

    private SniCompletionEvent(String serverName, List<X509Certificate> chain, TlsException cause) {
        this.serverName = serverName;
        this.chain = chain;
        this.cause = cause;
    }

    static SniCompletionEvent success(String serverName, List<X509Certificate> chain) {
        return new SniCompletionEvent(serverName, List.copyOf(chain), null);
    }

    static SniCompletionEvent failure(String serverName, TlsException cause) {
        return new SniCompletionEvent(serverName, List.of(), Objects.requireNonNull(cause, "cause"));
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** The failure, or {@code null} on success. */
    public TlsException cause() {
        return cause;
    }

    /** The failure's code, or {@code null} on success. */
    public TlsErrorCode code() {
        return cause == null ? null : cause.code();
    }

    /**
     * The requested name in canonical form (ASCII, lower case, no trailing dot), or {@code null}
     * when the client sent none or the failure came before it was known.
     */
    public String serverName() {
        return serverName;
    }

    /** The chain the server sent, leaf first; empty on failure. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The certificate the server sent, or {@code null} on failure. */
    public X509Certificate certificate() {
        return chain.isEmpty() ? null : chain.get(0);
    }

    @Override
    public String toString() {
        String name = serverName == null ? "(no name)" : serverName;
        return cause == null
                ? "SniCompletionEvent(" + name + " -> " + certificate().getSubjectX500Principal().getName() + ", "
                        + certificate().getPublicKey().getAlgorithm() + ")"
                : "SniCompletionEvent(" + name + ", " + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
