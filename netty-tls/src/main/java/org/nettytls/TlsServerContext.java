package org.nettytls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.util.Objects;
import javax.net.ssl.SSLException;
import org.nettytls.verify.TlsTrustManager;

/**
 * A server's Netty {@link SslContext} built once from {@link TlsServerOptions}; it makes one
 * {@link SslHandler} per accepted connection. Thread-safe.
 */
public final class TlsServerContext {
    private final TlsServerOptions options;
    private final SslContext context;

    private TlsServerContext(TlsServerOptions options, SslContext context) {
        this.options = options;
        this.context = context;
    }

    public static TlsServerContext create(TlsServerOptions options) throws TlsException {
        Objects.requireNonNull(options, "options");
        SslContextBuilder b = SslContextBuilder.forServer(options.keyMaterial().key(), options.keyMaterial().chain());
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
        try {
            return new TlsServerContext(options, b.build());
        } catch (SSLException | RuntimeException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot build the server context: " + e.getMessage(), e);
        }
    }

    public TlsServerOptions options() {
        return options;
    }

    public SslContext sslContext() {
        return context;
    }

    /** A handler for one accepted connection. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(options.handshakeTimeout().toMillis());
        return handler;
    }

    /** Adds the handler and {@link TlsFailureEvents} behind it; returns the handler. */
    public SslHandler install(ChannelPipeline pipeline) {
        SslHandler handler = newHandler(pipeline.channel().alloc());
        pipeline.addLast("tls", handler);
        pipeline.addLast("tls-failures", TlsFailureEvents.INSTANCE);
        return handler;
    }
}
