package org.nettytls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.lang.ref.Cleaner;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.verify.internal.TlsTrustManager;
import org.nettytls.error.TlsException;
import org.nettytls.error.TlsErrorCode;

/**
 * A server's Netty {@link SslContext} built once from {@link TlsServerOptions}; it makes one
 * {@link SslHandler} per accepted connection. Thread-safe.
 *
 * <p>A context may hold more than one certificate, one per key type (the reference's
 * {@code SSL_cert_file => { 'host' => rsa, 'host%ecc' => ecdsa }}): BoringSSL then picks, per
 * handshake, the first certificate the client can verify, from the signature algorithms it
 * offers (TLS 1.3) or its cipher suites (TLS 1.2). The additional certificates are offered first,
 * the options' own certificate last, so an ECDSA certificate added to an RSA one goes to every
 * client that can take it and RSA to the rest. With {@link TlsServerOptions#ocspStaples()} the
 * additional certificates are given to each connection instead, in the same order, each as a
 * credential carrying its own current OCSP staple.
 */
public final class TlsServerContext {
    private final TlsServerOptions options;
    private final SslContext context;
    private final List<KeyMaterial> additional;
    private final ServerTicketKeys ticketKeys;
    /** With {@code ocspStaples}: the additional certificates, added per connection with their staples. */
    private final List<StapledCredential> stapled;

    private TlsServerContext(TlsServerOptions options, SslContext context, List<KeyMaterial> additional,
            ServerTicketKeys ticketKeys, List<StapledCredential> stapled) {
        this.options = options;
        this.context = context;
        this.additional = additional;
        this.ticketKeys = ticketKeys;
        this.stapled = stapled;
        if (!stapled.isEmpty()) {
            // The credentials live as long as this context; the list, not the context, goes to the cleaner.
            CREDENTIALS.register(this, () -> stapled.forEach(StapledCredential::release));
        }
    }

    private static final Cleaner CREDENTIALS = Cleaner.create();

    /**
     * A context with the options' certificate and its {@linkplain TlsServerOptions#additionalCertificates()
     * additional certificates}, one key type each: BoringSSL chooses between them per handshake
     * by what the client offered.
     *
     * @param options the server options
     * @return a context for any number of connections
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the certificates, keys or settings cannot
     *     make a context
     */
    public static TlsServerContext create(TlsServerOptions options) throws TlsException {
        Objects.requireNonNull(options, "options");
        List<KeyMaterial> additional = options.additionalCertificates();
        SslContextBuilder b;
        try {
            b = ServerSessionSetup.forServer(options.keyMaterial(), options.sessions());
        } catch (java.security.GeneralSecurityException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot use the server's key: " + e.getMessage(), e);
        }
        TlsContexts.applyCommon(b, options);
        switch (options.verifyMode()) {
            case NONE:
                b.clientAuth(ClientAuth.NONE);
                break;
            case REQUIRE:
                b.clientAuth(ClientAuth.REQUIRE);
                break;
            default:
                b.clientAuth(ClientAuth.OPTIONAL);
                break;
        }
        if (options.asksForClientCertificate()) {
            b.trustManager(new TlsTrustManager(options.peerVerification(true), options.clientCaList()));
        }
        List<OpenSslCredential> credentials = new ArrayList<>();
        List<StapledCredential> stapled = new ArrayList<>();
        try {
            for (KeyMaterial km : additional) {
                if (options.ocspStaples() != null) {
                    // Not in the SSL_CTX: BoringSSL tries the context's credentials before a
                    // connection's, so a stapled one added per connection would never be chosen.
                    stapled.add(new StapledCredential(km));
                    continue;
                }
                OpenSslCredential c = OpenSslCredentialBuilder.forX509(km.key(),
                        km.chain().toArray(new X509Certificate[0])).build();
                credentials.add(c);
                b.addCredential(c);
            }
            ServerSessionSetup.apply(b, options.sessions());
            TlsContexts.customize(b, options);
            SslContext built = b.build();
            // Netty's context releases its reference to each credential in its finalizer, but the
            // leak detector watches a credential through a weak reference, which the JVM clears as
            // soon as the context is only finalizer-reachable: every context dropped with additional
            // certificates (an SNI reload) was reported as leaking them. Ours is kept until the
            // context is phantom-reachable, after its finalizer ran, so the credential stays
            // reachable until it is freed.
            List<OpenSslCredential> ours = List.copyOf(credentials);
            CREDENTIALS.register(built, () -> ours.forEach(OpenSslCredential::release));
            credentials.clear();
            TlsContexts.finish(built, options);
            return new TlsServerContext(options, built, additional, ServerSessionSetup.finish(built, options.sessions()),
                    List.copyOf(stapled));
        } catch (SSLException | RuntimeException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot build the server context: " + e.getMessage(), e);
        } finally {
            // Not handed to a built context's cleaner: ours ends here.
            for (OpenSslCredential c : credentials) {
                c.release();
            }
        }
    }


