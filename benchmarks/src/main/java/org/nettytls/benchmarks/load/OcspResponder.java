package org.nettytls.benchmarks.load;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The netty-tls server's in-process OCSP responder on 127.0.0.1: answers every request (POST or
 * GET) with the one good response the {@code pki} step signed for the server certificate, so that
 * {@code OcspStapler} fetches, verifies and staples a real response without anything outside the
 * JVM. It serves the stapler only (once at start), never the measured connections.
 */
final class OcspResponder {
    private OcspResponder() {
    }

    static void start(EventLoopGroup group, int port, byte[] response) throws InterruptedException {
        new ServerBootstrap().group(group).channel(LoadServer.TRANSPORT.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(16 * 1024),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                                        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, Unpooled.wrappedBuffer(response));
                                        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/ocsp-response")
                                                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.length);
                                        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                                    }
                                });
                    }
                }).bind("127.0.0.1", port).sync();
    }
}
