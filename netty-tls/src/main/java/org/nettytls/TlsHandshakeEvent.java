package org.nettytls;

import java.time.Duration;
import java.util.Objects;

/**
 * How one TLS handshake ended, for a {@link TlsObserver}: success or the classified failure
 * ({@link #cause()}, whose {@link #code()} is stable), the role, how long it took, and on success
 * what was negotiated. Immutable. Shaped like Netty's {@code SslCompletionEvent}; see the note on
 * {@link TlsObserver} (<b>experimental</b>).
 */
public final class TlsHandshakeEvent {
    private final boolean client;
    private final long durationNanos;
    private final TlsException cause;
    private final String protocol;
    private final String cipher;
    private final String group;
    private final boolean resumed;

    TlsHandshakeEvent(boolean client, long durationNanos, TlsException cause, String protocol, String cipher,
                      String group, boolean resumed) {
        this.client = client;
        this.durationNanos = durationNanos;
        this.cause = cause;
        this.protocol = protocol;
        this.cipher = cipher;
        this.group = group;
        this.resumed = resumed;
    }

    /** A successful handshake's event. */
    public static TlsHandshakeEvent success(boolean client, Duration duration, String protocol, String cipher,
                                            String group, boolean resumed) {
        return new TlsHandshakeEvent(client, duration.toNanos(), null, protocol, cipher, group, resumed);
    }

    /** A failed handshake's event. */
    public static TlsHandshakeEvent failure(boolean client, Duration duration, TlsException cause) {
        return new TlsHandshakeEvent(client, duration.toNanos(), Objects.requireNonNull(cause, "cause"),
                null, null, null, false);
    }

    public boolean isSuccess() {
        return cause == null;
    }

    /** The failure, or {@code null} on success. */
    public TlsException cause() {
        return cause;
    }

    /** The failure's stable code, or {@code null} on success. */
    public TlsErrorCode code() {
        return cause == null ? null : cause.code();
    }

    /** Whether this side was the client. */
    public boolean isClient() {
        return client;
    }

    /**
     * From when TLS went onto the channel (the channel becoming active, or for
     * {@code SniCertSelector} the selector starting to read the ClientHello) to the verdict.
     */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /** The duration in nanoseconds, without allocating. */
    public long durationNanos() {
        return durationNanos;
    }

    /** The protocol as the JDK names it ({@code TLSv1.3}), or {@code null} on failure. */
    public String protocol() {
        return protocol;
    }

    /** The cipher in OpenSSL's name ({@code TLS_AES_128_GCM_SHA256}), or {@code null} on failure. */
    public String cipher() {
        return cipher;
    }

    /** The key exchange group ({@code X25519MLKEM768}), or {@code null} on failure or where none was used (a resumed TLS 1.2 session). */
    public String keyExchangeGroup() {
        return group;
    }

    /** Whether a session was resumed rather than negotiated in full; {@code false} on failure. */
    public boolean isResumed() {
        return resumed;
    }

    @Override
    public String toString() {
        String role = client ? "client" : "server";
        return cause == null
                ? "TlsHandshakeEvent(" + role + ", " + protocol + " " + cipher + " " + group + (resumed ? ", resumed" : "")
                        + ", " + durationNanos / 1000 + " us)"
                : "TlsHandshakeEvent(" + role + ", " + cause.code().id() + ": " + cause.getMessage() + ")";
    }
}
