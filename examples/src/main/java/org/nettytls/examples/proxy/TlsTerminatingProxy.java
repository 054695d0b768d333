package org.nettytls.examples.proxy;

import io.netty.channel.ChannelHandler;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.examples.HostPort;
import org.nettytls.transport.Transport;

/**
 * A TLS-terminating proxy's per-connection handler: after a server's TLS handler (an
 * {@code SniCertSelector} or {@code SslHandler}), it relays each client's decrypted bytes to one
 * upstream, plain or (with a client context) TLS with full verification, optionally announcing the
 * client's address with a PROXY protocol v2 header. See {@link Relay} for backpressure and half-close.
 *
 * <pre>{@code
 * TlsTerminatingProxy proxy = new TlsTerminatingProxy(HostPort.parse("127.0.0.1:8080"), null, true,
 *         Transport.best(), resolverExecutor, System.out::println);
 * serverBootstrap.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
 *         .childHandler(init(ch -> { SniCertSelector.install(ch.pipeline(), mapping, options);
 *                                    ch.pipeline().addLast(proxy.newFrontend()); }));
 * }</pre>
 *
 * <p>Please note: the server's child channels need {@code ChannelOption.ALLOW_HALF_CLOSURE} for
 * a client's FIN to reach the upstream as a half-close instead of closing everything.
 */
public final class TlsTerminatingProxy {
    private final HostPort upstream;
    private final UpstreamConnector connector;
    private final Consumer<String> log;

    /**
     * @param upstream where to relay to
     * @param upstreamTls the context that verifies a TLS upstream, or {@code null} for a plain one
     * @param proxyProtocol whether to send a PROXY protocol v2 header to the upstream first
     * @param transport the server's transport (the upstream channel shares the client's event loop)
     * @param resolver where the upstream's name is resolved, off the event loops
     * @param log connection outcomes, one line each (called on event loops)
     */
    public TlsTerminatingProxy(HostPort upstream, TlsClientContext upstreamTls, boolean proxyProtocol,
            Transport transport, Executor resolver, Consumer<String> log) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.connector = new UpstreamConnector(transport, upstreamTls, proxyProtocol, resolver);
        this.log = Objects.requireNonNull(log, "log");
    }

    /** A new handler for one client channel, to go after its TLS handler. */
    public ChannelHandler newFrontend() {
        return new ProxyFrontend(client -> connector.connect(client, upstream), log, false);
    }
}
