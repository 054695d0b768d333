package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@link ServerDialog}s of the {@link StartTlsProtocol}s. Each follows the client's frames
 * and the application's answers just far enough to know where a command starts and whether every
 * command before the upgrade command has its final answer:
 * <ul>
 * <li>SMTP/LMTP (RFC 5321, RFC 2033): one final reply per command line (the last line of a
 *     multi-line reply), the greeting first; after {@code 354} everything up to the lone dot is
 *     mail; after {@code 334} the next line is a SASL response; LMTP answers the dot once per
 *     accepted recipient; {@code BDAT} chunks are not followed (the dialog is lost).
 * <li>POP3 (RFC 1939, 2449, 5034): {@code +OK}/{@code -ERR}, multi-line answers to CAPA, RETR,
 *     TOP and argument-less LIST and UIDL up to the lone dot, {@code +} challenges to AUTH.
 * <li>IMAP (RFC 9051): tags, answered in any order; literals in both directions
 *     ({@code {n}} waits for the server's {@code +}, {@code {n+}} does not); AUTHENTICATE and IDLE
 *     continuations.
 * <li>FTP (RFC 959): one final reply per command, {@code 1yz} preliminary replies, multi-line
 *     replies.
 * <li>NNTP (RFC 3977): multi-line answers by code, the article after {@code 340}/{@code 335} up
 *     to the lone dot, SASL after {@code 383}.
 * <li>ManageSieve (RFC 5804): responses ending in OK, NO or BYE, literals in both directions,
 *     SASL challenges.
 * <li>XMPP (RFC 6120): XML depth, CDATA and quotes; {@code <starttls/>} counts only as a child of
 *     the stream, after the server's features, with no other stanza before it.
 * <li>LDAP (RFC 4511): message IDs of requests without their final response (counted, and an
 *     abandoned operation stays outstanding, since a server may answer it anyway), and a SASL bind
 *     in progress; a StartTLS request while any is outstanding is refused with operationsError, as
 *     RFC 4513 section 3.1.1 requires.
 * <li>PostgreSQL: SSLRequest only as the first message (or after a refused GSSENCRequest).
 * </ul>
 * Protocol lines are read as ISO-8859-1, which keeps every byte.
 */
final class ServerDialogs {
    private ServerDialogs() {
    }

    private static final Pattern LITERAL = Pattern.compile("~?\\{(\\d{1,10})(\\+)?\\}$");

    /** The size of a literal announced at the end of {@code line}, or -1. */
    private static long literalAt(String line) {
        Matcher m = LITERAL.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static boolean nonSyncLiteralAt(String line) {
        Matcher m = LITERAL.matcher(line);
        return m.find() && m.group(2) != null;
    }

    private static String firstWord(String line) {
        int sp = line.indexOf(' ');
        return (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
    }

    private static boolean hasArgument(String line) {
        int sp = line.indexOf(' ');
        return sp >= 0 && !line.substring(sp + 1).trim().isEmpty();
    }

    /**
     * The application's bytes as lines (LF-terminated, a CR before the LF dropped), with literals
     * skipped where the reader of a line asks for it. A line keeps its first {@value #HEAD} and last
     * {@value #TAIL} characters: enough to classify it and to see a literal at its end.
     */
    static final class Lines {
        static final int HEAD = 256;
        static final int TAIL = 32;

        interface Reader {
            /**
             * One line; {@code continuation} when it continues a line that ended in a literal.
             * Returns the length of a literal that follows it, or 0.
             */
            long line(String text, boolean continuation);
        }

        private final StringBuilder head = new StringBuilder();
        private final StringBuilder tail = new StringBuilder();
        private boolean truncated;
        private long skip;
        private boolean continuation;

        void feed(ByteBuf b, Reader reader) {
            int i = b.readerIndex();
            int end = b.writerIndex();
            while (i < end) {
                if (skip > 0) {
                    int n = (int) Math.min(skip, end - i);
                    skip -= n;
                    i += n;
                    continue;
                }
                char c = (char) (b.getByte(i++) & 0xff);
                if (c != '\n') {
                    append(c);
                    continue;
                }
                String text = text();
                head.setLength(0);
                tail.setLength(0);
                truncated = false;
                long literal = reader.line(text, continuation);
                continuation = literal > 0;
                skip = Math.max(0, literal);
            }
        }

        private void append(char c) {
            if (head.length() < HEAD) {
                head.append(c);
                return;
            }
            truncated = true;
            tail.append(c);
            if (tail.length() > TAIL) {
                tail.deleteCharAt(0);
            }
        }

        private String text() {
            String t = truncated ? head + "\u2026" + tail : head.toString();
            return t.endsWith("\r") ? t.substring(0, t.length() - 1) : t;
        }
    }

    /**
     * A protocol of lines: hands the subclass the client's frames (one line each, or a part of a
     * line longer than the frame limit) as text, with the bytes of a literal the client announced
     * taken out, and the application's bytes as {@link Lines}.
     */
    abstract static class LineDialog extends ServerDialog {
        private long clientSkip;
        private boolean clientMidLine;
        private final Lines serverLines = new Lines();

        @Override
        final Kind client(ByteBuf frame) {
            int r = frame.readerIndex();
            int end = frame.writerIndex();
            boolean continuation = clientMidLine;
            if (clientSkip > 0) {
                int n = (int) Math.min(clientSkip, end - r);
                clientSkip -= n;
                r += n;
                continuation = true;
                if (r == end) {
                    clientMidLine = true;
                    return Kind.PASS;
                }
            }
            String raw = frame.toString(r, end - r, StandardCharsets.ISO_8859_1);
            clientMidLine = !raw.endsWith("\n");
            return clientLine(raw, continuation);
        }

        @Override
        final void server(ByteBuf bytes) {
            serverLines.feed(bytes, (text, continuation) -> lost() != null ? 0 : serverLine(text, continuation));
        }

        /** The next {@code n} bytes from the client are a literal, then its line goes on. */
        final void clientLiteral(long n) {
            clientSkip = n;
            clientMidLine = true;
        }

        /**
         * A client frame as text, with its line end; {@code continuation} when it does not start a
         * line (it continues one after a literal, or one longer than a frame).
         */
        abstract Kind clientLine(String raw, boolean continuation);

        /** A line of the application's; returns the length of a literal that follows it, or 0. */
        abstract long serverLine(String text, boolean continuation);

        static String strip(String raw) {
            return StartTlsProtocol.stripEol(raw);
        }

        static boolean complete(String raw) {
            return raw.endsWith("\n");
        }
    }

    /** What an in-order protocol still owes: one entry per command, oldest first. */
    static final class Owed {
        final String what;
        int replies;

        Owed(String what, int replies) {
            this.what = what;
            this.replies = replies;
        }
    }

    private static final Pattern SMTP_REPLY = Pattern.compile("^(\\d{3})([ -]|$)");

    /** SMTP and LMTP. */
    static final class Smtp extends LineDialog {
        private final boolean lmtp;
        private final ArrayDeque<Owed> owed = new ArrayDeque<>();
        private boolean data;
        private boolean afterCrlf;
        private boolean saslNext;
        private int recipients;

        Smtp(boolean lmtp, boolean greeting) {
            this.lmtp = lmtp;
            if (greeting) {
                owed.add(new Owed("greeting", 1));
            }
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            if (data) {
                if (!continuation && afterCrlf && raw.equals(".\r\n")) {
                    data = false;
                    owed.add(new Owed(".", lmtp ? Math.max(1, recipients) : 1));
                    recipients = 0;
                }
                afterCrlf = raw.endsWith("\r\n");
                return Kind.PASS;
            }
            if (continuation) {
                return Kind.PASS;
            }
            String line = strip(raw);
            if (saslNext) {
                saslNext = false;
                owed.add(new Owed("AUTH", 1));
                return Kind.PASS;
            }
            if (complete(raw) && line.equalsIgnoreCase("STARTTLS")) {
                return Kind.UPGRADE;
            }
            String verb = firstWord(line);
            switch (verb) {
                case "BDAT":
                    lose("BDAT chunks (RFC 3030), whose ends this helper does not follow");
                    return Kind.PASS;
                case "MAIL":
                case "RSET":
                case "HELO":
                case "EHLO":
                case "LHLO":
                    recipients = 0;
                    break;
                default:
                    break;
            }
            owed.add(new Owed(verb, 1));
            return Kind.PASS;
        }

        @Override
        boolean awaitingReply() {
            Owed last = owed.peekLast();
            return last != null && (last.what.equals("DATA") || last.what.equals("AUTH"));
        }

        @Override
        long serverLine(String text, boolean continuation) {
            Matcher m = SMTP_REPLY.matcher(text);
            if (!m.find()) {
                lose("expected an SMTP reply line, found " + ClientDialog.quoted(text));
                return 0;
            }
            if (m.group(2).equals("-")) {
                return 0;
            }
            int code = Integer.parseInt(m.group(1));
            Owed head = owed.peek();
            if (head == null) {
                lose("an SMTP reply to no command: " + ClientDialog.quoted(text));
                return 0;
            }
            switch (head.what) {
                case "DATA":
                    if (code == 354) {
                        data = true;
                        afterCrlf = true;
                    }
                    break;
                case "AUTH":
                    saslNext = code == 334;
                    break;
                case "RCPT":
                    if (code / 100 == 2) {
                        recipients++;
                    }
                    break;
                default:
                    break;
            }
            if (--head.replies == 0) {
                owed.poll();
            }
            return 0;
        }

        @Override
        boolean settled() {
            return owed.isEmpty();
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "220 2.0.0 Ready to start TLS\r\n");
        }
    }

    /** POP3. */
    static final class Pop3 extends LineDialog {
        private final ArrayDeque<Owed> owed = new ArrayDeque<>();
        private boolean inMultiLine;
        private boolean saslNext;

        Pop3(boolean greeting) {
            if (greeting) {
                owed.add(new Owed("greeting", 1));
            }
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            if (continuation) {
                return Kind.PASS;
            }
            String line = strip(raw);
            if (saslNext) {
                saslNext = false;
                owed.add(new Owed("AUTH", 1));
                return Kind.PASS;
            }
            if (complete(raw) && line.equalsIgnoreCase("STLS")) {
                return Kind.UPGRADE;
            }
            String verb = firstWord(line);
            boolean args = hasArgument(line);
            String kind;
            switch (verb) {
                case "CAPA":
                case "RETR":
                case "TOP":
                    kind = "multi";
                    break;
                case "LIST":
                case "UIDL":
                    kind = args ? "single" : "multi";
                    break;
                case "AUTH":
                    kind = args ? "AUTH" : "multi";
                    break;
                case "PASS":
                case "APOP":
                    kind = "login";
                    break;
                default:
                    kind = "single";
                    break;
            }
            owed.add(new Owed(kind, 1));
            return Kind.PASS;
        }

        @Override
        boolean awaitingReply() {
            Owed last = owed.peekLast();
            return last != null && last.what.equals("AUTH");
        }

        @Override
        long serverLine(String text, boolean continuation) {
            if (inMultiLine) {
                if (text.equals(".")) {
                    inMultiLine = false;
                    owed.poll();
                }
                return 0;
            }
            Owed head = owed.peek();
            if (head == null) {
                lose("a POP3 answer to no command: " + ClientDialog.quoted(text));
                return 0;
            }
            if (text.startsWith("+OK")) {
                if (head.what.equals("login") || head.what.equals("AUTH")) {
                    lose("a successful login: STLS is valid only in the AUTHORIZATION state (RFC 2595 section 4)");
                }
                if (head.what.equals("multi")) {
                    inMultiLine = true;
                } else {
                    owed.poll();
                }
            } else if (text.startsWith("-ERR")) {
                owed.poll();
            } else if ((text.equals("+") || text.startsWith("+ ")) && head.what.equals("AUTH")) {
                saslNext = true;
                owed.poll();
            } else {
                lose("expected a POP3 status line, found " + ClientDialog.quoted(text));
            }
            return 0;
        }

        @Override
        boolean settled() {
            return owed.isEmpty() && !inMultiLine;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "+OK Begin TLS negotiation\r\n");
        }
    }

    /** FTP's control connection. */
    static final class Ftp extends LineDialog {
        private int owed;
        private String multiLine;

        Ftp(boolean greeting) {
            owed = greeting ? 1 : 0;
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            if (continuation) {
                return Kind.PASS;
            }
            String upper = strip(raw).trim().toUpperCase(Locale.ROOT);
            if (complete(raw) && (upper.equals("AUTH TLS") || upper.equals("AUTH TLS-C") || upper.equals("AUTH SSL"))) {
                return Kind.UPGRADE;
            }
            owed++;
            return Kind.PASS;
        }

        @Override
        long serverLine(String text, boolean continuation) {
            if (multiLine != null) {
                if (text.startsWith(multiLine + " ") || text.equals(multiLine)) {
                    reply(multiLine);
                    multiLine = null;
                }
                return 0;
            }
            Matcher m = SMTP_REPLY.matcher(text);
            if (!m.find()) {
                lose("expected an FTP reply line, found " + ClientDialog.quoted(text));
            } else if (m.group(2).equals("-")) {
                multiLine = m.group(1);
            } else {
                reply(m.group(1));
            }
            return 0;
        }

        private void reply(String code) {
            // 1yz replies are preliminary: the command's final reply is still to come.
            if (code.charAt(0) != '1' && --owed < 0) {
                lose("an FTP reply to no command: " + code);
            }
        }

        @Override
        boolean settled() {
            return owed == 0 && multiLine == null;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "234 AUTH TLS successful\r\n");
        }
    }

    /** NNTP. */
    static final class Nntp extends LineDialog {
        /** Codes whose answer is multi-line whatever the command (RFC 3977 sections 3.2 and 7-8, RFC 2980). */
        private static final Set<Integer> MULTI_LINE = Set.of(100, 101, 215, 220, 221, 222, 224, 225, 230, 231, 282);
        private final ArrayDeque<Owed> owed = new ArrayDeque<>();
        private boolean inMultiLine;
        private boolean article;
        private boolean afterCrlf;
        private boolean saslNext;

        Nntp(boolean greeting) {
            if (greeting) {
                owed.add(new Owed("greeting", 1));
            }
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            if (article) {
                if (!continuation && afterCrlf && raw.equals(".\r\n")) {
                    article = false;
                    owed.add(new Owed(".", 1));
                }
                afterCrlf = raw.endsWith("\r\n");
                return Kind.PASS;
            }
            if (continuation) {
                return Kind.PASS;
            }
            String line = strip(raw);
            if (saslNext) {
                saslNext = false;
                owed.add(new Owed("AUTHINFO SASL", 1));
                return Kind.PASS;
            }
            if (complete(raw) && line.equalsIgnoreCase("STARTTLS")) {
                return Kind.UPGRADE;
            }
            String verb = firstWord(line);
            if (verb.equals("AUTHINFO") && line.toUpperCase(Locale.ROOT).startsWith("AUTHINFO SASL")) {
                verb = "AUTHINFO SASL";
            }
            owed.add(new Owed(verb, 1));
            return Kind.PASS;
        }

        @Override
        boolean awaitingReply() {
            Owed last = owed.peekLast();
            return last != null && (last.what.equals("POST") || last.what.equals("IHAVE") || last.what.equals("AUTHINFO SASL"));
        }

        @Override
        long serverLine(String text, boolean continuation) {
            if (inMultiLine) {
                if (text.equals(".")) {
                    inMultiLine = false;
                    owed.poll();
                }
                return 0;
            }
            Matcher m = SMTP_REPLY.matcher(text);
            Owed head = owed.peek();
            if (!m.find() || m.group(2).equals("-")) {
                lose("expected an NNTP status line, found " + ClientDialog.quoted(text));
                return 0;
            }
            if (head == null) {
                lose("an NNTP answer to no command: " + ClientDialog.quoted(text));
                return 0;
            }
            int code = Integer.parseInt(m.group(1));
            if (code == 281 || code == 283) {
                lose("a successful AUTHINFO: STARTTLS is valid only before authentication (RFC 4642 section 2.2.2)");
            }
            if ((head.what.equals("POST") && code == 340) || (head.what.equals("IHAVE") && code == 335)) {
                article = true;
                afterCrlf = true;
                owed.poll();
            } else if (head.what.equals("AUTHINFO SASL") && code == 383) {
                saslNext = true;
                owed.poll();
            } else if (MULTI_LINE.contains(code) || (code == 211 && head.what.equals("LISTGROUP"))) {
                inMultiLine = true;
            } else {
                owed.poll();
            }
            return 0;
        }

        @Override
        boolean settled() {
            return owed.isEmpty() && !inMultiLine;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "382 Continue with TLS negotiation\r\n");
        }
    }

    /** IMAP. */
    static final class Imap extends LineDialog {
        private final Map<String, Integer> tags = new HashMap<>();
        private final Set<String> loginTags = new HashSet<>();
        private boolean greetingOwed;
        private String command;
        private String authTag;
        private String idleTag;
        private boolean responding;
        private String syncTag;
        private long syncSize;
        private String upgradeTag;

        Imap(boolean greeting) {
            greetingOwed = greeting;
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            String line = strip(raw);
            if (continuation) {
                // The same command goes on after a literal (or a line longer than a frame).
                literal(line, command);
                return Kind.PASS;
            }
            if (responding) {
                // A SASL response, or IDLE's DONE: no command.
                return Kind.PASS;
            }
            int sp = line.indexOf(' ');
            if (sp <= 0) {
                lose("an IMAP command without a tag: " + ClientDialog.quoted(line));
                return Kind.PASS;
            }
            String tag = line.substring(0, sp);
            String rest = line.substring(sp + 1);
            if (complete(raw) && rest.equalsIgnoreCase("STARTTLS")) {
                upgradeTag = tag;
                return Kind.UPGRADE;
            }
            tags.merge(tag, 1, Integer::sum);
            command = tag;
            String name = firstWord(rest);
            if (name.equals("AUTHENTICATE")) {
                authTag = tag;
            } else if (name.equals("LOGIN")) {
                loginTags.add(tag);
            } else if (name.equals("IDLE")) {
                idleTag = tag;
            }
            literal(line, tag);
            return Kind.PASS;
        }

        private void literal(String line, String tag) {
            long n = literalAt(line);
            if (n < 0) {
                return;
            }
            if (nonSyncLiteralAt(line)) {
                clientLiteral(n);
            } else {
                // A synchronizing literal follows only the server's "+": until then nothing is known.
                syncTag = tag;
                syncSize = n;
            }
        }

        @Override
        boolean awaitingReply() {
            return syncTag != null || ((authTag != null || idleTag != null) && !responding);
        }

        @Override
        long serverLine(String text, boolean continuation) {
            if (continuation || text.startsWith("* ") || text.equals("*")) {
                if (greetingOwed && !continuation && firstWord(text.substring(1).trim()).equals("PREAUTH")) {
                    lose("a PREAUTH greeting: STARTTLS is valid only before authentication (RFC 9051 section 6.2.1)");
                }
                greetingOwed = false;
                return Math.max(0, literalAt(text));
            }
            if (text.startsWith("+")) {
                if (syncTag != null) {
                    syncTag = null;
                    clientLiteral(syncSize);
                } else if (authTag != null || idleTag != null) {
                    responding = true;
                } else {
                    lose("an IMAP continuation request nobody waits for: " + ClientDialog.quoted(text));
                }
                return 0;
            }
            int sp = text.indexOf(' ');
            String tag = sp > 0 ? text.substring(0, sp) : text;
            String status = sp > 0 ? firstWord(text.substring(sp + 1)) : "";
            Integer n = tags.get(tag);
            if (n == null || !(status.equals("OK") || status.equals("NO") || status.equals("BAD"))) {
                lose("an IMAP answer to no command: " + ClientDialog.quoted(text));
                return 0;
            }
            if (n == 1) {
                tags.remove(tag);
            } else {
                tags.put(tag, n - 1);
            }
            if (status.equals("OK") && (tag.equals(authTag) || loginTags.contains(tag))) {
                lose("a successful LOGIN or AUTHENTICATE: STARTTLS is valid only before (RFC 9051 section 6.2.1)");
            }
            loginTags.remove(tag);
            if (tag.equals(authTag)) {
                authTag = null;
                responding = false;
            }
            if (tag.equals(idleTag)) {
                idleTag = null;
                responding = false;
            }
            if (tag.equals(syncTag)) {
                // The literal was refused: the client does not send it.
                syncTag = null;
            }
            return Math.max(0, literalAt(text));
        }

        @Override
        boolean settled() {
            return !greetingOwed && tags.isEmpty();
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, upgradeTag + " OK Begin TLS negotiation now\r\n");
        }
    }

    /** ManageSieve. */
    static final class Sieve extends LineDialog {
        private int owed;
        private boolean authenticating;
        private boolean challenged;

        Sieve(boolean greeting) {
            owed = greeting ? 1 : 0;
        }

        @Override
        Kind clientLine(String raw, boolean continuation) {
            String line = strip(raw);
            if (!continuation && authenticating) {
                // The answer to a challenge.
                challenged = false;
                literal(line);
                return Kind.PASS;
            }
            if (continuation) {
                literal(line);
                return Kind.PASS;
            }
            if (complete(raw) && line.equalsIgnoreCase("STARTTLS")) {
                return Kind.UPGRADE;
            }
            owed++;
            if (firstWord(line).equals("AUTHENTICATE")) {
                authenticating = true;
                challenged = false;
            }
            literal(line);
            return Kind.PASS;
        }

        private void literal(String line) {
            long n = literalAt(line);
            if (n < 0) {
                return;
            }
            if (nonSyncLiteralAt(line)) {
                clientLiteral(n);
            } else {
                lose("a synchronizing literal from the client, which RFC 5804 does not have");
            }
        }

        @Override
        boolean awaitingReply() {
            return authenticating && !challenged;
        }

        @Override
        long serverLine(String text, boolean continuation) {
            if (!continuation && isFinal(text)) {
                if (authenticating && text.toUpperCase(Locale.ROOT).startsWith("OK")) {
                    lose("a successful AUTHENTICATE: STARTTLS is valid only before (RFC 5804 section 2.2)");
                }
                if (--owed < 0) {
                    lose("a ManageSieve response to no command: " + ClientDialog.quoted(text));
                }
                authenticating = false;
                challenged = false;
            } else if (!continuation && authenticating) {
                challenged = true;
            }
            return Math.max(0, literalAt(text));
        }

        private static boolean isFinal(String text) {
            String u = text.toUpperCase(Locale.ROOT);
            for (String word : new String[] {"OK", "NO", "BYE"}) {
                if (u.startsWith(word) && (u.length() == word.length() || " (".indexOf(u.charAt(word.length())) >= 0)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        boolean settled() {
            return owed == 0;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "OK \"Begin TLS negotiation now\"\r\n");
        }
    }

    /**
     * Where an XML stream is: element depth, and whether inside a tag, a quoted attribute value,
     * CDATA, a comment or a processing instruction. Reports the elements that open and close
     * at the stream's top levels.
     */
    static final class Xml {
        interface Events {
            /** A start tag at {@code depth} (0 for the stream header) ended; {@code empty} for {@code <x/>}. */
            void start(String name, int depth, boolean empty);

            /** An end tag closed an element at {@code depth}. */
            void end(String name, int depth);

            /** A comment, processing instruction or DTD where XMPP forbids one (RFC 6120 section 11.1). */
            void restricted(String what);
        }

        private enum State { TEXT, OPEN, START_NAME, IN_TAG, QUOTE, END_NAME, BANG, COMMENT, CDATA, PI, DOCTYPE }

        private State state = State.TEXT;
        private int depth;
        private final StringBuilder name = new StringBuilder();
        private final StringBuilder bang = new StringBuilder();
        private char quote;
        private boolean slash;
        private int run;
        private boolean started;

        void feed(char c, Events events) {
            switch (state) {
                case TEXT:
                    if (c == '<') {
                        state = State.OPEN;
                    }
                    break;
                case OPEN:
                    name.setLength(0);
                    if (c == '/') {
                        state = State.END_NAME;
                    } else if (c == '!') {
                        bang.setLength(0);
                        state = State.BANG;
                    } else if (c == '?') {
                        run = 0;
                        state = State.PI;
                        if (started || depth > 0) {
                            events.restricted("a processing instruction");
                        }
                    } else {
                        name.append(c);
                        slash = false;
                        state = State.START_NAME;
                    }
                    break;
                case START_NAME:
                    if (c == '>' || c == '/' || Character.isWhitespace(c)) {
                        state = State.IN_TAG;
                        inTag(c, events);
                    } else if (name.length() < 64) {
                        name.append(c);
                    }
                    break;
                case IN_TAG:
                    inTag(c, events);
                    break;
                case QUOTE:
                    if (c == quote) {
                        state = State.IN_TAG;
                    }
                    break;
                case END_NAME:
                    if (c == '>') {
                        depth = Math.max(0, depth - 1);
                        state = State.TEXT;
                        events.end(name.toString().trim(), depth);
                    } else if (name.length() < 64) {
                        name.append(c);
                    }
                    break;
                case BANG:
                    bang.append(c);
                    if (bang.toString().equals("--")) {
                        run = 0;
                        state = State.COMMENT;
                        events.restricted("a comment");
                    } else if (bang.toString().equals("[CDATA[")) {
                        run = 0;
                        state = State.CDATA;
                    } else if (bang.length() >= 7) {
                        state = State.DOCTYPE;
                        events.restricted("a document type declaration");
                    }
                    break;
                case COMMENT:
                    state = ends(c, '-', 2) ? State.TEXT : State.COMMENT;
                    break;
                case CDATA:
                    state = ends(c, ']', 2) ? State.TEXT : State.CDATA;
                    break;
                case PI:
                    state = ends(c, '?', 1) ? State.TEXT : State.PI;
                    break;
                case DOCTYPE:
                    if (c == '>') {
                        state = State.TEXT;
                    }
                    break;
                default:
                    break;
            }
        }

        /** Counts {@code mark}s in a row; true at a '>' after at least {@code needed} of them. */
        private boolean ends(char c, char mark, int needed) {
            if (c == '>' && run >= needed) {
                run = 0;
                return true;
            }
            run = c == mark ? run + 1 : 0;
            return false;
        }

        private void inTag(char c, Events events) {
            if (c == '\'' || c == '"') {
                quote = c;
                state = State.QUOTE;
                slash = false;
            } else if (c == '/') {
                slash = true;
            } else if (c == '>') {
                state = State.TEXT;
                started = true;
                events.start(name.toString(), depth, slash);
                if (!slash) {
                    depth++;
                }
            } else if (!Character.isWhitespace(c)) {
                slash = false;
            }
        }

        static String local(String qname) {
            int colon = qname.indexOf(':');
            return colon < 0 ? qname : qname.substring(colon + 1);
        }
    }

    /** XMPP. */
    static final class Xmpp extends ServerDialog {
        private final Xml client = new Xml();
        private final Xml server = new Xml();
        private boolean header;
        private boolean features;
        private boolean stanzas;
        private boolean inStarttls;
        private int position;
        private int candidateAt = -1;
        private final Xml.Events clientEvents = new Xml.Events() {
            @Override
            public void start(String name, int depth, boolean empty) {
                if (depth == 0) {
                    header = Xml.local(name).equals("stream");
                    features = false;
                    stanzas = false;
                    if (!header) {
                        lose("an XML stream that does not start with a stream header: " + name);
                    }
                } else if (depth == 1) {
                    if (Xml.local(name).equals("starttls")) {
                        inStarttls = !empty;
                        if (empty) {
                            candidateAt = position;
                        }
                    } else {
                        stanzas = true;
                    }
                }
            }

            @Override
            public void end(String name, int depth) {
                if (depth == 1 && inStarttls) {
                    inStarttls = false;
                    candidateAt = position;
                }
            }

            @Override
            public void restricted(String what) {
                lose(what + " in the XML stream");
            }
        };

        @Override
        Kind client(ByteBuf frame) {
            candidateAt = -1;
            int last = frame.writerIndex() - 1;
            for (position = frame.readerIndex(); position <= last; position++) {
                client.feed((char) (frame.getByte(position) & 0xff), clientEvents);
            }
            if (candidateAt < 0) {
                return Kind.PASS;
            }
            if (candidateAt != last) {
                lose("a <starttls/> element that does not end its frame");
                return Kind.PASS;
            }
            // Only a child of the stream, and only before any stanza (RFC 6120 section 5.3.1).
            return header && !stanzas ? Kind.UPGRADE : Kind.REFUSE;
        }

        @Override
        void server(ByteBuf bytes) {
            Xml.Events events = new Xml.Events() {
                @Override
                public void start(String name, int depth, boolean empty) {
                    if (depth == 1 && empty && Xml.local(name).equals("features")) {
                        features = true;
                    }
                }

                @Override
                public void end(String name, int depth) {
                    if (depth == 1 && Xml.local(name).equals("features")) {
                        features = true;
                    }
                }

                @Override
                public void restricted(String what) {
                }
            };
            for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
                server.feed((char) (bytes.getByte(i) & 0xff), events);
            }
        }

        @Override
        boolean settled() {
            return features;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        }

        @Override
        ByteBuf refusal(ByteBufAllocator alloc) {
            // RFC 6120 section 5.4.2.2: <failure/>, then the stream and the connection end.
            return StartTlsProtocol.ascii(alloc, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
        }

        @Override
        boolean closesAfterRefusal() {
            return true;
        }
    }

    /** LDAP. */
    static final class LdapDialog extends ServerDialog {
        /** Responses that end an operation (RFC 4511 section 4.2-4.14); entries, references and intermediate responses do not. */
        private static final Set<Integer> FINAL = Set.of(0x61, 0x65, 0x67, 0x69, 0x6b, 0x6d, 0x6f, 0x78);
        private static final Set<Integer> PARTIAL = Set.of(0x64, 0x73, 0x79);
        private static final int SASL_BIND_IN_PROGRESS = 14;
        private static final int HEADER = 24;
        private final Map<Long, Integer> outstanding = new HashMap<>();
        private boolean saslBind;
        private int upgradeId;
        private final byte[] head = new byte[HEADER];
        private int have;
        private long total = -1;
        private long skip;

        @Override
        Kind client(ByteBuf frame) {
            int id = Ldap.startTlsRequestId(frame);
            if (id >= 0) {
                upgradeId = id;
                // RFC 4513 section 3.1.1: operationsError while operations are outstanding or a SASL bind is in progress.
                return settled() ? Kind.UPGRADE : Kind.REFUSE;
            }
            long[] h = header(frame, frame.readerIndex(), frame.writerIndex());
            if (h == null) {
                lose("an LDAP message this helper cannot read");
                return Kind.PASS;
            }
            int op = (int) h[1];
            if (op == 0x42 || op == 0x50) {
                // UnbindRequest and AbandonRequest get no response. An abandoned operation may
                // still be answered (RFC 4511 section 4.11: the server MAY abandon it), so it
                // stays outstanding: a StartTLS behind it is refused rather than have its answer
                // arrive inside TLS.
                return Kind.PASS;
            }
            // Counted, not a set: two requests under one messageID (which RFC 4511 section
            // 4.1.1.1 forbids, and an injecting attacker may send) need two answers.
            outstanding.merge(h[0], 1, Integer::sum);
            return Kind.PASS;
        }

        /**
         * The messageID, the protocolOp's tag and, for a primitive op, its integer value (the
         * abandoned ID) or for a constructed one its first ENUMERATED (a resultCode): or null.
         */
        static long[] header(ByteBuf b, int from, int to) {
            int[] p = {from};
            if (tag(b, p, to) != 0x30 || length(b, p, to) < 0) {
                return null;
            }
            if (tag(b, p, to) != 0x02) {
                return null;
            }
            long id = integer(b, p, to);
            int op = tag(b, p, to);
            long opLength = length(b, p, to);
            if (id < 0 || op < 0 || opLength < 0) {
                return null;
            }
            long value = -1;
            if ((op & 0x20) == 0) {
                value = opLength <= 4 && p[0] + opLength <= to ? bytes(b, p[0], (int) opLength) : -1;
            } else if (p[0] < to && b.getUnsignedByte(p[0]) == 0x0a) {
                p[0]++;
                value = integer(b, p, to);
            }
            return new long[] {id, op, value};
        }

        private static int tag(ByteBuf b, int[] p, int to) {
            return p[0] < to ? b.getUnsignedByte(p[0]++) : -1;
        }

        private static long length(ByteBuf b, int[] p, int to) {
            if (p[0] >= to) {
                return -1;
            }
            int first = b.getUnsignedByte(p[0]++);
            if (first < 0x80) {
                return first;
            }
            int octets = first & 0x7f;
            if (octets == 0 || octets > 4 || p[0] + octets > to) {
                return -1;
            }
            long len = bytes(b, p[0], octets);
            p[0] += octets;
            return len;
        }

        private static long integer(ByteBuf b, int[] p, int to) {
            long len = length(b, p, to);
            if (len < 1 || len > 4 || p[0] + len > to) {
                return -1;
            }
            long v = bytes(b, p[0], (int) len);
            p[0] += (int) len;
            return v;
        }

        private static long bytes(ByteBuf b, int at, int n) {
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | b.getUnsignedByte(at + i);
            }
            return v;
        }

        @Override
        void server(ByteBuf bytes) {
            int i = bytes.readerIndex();
            int end = bytes.writerIndex();
            while (i < end && lost() == null) {
                if (skip > 0) {
                    int n = (int) Math.min(skip, end - i);
                    skip -= n;
                    i += n;
                    continue;
                }
                head[have++] = bytes.getByte(i++);
                if (total < 0) {
                    total = messageLength();
                    if (total == -2) {
                        lose("an LDAP response this helper cannot read");
                        return;
                    }
                }
                if (total >= 0 && (have == HEADER || have == total)) {
                    response();
                    skip = total - have;
                    have = 0;
                    total = -1;
                }
            }
        }

        /** The whole message's length once its header is in, -1 until then, -2 if it is not BER. */
        private long messageLength() {
            if (have < 2) {
                return -1;
            }
            if ((head[0] & 0xff) != 0x30) {
                return -2;
            }
            int first = head[1] & 0xff;
            if (first < 0x80) {
                return 2 + first;
            }
            int octets = first & 0x7f;
            if (octets == 0 || octets > 4) {
                return -2;
            }
            if (have < 2 + octets) {
                return -1;
            }
            long len = 0;
            for (int k = 0; k < octets; k++) {
                len = (len << 8) | (head[2 + k] & 0xff);
            }
            return 2 + octets + len;
        }

        private void response() {
            ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(head, 0, have);
            long[] h = header(b, 0, have);
            if (h == null) {
                lose("an LDAP response this helper cannot read");
                return;
            }
            int op = (int) h[1];
            if (FINAL.contains(op)) {
                if (op == 0x78 && h[0] == 0) {
                    return;
                }
                outstanding.computeIfPresent(h[0], (id, n) -> n > 1 ? n - 1 : null);
                if (op == 0x61) {
                    saslBind = h[2] == SASL_BIND_IN_PROGRESS;
                }
            } else if (!PARTIAL.contains(op)) {
                lose("an LDAP response of an unknown kind: 0x" + Integer.toHexString(op));
            }
        }

        @Override
        boolean settled() {
            return outstanding.isEmpty() && !saslBind;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return Ldap.startTlsResponse(alloc, upgradeId, 0, "");
        }

        @Override
        ByteBuf refusal(ByteBufAllocator alloc) {
            return Ldap.startTlsResponse(alloc, upgradeId, 1,
                    "StartTLS while other operations are outstanding or a SASL bind is in progress (RFC 4513 section 3.1.1)");
        }
    }

    /** PostgreSQL. */
    static final class Postgres extends ServerDialog {
        private boolean first;
        private boolean gssRequested;

        Postgres(boolean greeting) {
            // After a downgrade there is no first message any more.
            first = greeting;
        }

        @Override
        Kind client(ByteBuf frame) {
            if (!first) {
                return Kind.PASS;
            }
            int code = frame.readableBytes() == 8 ? frame.getInt(frame.readerIndex() + 4) : 0;
            if (code == Framings.SSL_REQUEST_CODE) {
                return Kind.UPGRADE;
            }
            if (code == Framings.GSSENC_REQUEST_CODE) {
                gssRequested = true;
            } else {
                first = false;
            }
            return Kind.PASS;
        }

        @Override
        boolean awaitingReply() {
            return gssRequested;
        }

        @Override
        void server(ByteBuf bytes) {
            if (gssRequested) {
                gssRequested = false;
                if (bytes.getByte(bytes.readerIndex()) != 'N') {
                    first = false;
                }
            }
        }

        @Override
        boolean settled() {
            return !gssRequested;
        }

        @Override
        ByteBuf positiveReply(ByteBufAllocator alloc) {
            return StartTlsProtocol.ascii(alloc, "S");
        }
    }
}
