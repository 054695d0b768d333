package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.nettytls.error.TlsException;
import org.nettytls.verify.HostnameScheme;

/**
 * The protocols whose upgrade point netty-tls knows, as the constants of {@link StartTlsProtocol}
 * name them.
 */
enum BuiltInProtocol implements StartTlsProtocol {
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

    BuiltInProtocol(String id, String scheme, int defaultPort) {
        this.id = id;
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int defaultPort() {
        return defaultPort;
    }

    @Override
    public HostnameScheme hostnameScheme() {
        try {
            return "default".equals(scheme) ? HostnameScheme.DEFAULT : HostnameScheme.named(scheme);
        } catch (TlsException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Framing serverFraming() {
        return framing(true);
    }

    @Override
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

    @Override
    public ServerDialog newServerDialog(boolean greeting) {
        switch (this) {
            case SMTP:
                return new ServerDialogs.Smtp(false, greeting);
            case LMTP:
                return new ServerDialogs.Smtp(true, greeting);
            case IMAP:
                return new ServerDialogs.Imap(greeting);
            case POP3:
                return new ServerDialogs.Pop3(greeting);
            case FTP:
                return new ServerDialogs.Ftp(greeting);
            case XMPP:
                return new ServerDialogs.Xmpp();
            case LDAP:
                return new ServerDialogs.LdapDialog();
            case POSTGRES:
                return new ServerDialogs.Postgres(greeting);
            case SIEVE:
                return new ServerDialogs.Sieve(greeting);
            default:
                return new ServerDialogs.Nntp(greeting);
        }
    }

    @Override
    public ClientDialog newClientDialog(String host) {
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
