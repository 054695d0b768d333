package org.nettytls.examples.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.sni.SniLookup;
import org.nettytls.sni.SniSelectorOptions;
import org.nettytls.starttls.StartTlsCompletionEvent;
import org.nettytls.starttls.StartTlsHandler;

/**
 * The SMTP of {@code smtp-server} (RFC 5321 with RFC 3207 STARTTLS and RFC 1870 SIZE): EHLO
 * advertises STARTTLS until TLS is on and AUTH PLAIN only after; MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT. Every state learnt before STARTTLS is forgotten after it. Sits behind a
 * {@link StartTlsHandler} and a {@link #newLineDecoder() line decoder} that keeps line ends.
 *
 * <p>What a client sends is never trusted into a stored mail or into memory:
 * <ul>
 * <li>A mail is streamed to its {@link MailSpool} as it arrives, never held whole; past
 *     {@code maxSize} bytes (announced with {@code SIZE}) the rest is counted and dropped, and the
 *     mail refused with {@code 552} (RFC 1870): before TLS and authentication as after.
 * <li>A command line with a CR or LF anywhere but its final CRLF is refused with {@code 500}
 *     (RFC 5321 section 2.3.8), and so is a mail with a bare CR or LF; only CRLF.CRLF ends a mail
 *     (no SMTP smuggling), and a mail line over {@link #MAX_LINE} ends the mail and the connection
 *     (the decoder drops it without saying how it ended). Addresses must be printable, and the envelope header lines the server
 *     writes in front of a mail are escaped besides, so no client can forge a header there.
 * </ul>
 * Please note: {@code 250} goes out when the mail is handed to the spool's writer, not when it is
 * on disk; a real MTA answers after it has made the mail durable.
 */
public final class SmtpServerHandler extends ChannelInboundHandlerAdapter {
    /** The size limit when none is given: RFC 1870's SIZE, advertised in EHLO. */
    public static final long DEFAULT_MAX_SIZE = 10L * 1024 * 1024;
    /** The longest line taken, its CRLF included (RFC 5321 section 4.5.3.1.6 asks for 1000 in mail). */
    public static final int MAX_LINE = 8192;

