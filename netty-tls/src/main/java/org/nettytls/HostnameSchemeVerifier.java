package org.nettytls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CaStore;
import org.nettytls.verify.internal.PeerVerification;
import org.nettytls.verify.internal.PeerJudge;
import org.nettytls.verify.internal.FingerprintPins;
import org.nettytls.verify.ValidationProfile;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PeerContext;
import org.nettytls.verify.IdentityGate;
import org.nettytls.verify.PublicSuffix;
import org.nettytls.verify.SecurityFloor;
import org.nettytls.internal.VerifiedPromise;

/**
 * Checks the peer's identity under a hostname scheme, with public-suffix checks and fingerprint
 * pins, in a pipeline whose {@link SslHandler} netty-tls did not build: a user's own
 * {@code SslContext} (the JDK provider, say), or a server that checks a client certificate's
 * name ({@code SSL_verifycn_scheme}, {@code SSL_verifycn_name}, {@code SSL_verifycn_publicsuffix},
 * {@code SSL_fingerprint}, {@code SSL_force_fingerprint} of IO::Socket::SSL). Where netty-tls
 * builds the context ({@code TlsClientContext}, {@code TlsServerContext}) the same checks already
 * run inside the handshake and this handler is not needed.
 *
 * <p>Add it after the {@code SslHandler}, one instance per channel; the {@link Config} is
 * immutable and shared:
 * <pre>{@code
 * HostnameSchemeVerifier.Config http = HostnameSchemeVerifier.Config.builder().hostnameScheme("http").build();
 * ch.pipeline().addLast(sslContext.newHandler(ch.alloc(), host, port), new HostnameSchemeVerifier(http), app);
 * }</pre>
 *
 * <p>The verdict comes after the handshake, so nothing may pass before it:
 * <ul>
 * <li>Every write and flush from the handlers after it is held, in order, with its promise, until
 *     the handshake has completed and the peer has passed. Then the held writes go to the
 *     {@code SslHandler} in their order, each flush where it was, and the handler removes itself.
 * <li>Every message read before the verdict is held too, and passed on after a pass. In practice
 *     {@code SslHandler} fires its handshake event before the application data of the same read
 *     (a TLS 1.3 server may get the client's first data with its Finished), so this is a guard,
 *     not a buffer that grows.
 * <li>On a refusal every held write's promise fails with the {@link TlsException} (code
 *     {@code hostname-mismatch}, {@code fingerprint-mismatch}, ...), held messages are released,
 *     the handlers after it see a failed {@link SslHandshakeCompletionEvent} in place of the
 *     successful one, and the channel is closed. Writes that
 *     come later fail with the same exception. No {@code exceptionCaught} is fired: the events and
 *     the promises carry the failure, as they do for a handshake that fails inside the engine.
 * <li>A handshake that fails inside the {@code SslHandler} fails the held writes with the
 *     classified {@link TlsException}; its own event is passed on unchanged.
 * </ul>
 *
 * <p>The name to check is {@code SSL_verifycn_name}, else the SNI name (the one the client sent,
 * or the one a client asked a server for), else the host the client's engine was created for. A
 * client certificate is checked by name only when a name is given. A pinned fingerprint that
 * matches the peer's own certificate accepts it even when the name does not match.
 *
 * <p><b>Please note:</b> the chain is <em>not</em> validated again against a CA unless the config
 * names one ({@link Config.Builder#caStore}); the {@code SslHandler}'s own context did that, and
 * one that trusts everything leaves only the name and the pins to this handler.
 * {@link SslHandler#handshakeFuture()} completes before this handler's verdict: wait for the
 * {@link SslHandshakeCompletionEvent} that it passes on, the {@link TlsHandshakeEvent} it fires
 * right after (as netty-tls' own install path does), or
 * {@code TlsConnectionInfo.verifiedFuture(channel)}. Writes made directly on the
 * {@code SslHandler}'s context, or on handlers before this one, are not held.
 */
public final class HostnameSchemeVerifier extends IdentityGate {
    private final Config config;
    private long start;

    /**
     * A verifier for one connection; add it after the {@code SslHandler} (a handler holds per-connection
     * state: never share it).
     *
     * @param config what to verify: scheme, name and pins
     */
    public HostnameSchemeVerifier(Config config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        VerifiedPromise.renew(ctx.channel());
        start = System.nanoTime();
        super.handlerAdded(ctx);
    }

