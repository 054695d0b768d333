package org.nettytls;

import java.time.Duration;
import java.util.Objects;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * How one TLS handshake ended: success, which here means <em>verified</em> (the handshake and every
 * check of the peer, those that run after it included), or the classified failure ({@link #cause()},
 * whose {@link #code()} is stable); the role, how long it took, and on success what was
 * negotiated. Immutable.
 *
 * <p>Fired down the pipeline by what netty-tls puts on a channel ({@link TlsClientContext#install},
 * {@link TlsServerContext#install}, {@code SniCertSelector}, STARTTLS upgrades, and
 * {@link HostnameSchemeVerifier}), once per handshake, right after Netty's own
 * {@code SslHandshakeCompletionEvent}; a failure of netty-tls' own (an SNI selection that found no
 * certificate, say) fires it without Netty's. The options' {@link TlsObserver} gets the same
 * event. {@code TlsConnectionInfo.verifiedFuture(channel)} completes with it.
 */
public final class TlsHandshakeEvent extends TlsCompletionEvent {
    private final boolean client;
    private final long durationNanos;
    private final String protocol;
    private final String cipher;
    private final String group;
    private final boolean resumed;

    private TlsHandshakeEvent(boolean client, long durationNanos, String protocol, String cipher, String group,
                              boolean resumed) {
        this.client = client;
        this.durationNanos = durationNanos;
        this.protocol = protocol;
        this.cipher = cipher;
        this.group = group;
        this.resumed = resumed;
    }

    private TlsHandshakeEvent(boolean client, long durationNanos, TlsException cause) {
        super(cause);
        this.client = client;
        this.durationNanos = durationNanos;
        this.protocol = null;
        this.cipher = null;
        this.group = null;
        this.resumed = false;
    }

    /**
     * A successful handshake's event.
     *
     * @param client {@code true} for the client's side
     * @param duration how long the handshake took
     * @param protocol the negotiated version, e.g. {@code TLSv1.3}
     * @param cipher the cipher suite
     * @param group the key exchange group, or {@code null}
     * @param resumed whether the session was resumed
     * @return the event
     */
    public static TlsHandshakeEvent success(boolean client, Duration duration, String protocol, String cipher,
                                            String group, boolean resumed) {
        return new TlsHandshakeEvent(client, duration.toNanos(), protocol, cipher, group, resumed);
    }

    /**
     * A failed handshake's event.
     *
     * @param client {@code true} for the client's side
     * @param duration how long until the failure
     * @param cause what failed
     * @return the event
     */
    public static TlsHandshakeEvent failure(boolean client, Duration duration, TlsException cause) {
        return new TlsHandshakeEvent(client, duration.toNanos(), Objects.requireNonNull(cause, "cause"));
    }

    static TlsHandshakeEvent success(boolean client, long durationNanos, String protocol, String cipher, String group,
                                     boolean resumed) {
        return new TlsHandshakeEvent(client, durationNanos, protocol, cipher, group, resumed);
    }

    static TlsHandshakeEvent failure(boolean client, long durationNanos, TlsException cause) {
        return new TlsHandshakeEvent(client, durationNanos, cause);
    }

    /** {@return whether this side was the client} */
    public boolean isClient() {
        return client;
    }

    /**
     * {@return the time from when TLS went onto the channel (the channel becoming active, or for {@code
     * SniCertSelector} the
     * selector starting to read the ClientHello) to the verdict}
     */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /** {@return the duration in nanoseconds, without allocating} */
    public long durationNanos() {
        return durationNanos;
    }

    /** {@return the protocol as the JDK names it ({@code TLSv1.3}), or {@code null} on failure} */
    public String protocol() {
        return protocol;
    }

    /** {@return the cipher in OpenSSL's name ({@code TLS_AES_128_GCM_SHA256}), or {@code null} on failure} */
    public String cipher() {
        return cipher;
    }

    /**
     * {@return the key exchange group ({@code X25519MLKEM768}), or {@code null} on failure or where none was used (a
     * resumed TLS 1.2 session)}
     */
    public String keyExchangeGroup() {
        return group;
    }

    /** {@return whether a session was resumed rather than negotiated in full; {@code false} on failure} */
    public boolean isResumed() {
        return resumed;
    }

    @Override
    public String toString() {
        String role = client ? "client" : "server";
        return isSuccess()
                ? "TlsHandshakeEvent(" + role + ", " + protocol + " " + cipher + " " + group + (resumed ? ", resumed" : "")
                        + ", " + durationNanos / 1000 + " us)"
                : "TlsHandshakeEvent(" + role + ", " + cause().code().id() + ": " + cause().getMessage() + ")";
    }
}
