package org.nettytls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.IdentityGate;
import org.nettytls.verify.internal.TlsTrustManager;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * A client's Netty {@link SslContext} built once from {@link TlsClientOptions}; it makes one
 * {@link SslHandler} per connection. Thread-safe; share one per set of options.
 *
 * <p>Netty 4.2 would check the server's name against HTTPS rules on its own by default; that
 * check is switched off here because netty-tls checks identity itself, inside the handshake, in
 * its {@link TlsTrustManager}, so that it never runs twice nor silently instead of ours.
 */
public final class TlsClientContext {
    private final TlsClientOptions options;
    private final SslContext context;
    private final ClientSessionCache.Binding sessions;
    private final TlsTrustManager trustManager;

    private TlsClientContext(TlsClientOptions options, SslContext context, ClientSessionCache.Binding sessions,
            TlsTrustManager trustManager) {
        this.options = options;
        this.context = context;
        this.sessions = sessions;
        this.trustManager = trustManager;
    }

    /**
     * Builds the client's {@code SslContext} from {@code options}, with no session cache shared with other
     * contexts.
     *
     * @param options the client options
     * @return a context to make any number of connections with
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the options cannot make a context, e.g. a
     *     certificate and key that do not match
     */
    public static TlsClientContext create(TlsClientOptions options) throws TlsException {
        return create(options, null);
    }

    /**
     * A context that checks the server's name under {@code protocolScheme} unless the options
     * name a scheme themselves: how a protocol (SMTP, LDAP, ...) makes its own scheme the default.
     *
     * @param options the client options
     * @param protocolScheme the protocol's scheme, used when the options name none
     * @return a context to make any number of connections with
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the options cannot make a context
     */
    public static TlsClientContext create(TlsClientOptions options, HostnameScheme protocolScheme) throws TlsException {
        Objects.requireNonNull(options, "options");
        HostnameScheme scheme = protocolScheme == null || options.hostnameSchemeNamed() ? options.hostnameScheme() : protocolScheme;
        SslContextBuilder b = SslContextBuilder.forClient();
        TlsContexts.applyCommon(b, options);
        b.endpointIdentificationAlgorithm(null);
        TlsTrustManager trust = new TlsTrustManager(options.peerVerification(options.verifiesPeer(), scheme), List.of());
        b.trustManager(trust);
        if (options.keyMaterial() != null) {
            b.keyManager(options.keyMaterial().key(), options.keyMaterial().chain());
        }
        TlsContexts.customize(b, options);
        try {
            SslContext built = b.build();
            TlsContexts.finish(built, options);
            ClientSessionCache cache = options.sessionCache() != null ? options.sessionCache()
                    : ClientSessionCache.create(ClientSessionCache.DEFAULT_MAX_KEYS);
            return new TlsClientContext(options, built, cache.bind(built), trust);
        } catch (SSLException | RuntimeException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot build the client context: " + e.getMessage(), e);
        }
    }

    /**
     * {@return the trust manager this context's handshakes use, for a JDK client ({@code java.net.http.HttpClient},
     * an {@code SSLSocket}) that must verify a server exactly as netty-tls does: chain, hostname under the context's
     * scheme (the name the JDK engine connects to), pins, CRLs and callback} Please note: checks that run after the
     * handshake ({@link TlsClientOptions#identityGates()}, such as OCSP) are not part of it.
     */
    public javax.net.ssl.X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /**
     * The options this context was built from.
     *
     * @return the options
     */
    public TlsClientOptions options() {
        return options;
    }

    /** {@return the session cache this context resumes from: its own, or the options' shared one} */
    public ClientSessionCache sessionCache() {
        return sessions.cache();
    }

    /** {@return the Netty context, for what netty-tls does not wrap} */
    public SslContext sslContext() {
        return context;
    }

