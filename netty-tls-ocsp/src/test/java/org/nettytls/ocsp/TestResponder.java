package org.nettytls.ocsp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.bouncycastle.cert.ocsp.OCSPReq;

/**
 * An in-JVM HTTP OCSP responder for tests: answers each request (POST body or RFC 5019 GET
 * path) with what {@code answer} returns for it; {@code null} means never answer (a slow
 * responder). With {@link #refuse} it closes each connection unanswered (a responder that is
 * down); with {@link #delayMillis} it computes and sends the answer that much later.
 */
public final class TestResponder implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    public final AtomicInteger requests = new AtomicInteger();
    final ConcurrentLinkedQueue<String> methods = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<OCSPReq> received = new ConcurrentLinkedQueue<>();
    public volatile Function<OCSPReq, byte[]> answer;
    /** When set, answers every GET whose path starts with {@code /crl} with these bytes instead. */
    volatile byte[] crl;
    /** When set, every request is counted and its connection closed without an answer. */
    public volatile boolean refuse;
    /** When positive, {@code answer} is called and its answer sent this many milliseconds after the request. */
    volatile long delayMillis;

    public TestResponder(Function<OCSPReq, byte[]> answer) {
        this.answer = answer;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
                                        requests.incrementAndGet();
                                        methods.add(req.method().name());
                                        if (refuse) {
                                            ctx.close();
                                            return;
                                        }
                                        if (crl != null && req.uri().startsWith("/crl")) {
                                            send(ctx, crl);
                                            return;
                                        }
                                        byte[] der = req.method() == HttpMethod.POST ? ByteBufUtil.getBytes(req.content())
                                                : Base64.getDecoder().decode(URLDecoder.decode(
                                                        req.uri().substring(req.uri().lastIndexOf('/') + 1),
                                                        StandardCharsets.US_ASCII));
                                        OCSPReq ocspReq = new OCSPReq(der);
                                        received.add(ocspReq);
                                        long delay = delayMillis;
                                        if (delay > 0) {
                                            ctx.executor().schedule(() -> answer(ctx, ocspReq), delay, TimeUnit.MILLISECONDS);
                                        } else {
                                            answer(ctx, ocspReq);
                                        }
                                    }
                                });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    private void answer(ChannelHandlerContext ctx, OCSPReq req) {
        byte[] body = answer.apply(req);
        if (body != null) {
            send(ctx, body);
        }
    }

    private static void send(ChannelHandlerContext ctx, byte[] body) {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    String base() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/ocsp";
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
