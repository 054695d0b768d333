package org.nettytls.examples.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Promise;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsFailureEvents;
import org.nettytls.examples.HostPort;
import org.nettytls.transport.Transport;

/**
 * Opens a client's upstream connection on the client's event loop: resolves a name off the loop
 * (DNS may block; an IP literal is used as it is), connects without auto-read, sends a PROXY protocol v2 header first if asked,
 * and with a {@link TlsClientContext} completes only once the upstream passed every check of the
 * handshake. Until {@link Relay#link} the upstream's reads are held by {@link PendingReads}.
 */
final class UpstreamConnector {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Class<? extends SocketChannel> channelClass;
    private final TlsClientContext tls;
    private final boolean proxyProtocol;
    private final Executor resolver;

    /**
     * @param tls the upstream's TLS client context, or {@code null} for a plain upstream
     * @param proxyProtocol whether to send the client's addresses in a PROXY protocol v2 header
     * @param resolver where host names are resolved (a blocking call)
     */
    UpstreamConnector(Transport transport, TlsClientContext tls, boolean proxyProtocol, Executor resolver) {
        this.channelClass = transport.socketChannel();
        this.tls = tls;
        this.proxyProtocol = proxyProtocol;
        this.resolver = resolver;
    }

    /**
     * Connects to {@code target} for {@code client}; the future fails with a {@link TlsException}
     * ({@code connection-failed}, or the handshake's code such as {@code hostname-mismatch}).
     */
    Future<Channel> connect(Channel client, HostPort target) {
        Promise<Channel> promise = client.eventLoop().newPromise();
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(target.host());
        if (ip != null && client.eventLoop().inEventLoop()) {
            // An IP literal needs no resolver: connecting at once spares two hops between threads per client.
            InetAddress address;
            try {
                address = InetAddress.getByAddress(ip);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("NetUtil returned an address of a bad length for " + target.host(), e);
            }
            connect(client, target, new InetSocketAddress(address, target.port()), promise);
            return promise;
        }
        try {
            resolver.execute(() -> {
                InetAddress address;
                try {
                    address = InetAddress.getByName(target.host());
                } catch (UnknownHostException e) {
                    promise.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED,
                            "cannot resolve upstream host '" + target.host() + "'", e));
                    return;
                }
                client.eventLoop().execute(() -> connect(client, target, new InetSocketAddress(address, target.port()), promise));
            });
        } catch (RejectedExecutionException e) {
            promise.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED, "the proxy is shutting down", e));
        }
        return promise;
    }

    private void connect(Channel client, HostPort target, InetSocketAddress address, Promise<Channel> promise) {
        if (!client.isActive()) {
            promise.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED, "the client left before the upstream was connected"));
            return;
        }
        ChannelFuture connected = new Bootstrap().group(client.eventLoop()).channel(channelClass)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new PendingReads())
                .connect(address);
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new TlsException(TlsErrorCode.CONNECTION_FAILED, "cannot connect to upstream " + target
                        + ": " + f.cause().getMessage(), f.cause()));
                return;
            }
            Channel up = connected.channel();
            if (proxyProtocol) {
                sendProxyHeader(client, up);
            }
            if (tls == null) {
                promise.trySuccess(up);
                return;
            }
            SslHandler handler;
            try {
                handler = tls.newHandler(up.alloc(), target.host(), target.port());
            } catch (TlsException e) {
                up.close();
                promise.tryFailure(e);
                return;
            }
            up.pipeline().addFirst("tls-failures", TlsFailureEvents.INSTANCE);
            up.pipeline().addFirst("tls", handler);
            // The trust manager checks chain, name and pins inside the handshake: a refused
            // upstream fails it, and no byte of the client's reaches that upstream.
            handler.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    promise.trySuccess(up);
                } else {
                    up.close();
                    promise.tryFailure(TlsException.classify(h.cause()));
                }
            });
        });
        promise.addListener(p -> {
            if (p.isCancelled()) {
                connected.channel().close();
            }
        });
    }

    /**
     * The client's source and the address it connected to, as a binary PROXY protocol v2 header
     * (haproxy's proxy-protocol.txt, section 2.2), written before anything else, TLS included.
     */
    private static void sendProxyHeader(Channel client, Channel up) {
        InetSocketAddress src = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress dst = (InetSocketAddress) client.localAddress();
        boolean v4 = src.getAddress() instanceof Inet4Address && dst.getAddress() instanceof Inet4Address;
        HAProxyMessage header = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                literal(src.getAddress(), v4), literal(dst.getAddress(), v4), src.getPort(), dst.getPort());
        up.pipeline().addFirst("proxy-protocol", HAProxyMessageEncoder.INSTANCE);
        up.writeAndFlush(header);
        up.pipeline().remove("proxy-protocol");
    }

    /** An address as the header's family wants it; IPv4 among IPv6 as an IPv4-mapped IPv6 address. */
    private static String literal(InetAddress a, boolean v4) {
        String s = a.getHostAddress();
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        return !v4 && a instanceof Inet4Address ? "::ffff:" + s : s;
    }
}
