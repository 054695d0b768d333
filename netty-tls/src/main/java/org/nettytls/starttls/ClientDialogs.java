package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Locale;

/** The client dialogs of {@link StartTlsProtocol}. */
final class ClientDialogs {
    private ClientDialogs() {
    }

    /** SMTP (RFC 3207) and LMTP: greeting, EHLO/LHLO, STARTTLS in the capabilities, 220 to STARTTLS. */
    static final class Smtp extends ClientDialog {
        private final String hello;
        private int state;
        private boolean offered;

        Smtp(String hello) {
            this.hello = hello;
        }

        @Override
        protected Step onFrame(ByteBuf frame) {
            String l = line(frame);
            boolean last = l.length() < 4 || l.charAt(3) != '-';
            switch (state) {
                case 0:
                    if (!l.startsWith("220")) {
                        return Step.refuse("a 220 greeting", quoted(l));
                    }
                    if (!last) {
                        return Step.WAIT;
                    }
                    state = 1;
                    return Step.send(hello + " localhost\r\n");
                case 1:
                    if (!l.startsWith("250")) {
                        return Step.refuse("250 to " + hello, quoted(l));
                    }
                    offered |= l.length() >= 4 && l.substring(4).trim().equalsIgnoreCase("STARTTLS");
                    if (!last) {
                        return Step.WAIT;
                    }
                    if (!offered) {
                        return Step.refuse("STARTTLS among the capabilities", "none (stripped or not supported)");
                    }
                    state = 2;
                    return Step.send("STARTTLS\r\n");
                default:
                    return l.startsWith("220 ") || l.equals("220") ? Step.UPGRADE : Step.refuse("220 to STARTTLS", quoted(l));
            }
        }
    }

    /** IMAP (RFC 9051): greeting (PREAUTH refuses), CAPABILITY with STARTTLS, tagged OK to STARTTLS. */
    static final class Imap extends ClientDialog {
        private int state;
        private boolean offered;

        @Override
        protected Step onFrame(ByteBuf frame) {
            String l = line(frame);
            String u = l.toUpperCase(Locale.ROOT);
            switch (state) {
                case 0:
                    if (!u.startsWith("* OK")) {
                        return Step.refuse("an '* OK' greeting (PREAUTH or BYE allow no STARTTLS)", quoted(l));
                    }
                    state = 1;
                    return Step.send("a001 CAPABILITY\r\n");
                case 1:
                    if (u.startsWith("* CAPABILITY ")) {
                        offered |= (" " + u.substring(13) + " ").contains(" STARTTLS ");
                        return Step.WAIT;
                    }
                    if (u.startsWith("* ")) {
                        return Step.WAIT;
                    }
                    if (!u.startsWith("A001 OK")) {
                        return Step.refuse("a001 OK to CAPABILITY", quoted(l));
                    }
                    if (!offered) {
                        return Step.refuse("STARTTLS among the capabilities", "none (stripped or not supported)");
                    }
                    state = 2;
                    return Step.send("a002 STARTTLS\r\n");
                default:
                    if (u.startsWith("A002 OK")) {
                        return Step.UPGRADE;
                    }
                    return Step.refuse("a002 OK to STARTTLS", quoted(l));
            }
        }
    }

    /**
     * POP3 (RFC 2595: +OK greeting, CAPA listing STLS, +OK to STLS) and NNTP (RFC 4642: 200/201
     * greeting, CAPABILITIES listing STARTTLS, 382 to STARTTLS): a capability list ended by ".".
     */
    static final class DotList extends ClientDialog {
        private final String[] greetings;
        private final String capabilities;
        private final String listed;
        private final String command;
        private final String positive;
        private int state;
        private boolean offered;

        private DotList(String[] greetings, String capabilities, String listed, String command, String positive) {
            this.greetings = greetings;
            this.capabilities = capabilities;
            this.listed = listed;
            this.command = command;
            this.positive = positive;
        }

        static DotList pop3() {
            return new DotList(new String[] {"+OK"}, "CAPA", "+OK", "STLS", "+OK");
        }

        static DotList nntp() {
            return new DotList(new String[] {"200", "201"}, "CAPABILITIES", "101", "STARTTLS", "382");
        }

        @Override
        protected Step onFrame(ByteBuf frame) {
            String l = line(frame);
            switch (state) {
                case 0:
                    for (String g : greetings) {
                        if (l.startsWith(g)) {
                            state = 1;
                            return Step.send(capabilities + "\r\n");
                        }
                    }
                    return Step.refuse("a " + String.join(" or ", greetings) + " greeting", quoted(l));
                case 1:
                    if (!l.startsWith(listed)) {
                        return Step.refuse(listed + " to " + capabilities, quoted(l));
                    }
                    state = 2;
                    return Step.WAIT;
                case 2:
                    if (!l.equals(".")) {
                        offered |= l.trim().equalsIgnoreCase(command);
                        return Step.WAIT;
                    }
                    if (!offered) {
                        return Step.refuse(command + " among the capabilities", "none (stripped or not supported)");
                    }
                    state = 3;
                    return Step.send(command + "\r\n");
                default:
                    return l.startsWith(positive) ? Step.UPGRADE : Step.refuse(positive + " to " + command, quoted(l));
            }
        }
    }