    /**
     * A bare handler for a connection to {@code host}:{@code port}, for pipelines that place it
     * themselves. It carries every check that runs inside the handshake (chain, scheme, pins, CRL,
     * OCSP staple, verify callback), but nothing that runs after it: options with
     * {@link TlsClientOptions#identityGates() identity gates} (OCSP resolving, CRL distribution
     * points, the staple callback) are refused here, so that such a check cannot be left out by
     * accident; use {@link #install} instead.
     *
     * @param alloc the channel's allocator
     * @param host the server's name or address, for SNI and the name check
     * @param port the server's port
     * @return a new handler, never shared
     * @throws TlsException {@link TlsErrorCode#BAD_CONFIGURATION} for options with identity gates
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) throws TlsException {
        return newHandler(alloc, host, port, host + ":" + port);
    }

    /**
     * {@link #newHandler(ByteBufAllocator, String, int)} with the session filed under {@code sessionKey}.
     *
     * @param alloc the channel's allocator
     * @param host the server's name or address
     * @param port the server's port
     * @param sessionKey the key sessions are filed under
     * @return a new handler, never shared
     * @throws TlsException ({@code BAD_CONFIGURATION}) for options with identity gates
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, String sessionKey) throws TlsException {
        if (!options.identityGates().isEmpty()) {
            throw TlsException.badConfiguration("newHandler", "these options carry " + options.identityGates().size()
                    + " check(s) that run after the handshake (OCSP, CRL distribution points), which a bare SslHandler"
                    + " would leave out; put TLS on the channel with TlsClientContext.install (or StartTlsHandler.startClient)");
        }
        return handler(alloc, host, port, sessionKey);
    }

    /**
     * A handler for a connection to {@code host}:{@code port} whose session is filed and resumed
     * under {@code sessionKey} ({@code SSL_session_key}) instead of {@code host:port}: e.g. the
     * control connection's key for an FTPS data connection, which servers such as vsftpd
     * ({@code require_ssl_reuse}) insist resumes the control connection's session. Every check
     * runs again on a resumed session.
     */
    private SslHandler handler(ByteBufAllocator alloc, String host, int port, String sessionKey) throws TlsException {
        Objects.requireNonNull(sessionKey, "sessionKey");
        String sni = sniName(host);
        String engineHost = host;
        if (sni == null && host != null && !NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)
                && host.indexOf('.') > 0 && !host.endsWith(".")) {
            // Netty sends a dotted peer host as SNI on its own; the same name with a trailing dot
            // is the same DNS name, keeps the session cache key apart, and is not sent.
            engineHost = host + ".";
        }
        SNIHostName sniHostName = null;
        if (sni != null) {
            try {
                sniHostName = new SNIHostName(sni);
            } catch (IllegalArgumentException e) {
                throw TlsException.badConfiguration("newHandler host (SSL_hostname)", "'" + sni + "' cannot be sent as SNI: " + e.getMessage());
            }
        }
        SslHandler handler = context.newHandler(alloc, engineHost, port);
        if (sniHostName != null) {
            SSLEngine engine = handler.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setServerNames(List.of(sniHostName));
            engine.setSSLParameters(p);
        }
        TlsContexts.configure(handler, options);
        sessions.prepare(handler, sessionKey);
        return handler;
    }

    /**
     * Puts TLS for {@code host}:{@code port} on the channel: the one way a client's TLS goes onto
     * a channel, with every check the options ask for. The host names the server for SNI (unless
     * it is an IP address, or {@code SSL_hostname} says otherwise), for identity checks, and as
     * the key of the session cache. Adds the {@code SslHandler} at the end of the pipeline, then
     * one new gate of each of the options' {@link TlsClientOptions#identityGates() identity gates},
     * which hold the application's reads, writes and the {@code SslHandshakeCompletionEvent} until
     * their verdict, and last the handler that fires a {@link TlsHandshakeEvent} with the verdict.
     * Returns the handler.
     *
     * <p><b>Please note:</b> the handler's {@code handshakeFuture()} completes when the handshake
     * does, before the checks that run after it; {@code TlsConnectionInfo.verifiedFuture(channel)}
     * completes when the peer is verified.
     *
     * @param pipeline the channel's pipeline
     * @param host the server's name or address, for SNI and the name check
     * @param port the server's port
     * @return the {@code SslHandler}
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the handler cannot be made for these
     *     options
     */
    public SslHandler install(ChannelPipeline pipeline, String host, int port) throws TlsException {
        return install(pipeline, host, port, host + ":" + port);
    }

    /**
     * The same with the session filed under {@code sessionKey} ({@code SSL_session_key}) instead
     * of {@code host:port}: e.g. the control connection's key for an FTPS data connection, which
     * servers such as vsftpd ({@code require_ssl_reuse}) insist resumes the control connection's
     * session. Every check runs again on a resumed session.
     *
     * @param pipeline the channel's pipeline
     * @param host the server's name or address
     * @param port the server's port
     * @param sessionKey the key sessions are filed under
     * @return the {@code SslHandler}
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the handler cannot be made for these
     *     options
     */
    public SslHandler install(ChannelPipeline pipeline, String host, int port, String sessionKey) throws TlsException {
        SslHandler handler = handler(pipeline.channel().alloc(), host, port, sessionKey);
        try {
            TlsContexts.install(pipeline, null, handler, options, newGates());
        } catch (RuntimeException e) {
            TlsContexts.releaseUnplaced(pipeline, handler);
            throw e;
        }
        return handler;
    }

    /**
     * {@link #install(ChannelPipeline, String, int, String) install} in front of the handler
     * named {@code before} instead of at the end: how {@code StartTlsHandler} upgrades a
     * plaintext channel, so that STARTTLS runs exactly the checks direct TLS runs.
     *
     * @param pipeline the channel's pipeline
     * @param before the name of the handler TLS goes in front of
     * @param host the server's name or address
     * @param port the server's port
     * @param sessionKey the key sessions are filed under, or {@code host:port}
     * @return the {@code SslHandler}
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the handler cannot be made for these
     *     options
     */
    public SslHandler installBefore(ChannelPipeline pipeline, String before, String host, int port, String sessionKey)
            throws TlsException {
        SslHandler handler = handler(pipeline.channel().alloc(), host, port, sessionKey);
        try {
            TlsContexts.installBefore(pipeline, before, handler, options, newGates());
        } catch (RuntimeException e) {
            TlsContexts.releaseUnplaced(pipeline, handler);
            throw e;
        }
        return handler;
    }

    private List<IdentityGate> newGates() {
        List<IdentityGate> gates = new ArrayList<>(options.identityGates().size());
        for (Supplier<? extends IdentityGate> g : options.identityGates()) {
            gates.add(Objects.requireNonNull(g.get(), "an identity gate supplier returned null"));
        }
        return gates;
    }

    /** The SNI name for {@code host}, or {@code null} for none. */
    String sniName(String host) {
        String configured = options.serverName();
        if (configured != null) {
            return configured.isEmpty() ? null : configured;
        }
        if (host == null || host.isEmpty() || NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)
                || (host.startsWith("[") && host.endsWith("]"))) {
            return null;
        }
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }
}