    /**
     * The options this context was built from.
     *
     * @return the options
     */
    public TlsServerOptions options() {
        return options;
    }

    /**
     * The Netty context, for code that makes its own {@code SslHandler}.
     *
     * @return the context
     */
    public SslContext sslContext() {
        return context;
    }

    /**
     * A handler for one accepted connection.
     *
     * @param alloc the channel's allocator
     * @return a new handler, never shared
     */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        if (ticketKeys != null) {
            // The key source may have rotated since the last connection.
            ticketKeys.refresh();
        }
        SslHandler handler = context.newHandler(alloc);
        TlsContexts.configure(handler, options);
        if (options.ocspStaples() != null) {
            staple(handler);
        }
        return handler;
    }

    /**
     * Gives the new connection every certificate's current staple: the additional certificates
     * as credentials in BoringSSL's order (as they would be in the context), the own certificate's
     * through the engine, so that whichever BoringSSL chooses carries its own response.
     */
    private void staple(SslHandler handler) {
        ReferenceCountedOpenSslEngine engine = (ReferenceCountedOpenSslEngine) handler.engine();
        try {
            for (StapledCredential c : stapled) {
                c.addTo(engine, options.ocspStaples().apply(c.material().leaf()));
            }
            byte[] own = options.ocspStaples().apply(options.keyMaterial().leaf());
            if (own != null) {
                engine.setOcspResponse(own);
            }
        } catch (SSLException | RuntimeException e) {
            io.netty.util.ReferenceCountUtil.release(engine);
            throw new IllegalStateException("cannot give the connection its certificates and staples: " + e.getMessage(), e);
        }
    }

    /**
     * Adds the handler, and behind it the handler that fires a {@link TlsHandshakeEvent} with the
     * verdict; returns the {@code SslHandler}.
     *
     * @param pipeline the accepted channel's pipeline
     * @return the {@code SslHandler}
     */
    public SslHandler install(ChannelPipeline pipeline) {
        SslHandler handler = newHandler(pipeline.channel().alloc());
        TlsContexts.install(pipeline, null, handler, options, List.of());
        return handler;
    }

    /**
     * The same stack as {@link #install(ChannelPipeline)}, in front of the handler named
     * {@code before}: how {@code StartTlsHandler} upgrades a plaintext channel. No error trap:
     * a failed STARTTLS handshake never goes on in plaintext.
     *
     * @param pipeline the channel's pipeline
     * @param before the name of the handler TLS goes in front of
     * @return the {@code SslHandler}
     */
    public SslHandler installBefore(ChannelPipeline pipeline, String before) {
        SslHandler handler = newHandler(pipeline.channel().alloc());
        try {
            TlsContexts.installBefore(pipeline, before, handler, options, List.of());
        } catch (RuntimeException e) {
            TlsContexts.releaseUnplaced(pipeline, handler);
            throw e;
        }
        return handler;
    }

    /**
     * Puts the same stack as {@link #install(ChannelPipeline)} in the place of {@code replacing},
     * whose name the {@code SslHandler} takes: for a handler that learns which context to use
     * only after the connection opened, as {@code SniCertSelector} does from the ClientHello. The
     * options' error trap, close mode, timeouts and debug log then apply as for {@code install}.
     * Bytes {@code replacing} still holds when it is removed (a {@code ByteToMessageDecoder}'s
     * cumulation, which must begin with a TLS record) go to the {@code SslHandler}.
     *
     * @param pipeline the channel's pipeline
     * @param replacing the handler whose place TLS takes
     * @return the {@code SslHandler}
     */
    public SslHandler install(ChannelPipeline pipeline, ChannelHandler replacing) {
        return install(pipeline, replacing, h -> { });
    }

    /**
     * {@link #install(ChannelPipeline, ChannelHandler)}, with {@code beforeJoining} run on the new
     * {@code SslHandler} before it joins the pipeline and sees a byte (to set a staple, say). If
     * it throws, the handler's engine is freed and nothing changes in the pipeline.
     *
     * @param pipeline the channel's pipeline
     * @param replacing the handler whose place TLS takes
     * @param beforeJoining runs on the new handler before it joins the pipeline
     * @return the {@code SslHandler}
     */
    public SslHandler install(ChannelPipeline pipeline, ChannelHandler replacing,
                              java.util.function.Consumer<SslHandler> beforeJoining) {
        Objects.requireNonNull(replacing, "replacing");
        if (pipeline.context(replacing) == null) {
            throw new IllegalArgumentException(replacing + " is not in the pipeline " + pipeline.names());
        }
        SslHandler handler = newHandler(pipeline.channel().alloc());
        try {
            beforeJoining.accept(handler);
        } catch (RuntimeException e) {
            io.netty.util.ReferenceCountUtil.release(handler.engine());
            throw e;
        }
        TlsContexts.install(pipeline, replacing, handler, options, List.of());
        return handler;
    }
}