    /** The handshake has completed: judge the peer, then pass everything on or refuse it. */
    @Override
    protected void judge(ChannelHandlerContext ctx, SslHandler ssl) {
        TlsException refusal = judge(ssl);
        if (refusal == null) {
            pass(ctx);
            ctx.fireUserEventTriggered(HandshakeEvents.outcome(ssl, SslHandshakeCompletionEvent.SUCCESS, System.nanoTime() - start));
            VerifiedPromise.succeed(ctx.channel(), HandshakeEvents.infoForWaiters(ctx.channel()));
        } else {
            refuse(ctx, refusal);
            failed(ctx, ssl, refusal);
        }
    }

    /** A handshake that failed inside the engine passes on as it came, followed by its {@link TlsHandshakeEvent}. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        boolean engineFailure = evt instanceof SslHandshakeCompletionEvent && !((SslHandshakeCompletionEvent) evt).isSuccess()
                && sslHandler() != null && awaitingHandshake();
        super.userEventTriggered(ctx, evt);
        if (engineFailure) {
            failed(ctx, sslHandler(), TlsException.classify(((SslHandshakeCompletionEvent) evt).cause()));
        }
    }

    private boolean awaitingHandshake() {
        return !sslHandler().handshakeFuture().isDone() || !sslHandler().handshakeFuture().isSuccess();
    }

    private void failed(ChannelHandlerContext ctx, SslHandler ssl, TlsException cause) {
        ctx.fireUserEventTriggered(HandshakeEvents.outcome(ssl, new SslHandshakeCompletionEvent(cause), System.nanoTime() - start));
        VerifiedPromise.fail(ctx.channel(), cause);
    }

    private TlsException judge(SslHandler ssl) {
        try {
            SSLEngine engine = ssl.engine();
            SSLSession session = engine.getSession();
            PeerContext peer = new PeerContext(peerChain(session), engine, session, engine.getUseClientMode());
            PeerVerification verification = config.verification;
            PeerJudge.Refusal refusal = PeerJudge.judge(verification, peer, verification.clock().instant(),
                    verification.trust() != null);
            return refusal == null ? null : refusal.exception;
        } catch (RuntimeException e) {
            return new TlsException(TlsErrorCode.PEER_CERT_REJECTED, "verifying the peer failed: " + e, e);
        }
    }

    private static List<X509Certificate> peerChain(SSLSession session) {
        Certificate[] certs;
        try {
            certs = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
        List<X509Certificate> chain = new ArrayList<>(certs.length);
        for (Certificate c : certs) {
            if (c instanceof X509Certificate) {
                chain.add((X509Certificate) c);
            }
        }
        return chain;
    }

    /**
     * What a {@link HostnameSchemeVerifier} checks: immutable, and shared by all channels that
     * check the same way.
     */
    public static final class Config {
        private final PeerVerification verification;

        private Config(PeerVerification verification) {
            this.verification = verification;
        }

        /**
         * A builder with the {@code default} scheme, the name taken from the connection, and no pins.
         *
         * @return a new builder
         */
        public static Builder builder() {
            return new Builder();
        }

        @Override
        public String toString() {
            return "HostnameSchemeVerifier.Config(scheme " + (verification.scheme() == null ? "none"
                    : verification.scheme().name()) + ", name " + (verification.peerName() == null
                    ? "from the connection" : verification.peerName()) + ", pins " + verification.pins()
                    + (verification.forceFingerprint() ? " (forced)" : "") + ")";
        }

        /**
         * Builds a {@link Config}; the scheme, name and pins map to {@code SSL_verifycn_scheme}, {@code
         * SSL_verifycn_name} and {@code SSL_fingerprint}.
         */
        public static final class Builder {
            private String schemeName;
            private HostnameScheme scheme;
            private String verifyName;
            private PublicSuffix suffixes;
            private final List<String> fingerprints = new ArrayList<>();
            private boolean forceFingerprint;
            private CaStore trust;
            private ValidationProfile profile = ValidationProfile.DEFAULT;
            private SecurityFloor floor = SecurityFloor.STANDARD;
            private java.time.Clock clock = java.time.Clock.systemUTC();

            private Builder() {
            }

            /**
             * The certificate profile ({@code WEBPKI}: subjectAltName-only identity and the Baseline
             * Requirements' rules, applied in full when {@link #caStore} is given).
             *
             * @param profile {@code DEFAULT} or {@code WEBPKI}
             * @return this builder
             */
            public Builder validationProfile(ValidationProfile profile) {
                this.profile = Objects.requireNonNull(profile, "profile");
                return this;
            }

