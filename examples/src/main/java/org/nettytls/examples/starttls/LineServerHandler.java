package org.nettytls.examples.starttls;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsHandler;
import org.nettytls.starttls.StopTlsHandler;

/**
 * The line protocol of {@code line-server}: one reply line per command. {@code ECHO text} gives
 * {@code text}; {@code STARTTLS} gives {@code OK} in plaintext, then TLS; {@code STOPTLS} gives
 * {@code OK} over TLS, then plaintext after the close_notify exchange; anything else {@code ERR}.
 * Sits behind a {@link StartTlsHandler} and a line decoder.
 */
public final class LineServerHandler extends ChannelInboundHandlerAdapter {
    private final StartTlsHandler starttls;
    private final SniLookup tls;

    public LineServerHandler(StartTlsHandler starttls, SniLookup tls) {
        this.starttls = starttls;
        this.tls = tls;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String line = LineFrames.text(msg);
        if (line.startsWith("ECHO ")) {
            reply(ctx, line.substring(5));
        } else if (line.equals("STARTTLS") && !starttls.isTls()) {
            starttls.startServer(tls, SniSelectorOptions.DEFAULTS, Unpooled.copiedBuffer("OK\n", StandardCharsets.US_ASCII));
        } else if (line.equals("STOPTLS") && starttls.isTls()) {
            reply(ctx, "OK");
            starttls.stopTls(StopTlsHandler.Mode.WAIT, StopTlsHandler.DEFAULT_TIMEOUT);
        } else {
            reply(ctx, "ERR");
        }
    }

    private static void reply(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(text + "\n", StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