    /** FTP (RFC 4217): 220 greeting, 234 to AUTH TLS. */
    static final class Ftp extends ClientDialog {
        private int state;

        @Override
        protected Step onFrame(ByteBuf frame) {
            String l = line(frame);
            boolean last = l.length() >= 4 && l.charAt(3) == ' ' || l.length() == 3;
            if (state == 0) {
                if (!l.startsWith("220")) {
                    return Step.refuse("a 220 greeting", quoted(l));
                }
                if (!last) {
                    return Step.WAIT;
                }
                state = 1;
                return Step.send("AUTH TLS\r\n");
            }
            return l.startsWith("234 ") || l.equals("234") ? Step.UPGRADE : Step.refuse("234 to AUTH TLS", quoted(l));
        }
    }

    /** ManageSieve (RFC 5804): capability greeting with "STARTTLS", then OK to STARTTLS. */
    static final class Sieve extends ClientDialog {
        private int state;
        private boolean offered;

        @Override
        protected Step onFrame(ByteBuf frame) {
            String l = line(frame);
            String u = l.toUpperCase(Locale.ROOT);
            if (state == 0) {
                if (u.startsWith("\"")) {
                    offered |= u.startsWith("\"STARTTLS\"");
                    return Step.WAIT;
                }
                if (!u.startsWith("OK")) {
                    return Step.refuse("OK after the capabilities", quoted(l));
                }
                if (!offered) {
                    return Step.refuse("\"STARTTLS\" among the capabilities", "none (stripped or not supported)");
                }
                state = 1;
                return Step.send("STARTTLS\r\n");
            }
            return u.startsWith("OK") ? Step.UPGRADE : Step.refuse("OK to STARTTLS", quoted(l));
        }
    }

    /** XMPP (RFC 6120): stream header, features with starttls, proceed. */
    static final class Xmpp extends ClientDialog {
        private final String host;
        private final StringBuilder features = new StringBuilder();
        private int state;

        Xmpp(String host) {
            this.host = host;
        }

        @Override
        protected ByteBuf opening(ByteBufAllocator alloc) {
            return encode(alloc, "<?xml version='1.0'?><stream:stream to='" + host.replace("'", "")
                    + "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
        }

        @Override
        protected Step onFrame(ByteBuf frame) {
            String tag = line(frame).trim();
            if (state == 0) {
                features.append(tag);
                if (tag.startsWith("<stream:error")) {
                    return Step.refuse("stream features", quoted(tag));
                }
                if (!tag.endsWith("</stream:features>")) {
                    return features.length() > 65536 ? Step.refuse("stream features", "more than 64 KiB") : Step.WAIT;
                }
                if (!features.toString().contains("<starttls")) {
                    return Step.refuse("<starttls> among the stream features", "none (stripped or not supported)");
                }
                state = 1;
                return Step.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
            }
            return tag.startsWith("<proceed") ? Step.UPGRADE : Step.refuse("<proceed/> to <starttls/>", quoted(tag));
        }
    }

    /** LDAP (RFC 4511 section 4.14): the StartTLS extended request, success in its response. */
    static final class LdapDialog extends ClientDialog {
        private static final int MESSAGE_ID = 1;

        @Override
        protected ByteBuf opening(ByteBufAllocator alloc) {
            return Ldap.startTlsRequest(alloc, MESSAGE_ID);
        }

        @Override
        protected Step onFrame(ByteBuf frame) {
            int rc = Ldap.extendedResultCode(frame, MESSAGE_ID);
            if (rc == 0) {
                return Step.UPGRADE;
            }
            return Step.refuse("an ExtendedResponse with resultCode success(0)",
                    rc < 0 ? "another message" : "resultCode " + rc);
        }
    }

    /** PostgreSQL: SSLRequest, then 'S'. */
    static final class Postgres extends ClientDialog {
        @Override
        protected ByteBuf opening(ByteBufAllocator alloc) {
            return alloc.buffer(8).writeInt(8).writeInt(Framings.SSL_REQUEST_CODE);
        }

        @Override
        protected Step onFrame(ByteBuf frame) {
            if (frame.readableBytes() == 1 && frame.getByte(frame.readerIndex()) == 'S') {
                return Step.UPGRADE;
            }
            return Step.refuse("'S' to SSLRequest", frame.readableBytes() == 1 && frame.getByte(frame.readerIndex()) == 'N'
                    ? "'N' (TLS not supported)" : "a message of type '" + (char) frame.getByte(frame.readerIndex()) + "'");
        }
    }
}