            /**
             * The security floor, which applies to the chain as the peer sent it even when the
             * {@code SslHandler}'s own context validated it; {@link SecurityFloor#LEGACY} for a legacy
             * private PKI.
             *
             * @param floor the weakest keys and signatures accepted
             * @return this builder
             */
            public Builder securityFloor(SecurityFloor floor) {
                this.floor = Objects.requireNonNull(floor, "floor");
                return this;
            }

            /**
             * The clock dates are checked against (with {@link #caStore}); the system's UTC clock by default.
             *
             * @param clock the clock
             * @return this builder
             */
            public Builder validationClock(java.time.Clock clock) {
                this.clock = Objects.requireNonNull(clock, "clock");
                return this;
            }

            /**
             * {@code SSL_verifycn_scheme} by name ({@code http}, {@code smtp}, {@code ldap}, ...,
             * {@code none}); an unknown name fails {@link #build()}. Without it the scheme is
             * {@code default}, and a mismatch fails.
             *
             * @param name a predefined scheme's name
             * @return this builder
             */
            public Builder hostnameScheme(String name) {
                this.schemeName = Objects.requireNonNull(name, "name");
                this.scheme = null;
                return this;
            }

            /**
             * {@code SSL_verifycn_scheme} as a custom scheme.
             *
             * @param scheme the scheme
             * @return this builder
             */
            public Builder hostnameScheme(HostnameScheme scheme) {
                this.scheme = Objects.requireNonNull(scheme, "scheme");
                this.schemeName = null;
                return this;
            }

            /**
             * {@code SSL_verifycn_name}: the name the peer's certificate must carry. Without it a
             * client checks the SNI name, else the host its engine was created for, and a server
             * does not check client certificates by name.
             *
             * @param name the expected name
             * @return this builder
             */
            public Builder peerName(String name) {
                this.verifyName = Objects.requireNonNull(name, "name");
                return this;
            }

            /**
             * {@code SSL_verifycn_publicsuffix}: the list for the wildcard check; {@link PublicSuffix#none()}
             * disables it.
             *
             * @param suffixes the list, or {@link PublicSuffix#none()}
             * @return this builder
             */
            public Builder publicSuffix(PublicSuffix suffixes) {
                this.suffixes = Objects.requireNonNull(suffixes, "suffixes");
                return this;
            }

            /**
             * {@code SSL_fingerprint}: {@code algo$hex}, {@code algo$pub$hex} or bare hex;
             * repeatable. A match of the peer's own certificate accepts it even when its name does
             * not match. Malformed pins fail {@link #build()}.
             *
             * @param pins the pins
             * @return this builder
             */
            public Builder fingerprint(String... pins) {
                fingerprints.addAll(Arrays.asList(pins));
                return this;
            }

            /**
             * {@code SSL_force_fingerprint}: only a pinned fingerprint accepts the peer.
             *
             * @param force {@code true} to accept the peer only by a pin
             * @return this builder
             */
            public Builder forceFingerprint(boolean force) {
                this.forceFingerprint = force;
                return this;
            }

            /**
             * Validates the peer's chain against these CAs as well. Without it the chain is left
             * to the {@code SslHandler}'s own context, which has already checked it.
             *
             * @param trust the CAs
             * @return this builder
             */
            public Builder caStore(CaStore trust) {
                this.trust = Objects.requireNonNull(trust, "trust");
                return this;
            }

            /**
             * Checks every setting; throws a {@link TlsException} naming the option at fault.
             *
             * @return the configuration, immutable and shareable between connections
             * @throws TlsException ({@code BAD_CONFIGURATION}) for an unknown scheme name, a
             *     malformed pin or an unusable CA store
             */
            public Config build() throws TlsException {
                HostnameScheme s = scheme != null ? scheme
                        : schemeName != null ? HostnameScheme.named(schemeName) : HostnameScheme.DEFAULT;
                FingerprintPins pins = FingerprintPins.parse(fingerprints);
                if (forceFingerprint && pins.isEmpty()) {
                    throw TlsException.badConfiguration("forceFingerprint (SSL_force_fingerprint)", "is set but no SSL_fingerprint is given");
                }
                PeerVerification v = PeerVerification.builder().trust(trust).enforce(true).pins(pins, forceFingerprint)
                        .checkName(s, verifyName, suffixes != null ? suffixes : PublicSuffix.builtIn())
                        .profile(profile).securityFloor(floor).clock(clock).build();
                return new Config(v);
            }
        }
    }
}
