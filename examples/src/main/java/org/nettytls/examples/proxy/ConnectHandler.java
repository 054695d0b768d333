package org.nettytls.examples.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.nettytls.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.examples.HostPort;
import org.nettytls.sni.SniCertSelector;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniMinter;
import org.nettytls.sni.SniSelectorOptions;

/**
 * An intercepting proxy's first handler: reads one HTTP {@code CONNECT host:port} request, opens
 * and fully verifies the TLS connection to that upstream, and only then answers
 * {@code 200 Connection established} and puts a {@link SniCertSelector} in its place that serves
 * a certificate minted by the proxy CA for the verified name. A destination not on the allow-list
 * gets {@code 403 Forbidden} before anything is tried; an upstream that cannot be reached or fails
 * verification gets the client the same {@code 502 Bad Gateway} whatever the cause (the log names
 * it), in plaintext, and no TLS handshake, so no minted certificate ever stands for an unverified
 * upstream.
 */
final class ConnectHandler extends ByteToMessageDecoder {
    /** The longest request header read; a longer one gets 431. */
    static final int MAX_HEADER_BYTES = 8192;
    private static final ByteBuf END_OF_HEADER =
            Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'})).asReadOnly();

    private final UpstreamConnector connector;
    private final SniMinter minter;
    private final InterceptProxy.AllowList allowed;
    private final Consumer<String> log;
    private boolean requestRead;

    ConnectHandler(UpstreamConnector connector, SniMinter minter, InterceptProxy.AllowList allowed, Consumer<String> log) {
        this.connector = connector;
        this.minter = minter;
        this.allowed = allowed;
        this.log = log;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (requestRead) {
            // Whatever follows the request (a pipelining client's ClientHello) waits for the selector.
            return;
        }
        int end = ByteBufUtil.indexOf(END_OF_HEADER, in);
        if (end < 0) {
            if (in.readableBytes() > MAX_HEADER_BYTES) {
                refuse(ctx, "431 Request Header Fields Too Large", "the request header is longer than " + MAX_HEADER_BYTES + " bytes");
            }
            return;
        }
        int length = end - in.readerIndex() + 4;
        if (length > MAX_HEADER_BYTES) {
            refuse(ctx, "431 Request Header Fields Too Large", "the request header is longer than " + MAX_HEADER_BYTES + " bytes");
            return;
        }
        String header = in.readCharSequence(length, StandardCharsets.ISO_8859_1).toString();
        requestRead = true;
        String[] request = header.substring(0, header.indexOf("\r\n")).split(" ");
        if (request.length != 3 || !request[2].startsWith("HTTP/1.")) {
            refuse(ctx, "400 Bad Request", "expected 'CONNECT host:port HTTP/1.1', found '" + header.substring(0, header.indexOf("\r\n")) + "'");
            return;
        }
        if (!request[0].equals("CONNECT")) {
            refuse(ctx, "405 Method Not Allowed", "this proxy only tunnels TLS with CONNECT, not " + request[0]);
            return;
        }
        HostPort target;
        try {
            target = HostPort.parse(request[1]);
        } catch (IllegalArgumentException e) {
            refuse(ctx, "400 Bad Request", "CONNECT " + request[1] + ": " + e.getMessage());
            return;
        }
        if (!allowed.allows(target)) {
            log.accept("CONNECT " + target + " from " + Relay.text(ctx.channel().remoteAddress()) + " refused: not an allowed destination");
            refuse(ctx, "403 Forbidden", "CONNECT " + target + ": not a destination this proxy allows");
            return;
        }
        ctx.channel().config().setAutoRead(false);
        connector.connect(ctx.channel(), target).addListener(f -> {
            if (f.isSuccess()) {
                tunnel(ctx, target, (Channel) f.getNow());
            } else {
                TlsException e = TlsException.classify(f.cause());
                log.accept("CONNECT " + target + " from " + Relay.text(ctx.channel().remoteAddress()) + " refused: "
                        + e.getMessage() + " [" + e.code().id() + "]");
                // The same words for every cause: a closed port and a port that speaks no TLS look alike.
                refuse(ctx, "502 Bad Gateway", InterceptProxy.UPSTREAM_FAILED);
            }
        });
    }

    private void tunnel(ChannelHandlerContext ctx, HostPort target, Channel upstream) {
        Channel client = ctx.channel();
        if (!client.isActive()) {
            upstream.close();
            return;
        }
        X509Certificate verified;
        try {
            Certificate[] chain = upstream.pipeline().get(SslHandler.class).engine().getSession().getPeerCertificates();
            verified = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            upstream.close();
            log.accept("CONNECT " + target + " from " + Relay.text(client.remoteAddress()) + " refused: the upstream sent no certificate");
            refuse(ctx, "502 Bad Gateway", InterceptProxy.UPSTREAM_FAILED);
            return;
        }
        log.accept("CONNECT " + target + " from " + Relay.text(client.remoteAddress()) + ": upstream verified as "
                + verified.getSubjectX500Principal().getName());
        client.closeFuture().addListener(f -> {
            if (upstream.pipeline().get(RelayHandler.class) == null) {
                upstream.close();
            }
        });
        client.writeAndFlush(Unpooled.copiedBuffer("HTTP/1.1 200 Connection established\r\n\r\n", StandardCharsets.US_ASCII));
        ctx.pipeline().addAfter(ctx.name(), "sni", new SniCertSelector(verifiedNameOnly(target.host(), verified),
                SniSelectorOptions.DEFAULTS));
        ctx.pipeline().addAfter("sni", "proxy", new ProxyFrontend(c -> c.eventLoop().newSucceededFuture(upstream), log, true));
        // Removal hands what this decoder still holds (an early ClientHello) to the selector.
        ctx.pipeline().remove(this);
        client.config().setAutoRead(true);
    }

    /**
     * Mints only for the name the upstream was verified for: the CONNECT host, which the client
     * must send as SNI or not at all. A client asking for another name through a tunnel to this
     * host gets no certificate (unrecognized_name). Without SNI, a host name gets a certificate
     * for itself, an IP address a copy of the verified upstream certificate's names.
     */
    private SniLookup verifiedNameOnly(String host, X509Certificate verified) {
        boolean ip = NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
        String name = ip ? null : InterceptProxy.AllowList.canonical(host);
        return serverName -> {
            if (serverName == null) {
                return ip ? minter.cloneOf(verified) : minter.lookup(name);
            }
            if (serverName.equals(name)) {
                return minter.lookup(serverName);
            }
            CompletionStage<TlsServerContext> none = CompletableFuture.completedFuture(null);
            return none;
        };
    }

    private void refuse(ChannelHandlerContext ctx, String status, String reason) {
        requestRead = true;
        byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf response = Unpooled.buffer();
        response.writeCharSequence("HTTP/1.1 " + status + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n", StandardCharsets.US_ASCII);
        response.writeBytes(body);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
