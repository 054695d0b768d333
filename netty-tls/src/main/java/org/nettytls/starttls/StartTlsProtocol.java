package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.nettytls.TlsException;
import org.nettytls.verify.HostnameScheme;

/**
 * The protocols whose upgrade point netty-tls knows, in both roles: how their frames end, how a
 * server recognises the upgrade command and answers it, how a client asks for the upgrade and
 * recognises the positive answer ({@link StartTlsServer}, {@link StartTlsClient}), and the
 * hostname scheme a client checks the server's name with unless told otherwise.
 */
public enum StartTlsProtocol {
    /** SMTP {@code STARTTLS}, RFC 3207. */
    SMTP("smtp", "smtp", 25),
    /** LMTP {@code STARTTLS} after {@code LHLO}, RFC 2033. */
    LMTP("lmtp", "smtp", 24),
    /** IMAP {@code STARTTLS}, RFC 9051 section 6.2.1. */
    IMAP("imap", "imap", 143),
    /** POP3 {@code STLS}, RFC 2595 section 4. */
    POP3("pop3", "pop3", 110),
    /** FTP {@code AUTH TLS}, RFC 4217 section 4. */
    FTP("ftp", "ftp", 21),
    /** XMPP {@code <starttls/>}, RFC 6120 section 5. */
    XMPP("xmpp", "xmpp", 5222),
    /** LDAP StartTLS extended operation (1.3.6.1.4.1.1466.20037), RFC 4511 section 4.14. */
    LDAP("ldap", "ldap", 389),
    /** PostgreSQL {@code SSLRequest}, protocol 3.0 section 54.2.10. */
    POSTGRES("postgres", "default", 5432),
    /** ManageSieve {@code STARTTLS}, RFC 5804 section 2.2. */
    SIEVE("sieve", "imap", 4190),
    /** NNTP {@code STARTTLS}, RFC 4642. */
    NNTP("nntp", "nntp", 119);

    /** The object identifier of LDAP's StartTLS extended operation. */
    static final String LDAP_STARTTLS_OID = "1.3.6.1.4.1.1466.20037";

    private final String id;
    private final String scheme;
    private final int defaultPort;

    StartTlsProtocol(String id, String scheme, int defaultPort) {
        this.id = id;
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    /** The lower-case name, as {@code openssl s_client -starttls} spells it. */
    public String id() {
        return id;
    }

    /** The protocol by its {@link #id()} (case-insensitive). */
    public static StartTlsProtocol of(String id) throws TlsException {
        for (StartTlsProtocol p : values()) {
            if (p.id.equalsIgnoreCase(id)) {
                return p;
            }
        }
        StringBuilder known = new StringBuilder();
        for (StartTlsProtocol p : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(p.id);
        }
        throw TlsException.badConfiguration("starttls", "unknown protocol '" + id + "' (known: " + known + ")");
    }

    /** The IANA port of the plaintext service. */
    public int defaultPort() {
        return defaultPort;
    }

    /**
     * The {@code SSL_verifycn_scheme} a client uses for this protocol unless the options name one:
     * the reference's scheme of the same name ({@code smtp}, {@code ldap}, ...; {@code imap}'s
     * RFC 2595 rules for ManageSieve, {@code default} for PostgreSQL, which has none of its own).
     */
    public HostnameScheme hostnameScheme() {
        try {
            return "default".equals(scheme) ? HostnameScheme.defaultScheme() : HostnameScheme.named(scheme);
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How the frames a server reads end. */
    public Framing serverFraming() {
        return framing(true);
    }

    /** How the frames a client reads end. */
    public Framing clientFraming() {
        return framing(false);
    }

    private Framing framing(boolean server) {
        switch (this) {
            case XMPP:
                return Framing.xmlTags();
            case LDAP:
                return Framing.berElements();
            case POSTGRES:
                return server ? Framing.postgresFrontend() : Framing.postgresBackend();
            default:
                return Framing.lines();
        }
    }

    /**
     * The server's positive answer if {@code frame} is this protocol's upgrade command, else
     * {@code null}. Does not move the frame's reader index.
     */
    public ByteBuf positiveReply(ByteBuf frame, ByteBufAllocator alloc) {
        if (this == LDAP) {
            int id = Ldap.startTlsRequestId(frame);
            return id < 0 ? null : Ldap.startTlsResponse(alloc, id, 0, "");
        }
        if (this == POSTGRES) {
            return frame.readableBytes() == 8 && frame.getInt(frame.readerIndex() + 4) == Framings.SSL_REQUEST_CODE
                    ? ascii(alloc, "S") : null;
        }
        String text = frame.toString(StandardCharsets.ISO_8859_1);
        if (this == XMPP) {
            return text.trim().startsWith("<starttls") ? ascii(alloc, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") : null;
        }
        String line = stripEol(text);
        String upper = line.toUpperCase(Locale.ROOT);
        switch (this) {
            case SMTP:
            case LMTP:
                return upper.equals("STARTTLS") ? ascii(alloc, "220 2.0.0 Ready to start TLS\r\n") : null;
            case IMAP: {
                int sp = line.indexOf(' ');
                return sp > 0 && upper.substring(sp + 1).equals("STARTTLS")
                        ? ascii(alloc, line.substring(0, sp) + " OK Begin TLS negotiation now\r\n") : null;
            }
            case POP3:
                return upper.equals("STLS") ? ascii(alloc, "+OK Begin TLS negotiation\r\n") : null;
            case FTP:
                return upper.equals("AUTH TLS") || upper.equals("AUTH TLS-C") || upper.equals("AUTH SSL")
                        ? ascii(alloc, "234 AUTH TLS successful\r\n") : null;
            case SIEVE:
                return upper.equals("STARTTLS") ? ascii(alloc, "OK \"Begin TLS negotiation now\"\r\n") : null;
            case NNTP:
                return upper.equals("STARTTLS") ? ascii(alloc, "382 Continue with TLS negotiation\r\n") : null;
            default:
                return null;
        }
    }

    /** A new client-side conversation that leads to the upgrade point. */
    ClientDialog newClientDialog(String host) {
        switch (this) {
            case SMTP:
                return new ClientDialogs.Smtp("EHLO");
            case LMTP:
                return new ClientDialogs.Smtp("LHLO");
            case IMAP:
                return new ClientDialogs.Imap();
            case POP3:
                return ClientDialogs.DotList.pop3();
            case FTP:
                return new ClientDialogs.Ftp();
            case XMPP:
                return new ClientDialogs.Xmpp(host);
            case LDAP:
                return new ClientDialogs.LdapDialog();
            case POSTGRES:
                return new ClientDialogs.Postgres();
            case SIEVE:
                return new ClientDialogs.Sieve();
            default:
                return ClientDialogs.DotList.nntp();
        }
    }

    static ByteBuf ascii(ByteBufAllocator alloc, String s) {
        ByteBuf b = alloc.buffer(s.length());
        b.writeCharSequence(s, StandardCharsets.ISO_8859_1);
        return b;
    }

    static String stripEol(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
            end--;
        }
        return s.substring(0, end);
    }
}
