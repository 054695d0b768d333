package org.nettytls.examples.proxy;

import io.netty.channel.Channel;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.sni.SniMinter;
import org.nettytls.transport.Transport;

/**
 * An intercepting HTTPS proxy, as IO::Socket::SSL::Intercept is used: clients send
 * {@code CONNECT host:port}; the proxy connects to that upstream with a {@link TlsClientContext}
 * (chain, hostname under its scheme, everything netty-tls verifies), and only when the upstream
 * passes does it answer {@code 200} and complete the client's handshake with a certificate that
 * its {@link SniMinter} minted for the verified name. Then bytes are relayed both ways in
 * plaintext inside the proxy ({@link Relay}).
 *
 * <p>An upstream that fails verification is answered with {@code 502 Bad Gateway} whose body
 * names the failure and its code; the client never gets a handshake, hence never a minted
 * certificate for it. A client whose SNI differs from the CONNECT host gets an
 * {@code unrecognized_name} alert.
 *
 * <p><strong>Please note: clients must trust the proxy CA; anyone with its key can impersonate
 * every site to them.</strong> The proxy tunnels to any host and port a client names: run it
 * where only the intended clients reach it.
 */
public final class InterceptProxy {
    private final UpstreamConnector connector;
    private final SniMinter minter;
    private final Consumer<String> log;

    /**
     * @param minter mints the certificates shown to clients (the proxy CA)
     * @param upstreamTls verifies the real upstreams
     * @param transport the server's transport
     * @param resolver where upstream names are resolved, off the event loops
     * @param log connection outcomes, one line each (called on event loops)
     */
    public InterceptProxy(SniMinter minter, TlsClientContext upstreamTls, Transport transport, Executor resolver,
            Consumer<String> log) {
        this.minter = Objects.requireNonNull(minter, "minter");
        this.connector = new UpstreamConnector(transport, Objects.requireNonNull(upstreamTls, "upstreamTls"), false, resolver);
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Sets up a newly accepted client channel. */
    public void initChannel(Channel ch) {
        ch.pipeline().addLast("connect", new ConnectHandler(connector, minter, log));
    }
}
