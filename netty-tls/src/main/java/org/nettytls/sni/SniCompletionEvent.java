package org.nettytls.sni;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * Fired once per connection by {@link SniCertSelector}: on success after the handshake, with the
 * name the client asked for and the certificate chain the server sent (the RSA or the ECDSA one
 * where a name has both); on failure with the reason (no ClientHello in time, an oversized or
 * malformed one, no certificate for the name, a failed or late lookup, a failed handshake).
 * Shaped like Netty's {@code SniCompletionEvent}.
 */
public final class SniCompletionEvent {
    private final String serverName;
    private final String requestedName;
    private final List<X509Certificate> chain;
    private final TlsException cause;

    private SniCompletionEvent(String serverName, String requestedName, List<X509Certificate> chain, TlsException cause) {
        this.serverName = serverName;
        this.requestedName = requestedName;
        this.chain = chain;
        this.cause = cause;
    }

    static SniCompletionEvent success(String serverName, String requestedName, List<X509Certificate> chain) {
        return new SniCompletionEvent(serverName, requestedName, List.copyOf(chain), null);
    }

    static SniCompletionEvent failure(String serverName, String requestedName, TlsException cause) {
        return new SniCompletionEvent(serverName, requestedName, List.of(), Objects.requireNonNull(cause, "cause"));
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

    /**
     * The host_name as the client sent it, safe to print: printable ASCII as sent, any other byte
     * as {@code \\xNN}; {@code null} when none was read. Unlike {@link #serverName()} it is there
     * for a name that is no DNS name (an IP literal, empty labels, control bytes), which is what a
     * log of a refused or defaulted name needs to show.
     */
    public String requestedName() {
        return requestedName;
    }

    /** {@link #serverName()}, else {@link #requestedName()} in quotes, else {@code (no name)}: for log lines. */
    public String describeName() {
        return serverName != null ? serverName : requestedName != null ? "'" + requestedName + "'" : "(no name)";
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
        String name = describeName();
        return cause == null
                ? "SniCompletionEvent(" + name + " -> " + certificate().getSubjectX500Principal().getName() + ", "
                        + certificate().getPublicKey().getAlgorithm() + ")"
                : "SniCompletionEvent(" + name + ", " + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
