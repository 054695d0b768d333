package org.nettytls.sni;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import org.nettytls.TlsCompletionEvent;
import org.nettytls.error.TlsException;

/**
 * Fired once per connection by {@link SniCertSelector}: on success after the handshake, with the
 * name the client asked for and the certificate chain the server sent (the RSA or the ECDSA one
 * where a name has both); on failure with the reason (no ClientHello in time, an oversized or
 * malformed one, no certificate for the name, a failed or late lookup, a failed handshake).
 * Netty's own {@code SniHandler} fires {@code io.netty.handler.ssl.SniCompletionEvent}; this one
 * also says which certificate went out.
 */
public final class SniSelectionEvent extends TlsCompletionEvent {
    private final String serverName;
    private final String requestedName;
    private final List<X509Certificate> chain;

    private SniSelectionEvent(String serverName, String requestedName, List<X509Certificate> chain) {
        this.serverName = serverName;
        this.requestedName = requestedName;
        this.chain = chain;
    }

    private SniSelectionEvent(String serverName, String requestedName, TlsException cause) {
        super(cause);
        this.serverName = serverName;
        this.requestedName = requestedName;
        this.chain = List.of();
    }

    static SniSelectionEvent success(String serverName, String requestedName, List<X509Certificate> chain) {
        return new SniSelectionEvent(serverName, requestedName, List.copyOf(chain));
    }

    static SniSelectionEvent failure(String serverName, String requestedName, TlsException cause) {
        return new SniSelectionEvent(serverName, requestedName, Objects.requireNonNull(cause, "cause"));
    }

    /**
     * {@return the requested name in canonical form (ASCII, lower case, no trailing dot), or {@code null} when the
     * client sent none or the failure came before it was known}
     */
    public String serverName() {
        return serverName;
    }

    /**
     * {@return the host_name as the client sent it, safe to print: printable ASCII as sent, any other byte as {@code
     * \\xNN}; {@code null} when none was read} Unlike {@link #serverName()} it is there for a name that is no DNS
     * name (an IP literal, empty labels, control bytes), which is what a log of a refused or defaulted name needs to
     * show.
     */
    public String requestedName() {
        return requestedName;
    }

    /**
     * {@return {@link #serverName()}, else {@link #requestedName()} in quotes, else {@code (no name)}: for log lines}
     */
    public String describeName() {
        return serverName != null ? serverName : requestedName != null ? "'" + requestedName + "'" : "(no name)";
    }

    /** {@return the chain the server sent, leaf first; empty on failure} */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** {@return the certificate the server sent, or {@code null} on failure} */
    public X509Certificate certificate() {
        return chain.isEmpty() ? null : chain.get(0);
    }

    @Override
    public String toString() {
        String name = describeName();
        return isSuccess()
                ? "SniSelectionEvent(" + name + " -> " + certificate().getSubjectX500Principal().getName() + ", "
                        + certificate().getPublicKey().getAlgorithm() + ")"
                : "SniSelectionEvent(" + name + ", " + code().id() + ": " + cause().getMessage() + ")";
    }
}
