package org.nettytls.trap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * An {@link ErrorTrap} for HTTPS servers: a browser or {@code curl http://} that speaks plain HTTP
 * to the TLS port gets a readable HTTP answer instead of a dropped connection, either
 * {@code 400 Bad Request} saying to use https, or a {@code 301} redirect to a base URL with the
 * request's path appended, percent-encoded where it holds anything but RFC 3986 path and query
 * characters (no CR, LF, ESC or NUL from the client reaches the header). Other handshake
 * failures close the channel.
 *
 * <pre>{@code
 * TlsServerOptions.builder().errorTrap(PlainHttpAnswer.redirectTo("https://example.org:8443"))...
 * }</pre>
 */
public final class PlainHttpAnswer implements ErrorTrap {
    /** How much of the request is read for its request line before answering anyway. */
    static final int MAX_REQUEST_HEAD = 8192;
    private final String redirectBase;

    private PlainHttpAnswer(String redirectBase) {
        this.redirectBase = redirectBase;
    }

    /** {@return a trap that answers {@code 400 Bad Request} with a line saying the port speaks TLS} */
    public static PlainHttpAnswer badRequest() {
        return new PlainHttpAnswer(null);
    }

    /**
     * Answers {@code 301} to {@code base} (e.g. {@code https://example.org:8443}) plus the request's path.
     *
     * @param base the scheme, host and port to redirect to
     * @return the trap
     */
    public static PlainHttpAnswer redirectTo(String base) {
        URI uri = URI.create(Objects.requireNonNull(base, "base"));
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("a redirect goes to an https URL, not '" + base + "'");
        }
        return new PlainHttpAnswer(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    }

    @Override
    public void trapped(Channel channel, TlsException error) {
        if (error.code() != TlsErrorCode.PLAINTEXT_ON_TLS_PORT) {
            channel.close();
            return;
        }
        channel.pipeline().addFirst("plain-http-answer", new Answer());
    }

    /**
     * The request's path and query as they may go into {@code Location}: every byte outside
     * RFC 3986's path and query characters (CR, LF, ESC, NUL, space, quotes, non-ASCII, ...) and
     * every {@code %} that starts no escape is percent-encoded, so nothing the client sent can end
     * the header line or reach a terminal as a control sequence (response splitting).
     */
    static String pathAndQuery(String requestTarget) {
        StringBuilder sb = new StringBuilder(requestTarget.length());
        for (int i = 0; i < requestTarget.length(); i++) {
            char c = requestTarget.charAt(i);
            boolean escape = c == '%' && isHex(requestTarget, i + 1) && isHex(requestTarget, i + 2);
            if (escape || c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0)) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return sb.toString();
    }

    private static boolean isHex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0 && s.charAt(i) < 0x80;
    }

    private final class Answer extends ChannelInboundHandlerAdapter {
        private final StringBuilder head = new StringBuilder();
        private boolean answered;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (answered || !(msg instanceof ByteBuf)) {
                    return;
                }
                ByteBuf in = (ByteBuf) msg;
                head.append(in.toString(StandardCharsets.ISO_8859_1));
                int eol = head.indexOf("\n");
                if (eol < 0 && head.length() < MAX_REQUEST_HEAD) {
                    return;
                }
                answered = true;
                answer(ctx, eol < 0 ? head.toString() : head.substring(0, eol).trim());
            } finally {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }

        private void answer(ChannelHandlerContext ctx, String requestLine) {
            String[] parts = requestLine.split(" ");
            String path = parts.length >= 2 && parts[1].startsWith("/") ? pathAndQuery(parts[1]) : "/";
            String response;
            if (redirectBase != null && parts.length >= 2) {
                String location = redirectBase + path;
                response = "HTTP/1.1 301 Moved Permanently\r\nLocation: " + location + "\r\n"
                        + body("This port speaks HTTPS: " + location + "\n");
            } else {
                response = "HTTP/1.1 400 Bad Request\r\n"
                        + body("This port speaks HTTPS, not plain HTTP: use https:// in the URL.\n");
            }
            ctx.writeAndFlush(Unpooled.copiedBuffer(response, StandardCharsets.ISO_8859_1))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        private String body(String text) {
            return "Content-Type: text/plain; charset=us-ascii\r\nContent-Length: " + text.length()
                    + "\r\nConnection: close\r\n\r\n" + text;
        }
    }
}
