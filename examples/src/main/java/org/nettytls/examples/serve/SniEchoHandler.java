package org.nettytls.examples.serve;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.Objects;
import java.util.function.Consumer;
import org.nettytls.TlsFailureEvent;
import org.nettytls.sni.SniCompletionEvent;

/**
 * What {@code serve --echo} (and the demo's SNI server) puts behind the {@code SniCertSelector}:
 * echoes every byte, reports each connection's SNI outcome as one line (the name asked for and
 * the certificate sent, or why it failed), and closes a connection whose handshake failed.
 */
public final class SniEchoHandler extends ChannelInboundHandlerAdapter {
    private final Consumer<String> log;
    private final boolean json;

    /** @param log takes one line per connection; called on the event loop, so it must not block */
    public SniEchoHandler(Consumer<String> log) {
        this(log, false);
    }

    /** @param json each line a JSON object ({@code serve --log-format json}) instead of text */
    public SniEchoHandler(Consumer<String> log, boolean json) {
        this.log = Objects.requireNonNull(log, "log");
        this.json = json;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SniCompletionEvent && json) {
            log.accept(json(ctx, (SniCompletionEvent) evt));
        } else if (evt instanceof SniCompletionEvent) {
            SniCompletionEvent e = (SniCompletionEvent) evt;
            String name = e.describeName();
            log.accept(e.isSuccess()
                    ? ctx.channel().remoteAddress() + " " + name + " -> " + e.certificate().getSubjectX500Principal().getName()
                            + " (" + e.certificate().getPublicKey().getAlgorithm() + ")"
                    : ctx.channel().remoteAddress() + " " + name + " failed: " + e.cause().getMessage()
                            + " [" + e.code().id() + "]");
        } else if (evt instanceof TlsFailureEvent) {
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** One connection as a JSON object: time, client, name asked for, and the certificate sent or the failure. */
    private static String json(ChannelHandlerContext ctx, SniCompletionEvent e) {
        StringBuilder sb = new StringBuilder("{\"time\":");
        string(sb, java.time.Instant.now().toString());
        sb.append(",\"client\":");
        string(sb, String.valueOf(ctx.channel().remoteAddress()));
        sb.append(",\"server_name\":");
        if (e.serverName() == null) {
            sb.append("null");
        } else {
            string(sb, e.serverName());
        }
        sb.append(",\"outcome\":").append(e.isSuccess() ? "\"success\"" : "\"failure\"");
        if (e.isSuccess()) {
            sb.append(",\"certificate\":");
            string(sb, e.certificate().getSubjectX500Principal().getName());
            sb.append(",\"key_type\":");
            string(sb, e.certificate().getPublicKey().getAlgorithm());
        } else {
            sb.append(",\"code\":");
            string(sb, e.code().id());
            sb.append(",\"message\":");
            string(sb, e.cause().getMessage());
        }
        return sb.append('}').toString();
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        sb.append('"');
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf) {
            ctx.writeAndFlush(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
