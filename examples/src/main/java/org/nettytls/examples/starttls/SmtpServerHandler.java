package org.nettytls.examples.starttls;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsCompletionEvent;
import org.nettytls.starttls.StartTlsHandler;

/**
 * The SMTP of {@code smtp-server} (RFC 5321 with RFC 3207): EHLO advertises STARTTLS until TLS
 * is on and AUTH PLAIN only after; MAIL, RCPT, DATA, RSET, NOOP, QUIT. Every state learnt before
 * STARTTLS is forgotten after it. A delivered mail goes to {@code sink} as its raw text with
 * its envelope in front. Sits behind a {@link StartTlsHandler} and a line decoder.
 */
public final class SmtpServerHandler extends ChannelInboundHandlerAdapter {
    private final StartTlsHandler starttls;
    private final SniLookup tls;
    private final Consumer<String> sink;
    private boolean helo;
    private boolean authenticated;
    private String from;
    private final List<String> to = new ArrayList<>();
    private StringBuilder data;

    public SmtpServerHandler(StartTlsHandler starttls, SniLookup tls, Consumer<String> sink) {
        this.starttls = starttls;
        this.tls = tls;
        this.sink = sink;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        reply(ctx, "220 localhost ESMTP netty-tls");
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == StartTlsCompletionEvent.SUCCESS) {
            // RFC 3207 section 4.2: the client must start over, and we forget everything.
            helo = false;
            authenticated = false;
            from = null;
            to.clear();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String line = ServerRunner.line(msg);
        if (data != null) {
            data(ctx, line);
            return;
        }
        String upper = line.toUpperCase(Locale.ROOT);
        String verb = upper.split(" ", 2)[0];
        switch (verb) {
            case "EHLO":
                helo = true;
                reply(ctx, "250-localhost\r\n250-8BITMIME\r\n" + (starttls.isTls() ? "250 AUTH PLAIN" : "250 STARTTLS"));
                break;
            case "HELO":
                helo = true;
                reply(ctx, "250 localhost");
                break;
            case "STARTTLS":
                if (starttls.isTls()) {
                    reply(ctx, "503 5.5.1 TLS already active");
                } else {
                    starttls.startServer(tls, SniSelectorOptions.DEFAULTS, Unpooled.copiedBuffer("220 2.0.0 Ready to start TLS\r\n", StandardCharsets.US_ASCII));
                }
                break;
            case "AUTH":
                if (!starttls.isTls()) {
                    reply(ctx, "530 5.7.0 Must issue a STARTTLS command first");
                } else {
                    authenticated = true;
                    reply(ctx, "235 2.7.0 Authentication successful");
                }
                break;
            case "MAIL":
                if (!helo) {
                    reply(ctx, "503 5.5.1 EHLO first");
                } else {
                    from = line.substring(Math.min(line.length(), 10)).trim();
                    to.clear();
                    reply(ctx, "250 2.1.0 OK");
                }
                break;
            case "RCPT":
                if (from == null) {
                    reply(ctx, "503 5.5.1 MAIL first");
                } else {
                    to.add(line.substring(Math.min(line.length(), 8)).trim());
                    reply(ctx, "250 2.1.5 OK");
                }
                break;
            case "DATA":
                if (to.isEmpty()) {
                    reply(ctx, "503 5.5.1 RCPT first");
                } else {
                    data = new StringBuilder();
                    reply(ctx, "354 End data with <CR><LF>.<CR><LF>");
                }
                break;
            case "RSET":
                from = null;
                to.clear();
                reply(ctx, "250 2.0.0 OK");
                break;
            case "NOOP":
                reply(ctx, "250 2.0.0 OK");
                break;
            case "QUIT":
                ctx.writeAndFlush(Unpooled.copiedBuffer("221 2.0.0 Bye\r\n", StandardCharsets.US_ASCII))
                        .addListener(f -> ctx.close());
                break;
            default:
                reply(ctx, "500 5.5.2 Command not recognised");
                break;
        }
    }

    private void data(ChannelHandlerContext ctx, String line) {
        if (line.equals(".")) {
            String mail = "X-Envelope-From: " + from + "\r\nX-Envelope-To: " + String.join(", ", to)
                    + "\r\nX-TLS: " + starttls.isTls() + (authenticated ? " (authenticated)" : "") + "\r\n" + data;
            data = null;
            from = null;
            to.clear();
            sink.accept(mail);
            reply(ctx, "250 2.0.0 OK: queued");
            return;
        }
        data.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
    }

    private static void reply(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