    private static final Pattern PATH = Pattern.compile("^(FROM|TO): ?<([^<>]*)>(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern ADDRESS = Pattern.compile("^[\\x21-\\x7e&&[^<>\\\\]]{0,254}$");

    private final StartTlsHandler starttls;
    private final SniLookup tls;
    private final MailSpool spool;
    private final long maxSize;
    private boolean helo;
    private boolean authenticated;
    private String from;
    private final List<String> to = new ArrayList<>();
    private MailSpool.Mail mail;
    private long size;
    private boolean tooBig;
    private boolean bareLineEnd;
    /** Set when a mail ended the connection: nothing read after it counts. */
    private boolean ending;
    private boolean afterCrlf;

    public SmtpServerHandler(StartTlsHandler starttls, SniLookup tls, MailSpool spool, long maxSize) {
        if (maxSize <= 0) {
            throw new IllegalArgumentException("maxSize: " + maxSize + " (expected > 0)");
        }
        this.starttls = starttls;
        this.tls = tls;
        this.spool = spool;
        this.maxSize = maxSize;
    }

    /** The line decoder to put in front of this handler: lines up to {@link #MAX_LINE} bytes, line ends kept. */
    public static LineBasedFrameDecoder newLineDecoder() {
        return new LineBasedFrameDecoder(MAX_LINE, false, true);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        reply(ctx, "220 localhost ESMTP netty-tls");
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (mail != null) {
            mail.abort();
            mail = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == StartTlsCompletionEvent.SUCCESS) {
            // RFC 3207 section 4.2: the client must start over, and we forget everything.
            helo = false;
            authenticated = false;
            resetTransaction();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf line = (ByteBuf) msg;
        if (ending) {
            // The lines already read behind the one that ended the connection are neither mail nor commands.
            line.release();
            return;
        }
        if (mail != null) {
            data(ctx, line);
            return;
        }
        String text;
        try {
            if (!onlyFinalCrlf(line)) {
                reply(ctx, "500 5.5.2 A command line may hold CR and LF only as its final CRLF (RFC 5321 section 2.3.8)");
                return;
            }
            text = line.toString(line.readerIndex(), line.readableBytes() - 2, StandardCharsets.UTF_8);
        } finally {
            line.release();
        }
        command(ctx, text);
    }

    /** Whether the line's only CR and LF are its final CRLF. */
    private static boolean onlyFinalCrlf(ByteBuf line) {
        int end = line.writerIndex();
        if (line.readableBytes() < 2 || line.getByte(end - 2) != '\r' || line.getByte(end - 1) != '\n') {
            return false;
        }
        return line.indexOf(line.readerIndex(), end - 2, (byte) '\r') < 0 && line.indexOf(line.readerIndex(), end - 2, (byte) '\n') < 0;
    }

    private void command(ChannelHandlerContext ctx, String line) {
        String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        String arg = line.length() > verb.length() ? line.substring(verb.length()).trim() : "";
        switch (verb) {
            case "EHLO":
                helo = true;
                resetTransaction();
                reply(ctx, "250-localhost\r\n250-8BITMIME\r\n250-SIZE " + maxSize + "\r\n"
                        + (starttls.isTls() ? "250 AUTH PLAIN" : "250 STARTTLS"));
                break;
            case "HELO":
                helo = true;
                resetTransaction();
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
                mail(ctx, arg);
                break;
            case "RCPT":
                rcpt(ctx, arg);
                break;
            case "DATA":
                if (to.isEmpty()) {
                    reply(ctx, "503 5.5.1 RCPT first");
                } else {
                    mail = spool.open(ctx.channel(), envelope());
                    size = 0;
                    tooBig = false;
                    bareLineEnd = false;
                    afterCrlf = true;
                    reply(ctx, "354 End data with <CR><LF>.<CR><LF>");
                }
                break;
            case "RSET":
                resetTransaction();
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

    private void mail(ChannelHandlerContext ctx, String arg) {
        if (!helo) {
            reply(ctx, "503 5.5.1 EHLO first");
            return;
        }
        Matcher m = PATH.matcher(arg);
        if (!m.matches() || !m.group(1).equalsIgnoreCase("FROM") || !ADDRESS.matcher(m.group(2)).matches()) {
            reply(ctx, "501 5.1.7 Expected MAIL FROM:<address> with a printable address");
            return;
        }
        for (String param : m.group(3).trim().split(" +")) {
            String upper = param.toUpperCase(Locale.ROOT);
            if (upper.isEmpty() || upper.equals("BODY=7BIT") || upper.equals("BODY=8BITMIME")) {
                continue;
            }
            if (upper.startsWith("SIZE=") && upper.substring(5).matches("[0-9]{1,18}")) {
                // RFC 1870 section 6.2: a declared size over the limit is refused before any data.
                if (Long.parseLong(upper.substring(5)) > maxSize) {
                    reply(ctx, "552 5.3.4 Message size exceeds fixed maximum message size (" + maxSize + " bytes)");
                    return;
                }
                continue;
            }
            reply(ctx, "555 5.5.4 MAIL parameter not recognised: " + printable(param));
            return;
        }
        from = m.group(2);
        to.clear();
        reply(ctx, "250 2.1.0 OK");
    }

    private void rcpt(ChannelHandlerContext ctx, String arg) {
        if (from == null) {
            reply(ctx, "503 5.5.1 MAIL first");
            return;
        }
        Matcher m = PATH.matcher(arg);
        if (!m.matches() || !m.group(1).equalsIgnoreCase("TO") || m.group(2).isEmpty() || !ADDRESS.matcher(m.group(2)).matches()
                || !m.group(3).isBlank()) {
            reply(ctx, "501 5.1.3 Expected RCPT TO:<address> with a printable address");
            return;
        }
        if (to.size() >= 100) {
            reply(ctx, "452 4.5.3 Too many recipients");
            return;
        }
        to.add(m.group(2));
        reply(ctx, "250 2.1.5 OK");
    }

    /** The header lines the server writes in front of a mail: every value escaped, one line each. */
    private String envelope() {
        List<String> recipients = new ArrayList<>();
        for (String r : to) {
            recipients.add(printable(r));
        }
        return "X-Envelope-From: <" + printable(from) + ">\r\nX-Envelope-To: <" + String.join(">, <", recipients)
                + ">\r\nX-TLS: " + starttls.isTls() + (authenticated ? " (authenticated)" : "") + "\r\n";
    }

    /** Printable ASCII as it is; every other character as {@code \xNN} or {@code \\uNNNN}. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private void data(ChannelHandlerContext ctx, ByteBuf line) {
        int n = line.readableBytes();
        boolean crlf = n >= 2 && line.getByte(line.writerIndex() - 2) == '\r' && line.getByte(line.writerIndex() - 1) == '\n';
        if (afterCrlf && crlf && n == 3 && line.getByte(line.readerIndex()) == '.') {
            line.release();
            endOfData(ctx);
            return;
        }
        afterCrlf = crlf;
        if (!onlyFinalCrlf(line)) {
            bareLineEnd = true;
        }
        size += n;
        if (size > maxSize) {
            tooBig = true;
        }
        if (tooBig || bareLineEnd) {
            line.release();
            return;
        }
        if (line.getByte(line.readerIndex()) == '.') {
            // RFC 5321 section 4.5.2: a leading dot was doubled by the client.
            line.skipBytes(1);
        }
        mail.write(line);
    }

    private void endOfData(ChannelHandlerContext ctx) {
        MailSpool.Mail done = mail;
        mail = null;
        if (tooBig) {
            done.abort();
            reply(ctx, "552 5.3.4 Message size exceeds fixed maximum message size (" + maxSize + " bytes)");
        } else if (bareLineEnd) {
            done.abort();
            reply(ctx, "550 5.6.0 A mail may hold CR and LF only as CRLF (RFC 5321 section 2.3.8)");
        } else {
            done.commit();
            reply(ctx, "250 2.0.0 OK: queued");
        }
        resetTransaction();
    }

    private void resetTransaction() {
        from = null;
        to.clear();
    }

    private static void reply(ChannelHandlerContext ctx, String text) {
        ctx.writeAndFlush(Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            // The decoder dropped a line longer than MAX_LINE, up to its LF, and does not say
            // whether a CR came before that LF: inside a mail, the next line cannot be known to
            // follow a CRLF, and taking "LF . CRLF" for the end of the mail would let what follows
            // run as commands (SMTP smuggling). So the mail and the connection end here.
            if (mail != null) {
                mail.abort();
                mail = null;
                resetTransaction();
                ending = true;
                ctx.writeAndFlush(Unpooled.copiedBuffer("500 5.5.6 Line too long in a mail (at most " + MAX_LINE
                        + " bytes): closing\r\n", StandardCharsets.US_ASCII)).addListener(f -> ctx.close());
            } else {
                reply(ctx, "500 5.5.2 Line too long (at most " + MAX_LINE + " bytes)");
            }
            return;
        }
        ctx.close();
    }
}
