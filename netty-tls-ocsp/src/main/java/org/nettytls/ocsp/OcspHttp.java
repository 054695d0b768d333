package org.nettytls.ocsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 client on Netty's HTTP codec for OCSP (RFC 6960 appendix A, RFC 5019) and
 * CRL fetches: one request per connection, on the caller's event loop, with a deadline and a
 * size limit. Name lookups, which the JDK only offers blocking, run off the event loop.
 */
final class OcspHttp {
    /** RFC 5019 section 5: GET only when the encoded request fits in 255 bytes. */
    private static final int MAX_GET_REQUEST = 255;

    private OcspHttp() {
    }

    /** POSTs (or, when small, GETs) an OCSP request; the future holds the response body. */
    static Future<byte[]> ocsp(EventLoop loop, Class<? extends Channel> type, URI uri, byte[] request, Duration timeout,
                               int maxBytes) {
        String encoded = URLEncoder.encode(Base64.getEncoder().encodeToString(request), StandardCharsets.US_ASCII);
        if (encoded.length() <= MAX_GET_REQUEST) {
            String path = pathOf(uri);
            return fetch(loop, type, uri, path + (path.endsWith("/") ? "" : "/") + encoded, null, timeout, maxBytes);
        }
        return fetch(loop, type, uri, pathOf(uri), request, timeout, maxBytes);
    }

    /** GETs {@code uri}; the future holds the body. */
    static Future<byte[]> get(EventLoop loop, Class<? extends Channel> type, URI uri, Duration timeout, int maxBytes) {
        return fetch(loop, type, uri, pathOf(uri), null, timeout, maxBytes);
    }

    private static String pathOf(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private static Future<byte[]> fetch(EventLoop loop, Class<? extends Channel> type, URI uri, String target,
                                        byte[] body, Duration timeout, int maxBytes) {
        Promise<byte[]> result = loop.newPromise();
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            result.setFailure(new IOException("only http:// URLs with a host are fetched, not " + uri));
            return result;
        }
        String host = uri.getHost();
        int port = uri.getPort() < 0 ? 80 : uri.getPort();
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            result.tryFailure(new IOException("no answer from " + uri + " within " + timeout.toMillis() + " ms"));
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        result.addListener(f -> deadline.cancel(false));
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (NetUtil.createByteArrayFromIpAddressString(literal) != null) {
            connect(loop, type, new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(literal), port), uri,
                    target, body, maxBytes, result);
        } else {
            GlobalEventExecutor.INSTANCE.execute(() -> {
                try {
                    InetAddress address = InetAddress.getByName(host);
                    loop.execute(() -> connect(loop, type, new InetSocketAddress(address, port), uri, target, body,
                            maxBytes, result));
                } catch (IOException e) {
                    result.tryFailure(new IOException("cannot look up " + host + ": " + e.getMessage(), e));
                }
            });
        }
        return result;
    }

    private static void connect(EventLoop loop, Class<? extends Channel> type, InetSocketAddress address, URI uri,
                                String target, byte[] body, int maxBytes, Promise<byte[]> result) {
        if (result.isDone()) {
            return;
        }
        ChannelFuture connect = new Bootstrap().group(loop).channel(type).resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(maxBytes),
                                new Receiver(uri, result));
                    }
                }).connect(address);
        Channel ch = connect.channel();
        result.addListener(f -> ch.close());
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.tryFailure(new IOException("cannot connect to " + uri + ": " + f.cause().getMessage(), f.cause()));
                return;
            }
            FullHttpRequest req = body == null
                    ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target)
                    : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, target, Unpooled.wrappedBuffer(body));
            req.headers().set(HttpHeaderNames.HOST, uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
            req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            if (body != null) {
                req.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/ocsp-request");
                req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            }
            f.channel().writeAndFlush(req).addListener((ChannelFuture w) -> {
                if (!w.isSuccess()) {
                    result.tryFailure(new IOException("cannot send to " + uri + ": " + w.cause().getMessage(), w.cause()));
                }
            });
        });
    }

    private static final class Receiver extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final URI uri;
        private final Promise<byte[]> result;

        Receiver(URI uri, Promise<byte[]> result) {
            this.uri = uri;
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!response.decoderResult().isSuccess()) {
                result.tryFailure(new IOException("malformed HTTP answer from " + uri + ": "
                        + response.decoderResult().cause()));
            } else if (!HttpResponseStatus.OK.equals(response.status())) {
                result.tryFailure(new IOException(uri + " answered HTTP " + response.status()));
            } else {
                result.trySuccess(ByteBufUtil.getBytes(response.content()));
            }
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.tryFailure(new IOException("reading the answer of " + uri + " failed: " + cause.getMessage(), cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.tryFailure(new IOException(uri + " closed the connection without a complete answer"));
            ctx.fireChannelInactive();
        }
    }
}
