package org.nettytls.acme;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Answers {@code GET /.well-known/acme-challenge/TOKEN} with the key authorization of a pending
 * http-01 challenge (RFC 8555 section 8.3), and everything else with 404. One request per
 * connection; nothing else is served on this port.
 */
@ChannelHandler.Sharable
final class Http01Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String PREFIX = "/.well-known/acme-challenge/";
    private final Map<String, String> tokens;

    Http01Responder(Map<String, String> tokens) {
        this.tokens = tokens;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String uri = req.uri();
        String answer = null;
        if ((req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) && uri.startsWith(PREFIX)) {
            answer = tokens.get(uri.substring(PREFIX.length()));
        }
        FullHttpResponse res;
        if (answer != null) {
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    req.method() == HttpMethod.HEAD ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(answer, StandardCharsets.US_ASCII));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, answer.length());
        } else {
            res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER);
            res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
