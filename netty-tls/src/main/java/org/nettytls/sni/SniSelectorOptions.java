package org.nettytls.sni;

import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;

/**
 * The limits and choices of a {@link SniCertSelector}, immutable, shared by all connections.
 * The defaults are safe: unlike Netty's {@code SniHandler}, which waits forever for a
 * ClientHello of up to 64 KiB and disables the handshake timeout of the {@code SslHandler} it
 * installs, the selector waits at most {@link #DEFAULT_CLIENT_HELLO_TIMEOUT} for a ClientHello
 * of at most {@link #DEFAULT_MAX_CLIENT_HELLO_LENGTH} bytes and keeps the handshake timeout of the
 * name's {@code TlsServerOptions}.
 */
public final class SniSelectorOptions {
    /**
     * 16 KiB: BoringSSL's own limit for a ClientHello on a server that asks for no client
     * certificate, so the selector refuses exactly the hellos BoringSSL refuses, at the same
     * byte and with the same alert. A ClientHello with post-quantum key shares, a session ticket
     * and padding is about 2 KiB.
     */
    public static final int DEFAULT_MAX_CLIENT_HELLO_LENGTH = 16 * 1024;
    /** {@code TlsOptions.DEFAULT_HANDSHAKE_TIMEOUT}: a slow hello waits as long as a plain server waits for it. */
    public static final Duration DEFAULT_CLIENT_HELLO_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long an asynchronous {@link SniLookup} may take by default; then the connection fails with
     * {@code HANDSHAKE_TIMEOUT}.
     */
    public static final Duration DEFAULT_LOOKUP_TIMEOUT = Duration.ofSeconds(5);
    /** The defaults. */
    public static final SniSelectorOptions DEFAULTS = builder().build();

    /** What happens when no certificate matches the requested name and there is no default. */
    public enum UnknownName {
        /**
         * A fatal {@code unrecognized_name} alert (RFC 6066 3), then close: what the reference
         * does ({@code SSL_TLSEXT_ERR_ALERT_FATAL}). The client learns why.
         */
        ALERT,
        /** Close without a word, for servers that would rather not confirm which names they serve. */
        CLOSE
    }

    private final int maxClientHelloLength;
    private final Duration clientHelloTimeout;
    private final Duration lookupTimeout;
    private final UnknownName unknownName;
    private final BiConsumer<SslHandler, TlsServerContext> onHandler;
    private final TlsAlpnChallenges tlsAlpnChallenges;
    private final TlsObserver observer;

    private SniSelectorOptions(Builder b) {
        this.maxClientHelloLength = b.maxClientHelloLength;
        this.clientHelloTimeout = b.clientHelloTimeout;
        this.lookupTimeout = b.lookupTimeout;
        this.unknownName = b.unknownName;
        this.onHandler = b.onHandler;
        this.tlsAlpnChallenges = b.tlsAlpnChallenges;
        this.observer = b.observer;
    }

    /**
     * A builder with the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@return the largest ClientHello body accepted, in bytes: a hello announcing more is refused with a fatal
     * illegal_parameter alert, as soon as its handshake header is in (where BoringSSL refuses one over its own
     * limit)} Please note: a context that asks for client certificates lets BoringSSL take hellos up to its
     * certificate-list limit (100 KiB); raise this to match.
     */
    public int maxClientHelloLength() {
        return maxClientHelloLength;
    }

    /**
     * {@return how long after the connection opens the whole ClientHello must have arrived; then the connection
     * closes without a word, as a plain server closes at its handshake timeout} The time the hello took is taken from
     * the installed handler's handshake timeout.
     */
    public Duration clientHelloTimeout() {
        return clientHelloTimeout;
    }

    /** {@return how long an asynchronous {@link SniLookup} may take} */
    public Duration lookupTimeout() {
        return lookupTimeout;
    }

    /**
     * What happens when no certificate matches the requested name and there is no default.
     *
     * @return the choice
     */
    public UnknownName unknownName() {
        return unknownName;
    }

    /**
     * {@return what runs with each {@code SslHandler} the selector makes, before that handler sees the ClientHello}
     */
    public BiConsumer<SslHandler, TlsServerContext> onHandler() {
        return onHandler;
    }

    /** {@return who answers ACME tls-alpn-01 validation, or {@code null}: {@link Builder#tlsAlpnChallenges}} */
    public TlsAlpnChallenges tlsAlpnChallenges() {
        return tlsAlpnChallenges;
    }

    /**
     * {@return the observer told of every selection, and of the connections the selector itself fails (no ClientHello
     * in time, no certificate for the name, a refused hello, a failed lookup, plaintext taken by the default's error
     * trap) and those BoringSSL judged holding no certificate (no default) as failed server handshakes; or {@code
     * null}, when selections go to the chosen context's observer and the selector's own failures to none} A handshake
     * under a chosen context (the default's too, for a hello handed over unread) is that context's observer's to
     * report. <b>Experimental</b>: see {@link TlsObserver}.
     */
    public TlsObserver observer() {
        return observer;
    }

    /** Builds {@link SniSelectorOptions}; every value starts at its {@code DEFAULT_*} constant. */
    public static final class Builder {
        private int maxClientHelloLength = DEFAULT_MAX_CLIENT_HELLO_LENGTH;
        private Duration clientHelloTimeout = DEFAULT_CLIENT_HELLO_TIMEOUT;
        private Duration lookupTimeout = DEFAULT_LOOKUP_TIMEOUT;
        private UnknownName unknownName = UnknownName.ALERT;
        private BiConsumer<SslHandler, TlsServerContext> onHandler = (handler, context) -> { };
        private TlsAlpnChallenges tlsAlpnChallenges;
        private TlsObserver observer;

        private Builder() {
        }

        /**
         * 64 to 2^24-1 bytes (the largest a handshake message can say).
         *
         * @param bytes the longest ClientHello accepted
         * @return this builder
         */
        public Builder maxClientHelloLength(int bytes) {
            if (bytes < 64 || bytes > 0xFFFFFF) {
                throw new IllegalArgumentException("maxClientHelloLength must be 64 to 16777215 bytes: " + bytes);
            }
            this.maxClientHelloLength = bytes;
            return this;
        }

        /**
         * Positive; there is no "wait forever".
         *
         * @param timeout how long the ClientHello may take to arrive
         * @return this builder
         */
        public Builder clientHelloTimeout(Duration timeout) {
            this.clientHelloTimeout = positive(timeout, "clientHelloTimeout");
            return this;
        }

        /**
         * Positive; there is no "wait forever".
         *
         * @param timeout how long an asynchronous lookup may take
         * @return this builder
         */
        public Builder lookupTimeout(Duration timeout) {
            this.lookupTimeout = positive(timeout, "lookupTimeout");
            return this;
        }

        /**
         * What happens when no certificate matches the requested name and there is no default.
         *
         * @param choice the choice
         * @return this builder
         */
        public Builder unknownName(UnknownName choice) {
            this.unknownName = Objects.requireNonNull(choice, "choice");
            return this;
        }

        /**
         * Called on the event loop with each {@code SslHandler} the selector makes and the context
         * it came from, before the handler reads the ClientHello: the place to staple an OCSP
         * response ({@code stapler.staple(handler, leaf)}), which must be set on the engine before
         * the handshake ({@link SniCertSelector#selectedFuture()} may complete too late for that).
         * A staple set here reaches only the context's own certificate, never one added by
         * {@code TlsServerOptions.Builder.addCertificate}; {@code TlsServerOptions.Builder.ocspStaples}
         * staples each. It must not block; an exception it throws fails the connection.
         *
         * @param hook sees each handler and its context
         * @return this builder
         */
        public Builder onHandler(BiConsumer<SslHandler, TlsServerContext> hook) {
            this.onHandler = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * Answers ACME tls-alpn-01 validation (RFC 8737) for the names {@code challenges} has a
         * validation certificate for: see {@link TlsAlpnChallenges}. The lookup is not asked for
         * such a hello. Off by default.
         *
         * @param challenges holds the validation certificates of pending validations
         * @return this builder
         */
        public Builder tlsAlpnChallenges(TlsAlpnChallenges challenges) {
            this.tlsAlpnChallenges = Objects.requireNonNull(challenges, "challenges");
            return this;
        }

        /**
         * See {@link SniSelectorOptions#observer()}. <b>Experimental</b>.
         *
         * @param observer the observer
         * @return this builder
         */
        public Builder observer(TlsObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /**
         * The options, immutable.
         *
         * @return the options
         */
        public SniSelectorOptions build() {
            return new SniSelectorOptions(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
