package org.nettytls.starttls;

import java.util.List;
import org.nettytls.annotation.Experimental;
import org.nettytls.annotation.Spi;
import org.nettytls.error.TlsException;
import org.nettytls.verify.HostnameScheme;

/**
 * A protocol that upgrades to TLS in mid-conversation, in both roles: how its frames end, where a
 * server can take a frame for the upgrade command (following the protocol's state: not inside
 * data, with every earlier command answered) and how it answers ({@link ServerDialog}), how a
 * client asks for the upgrade and recognises the positive answer ({@link ClientDialog}), and the
 * hostname scheme a client checks the server's name with unless told otherwise. Used by
 * {@link StartTlsServer} and {@link StartTlsClient}.
 *
 * <p>The constants are the protocols netty-tls knows ({@code openssl s_client -starttls} names
 * them: {@link #of}); implement this interface for another. <b>Experimental</b> as an SPI: the
 * dialogs' methods may still change.
 */
@Spi
@Experimental
public interface StartTlsProtocol {
    /** SMTP {@code STARTTLS}, RFC 3207. */
    StartTlsProtocol SMTP = BuiltInProtocol.SMTP;
    /** LMTP {@code STARTTLS} after {@code LHLO}, RFC 2033. */
    StartTlsProtocol LMTP = BuiltInProtocol.LMTP;
    /** IMAP {@code STARTTLS}, RFC 9051 section 6.2.1. */
    StartTlsProtocol IMAP = BuiltInProtocol.IMAP;
    /** POP3 {@code STLS}, RFC 2595 section 4. */
    StartTlsProtocol POP3 = BuiltInProtocol.POP3;
    /** FTP {@code AUTH TLS}, RFC 4217 section 4. */
    StartTlsProtocol FTP = BuiltInProtocol.FTP;
    /** XMPP {@code <starttls/>}, RFC 6120 section 5. */
    StartTlsProtocol XMPP = BuiltInProtocol.XMPP;
    /** LDAP StartTLS extended operation (1.3.6.1.4.1.1466.20037), RFC 4511 section 4.14. */
    StartTlsProtocol LDAP = BuiltInProtocol.LDAP;
    /** PostgreSQL {@code SSLRequest}, protocol 3.0 section 54.2.10. */
    StartTlsProtocol POSTGRES = BuiltInProtocol.POSTGRES;
    /** ManageSieve {@code STARTTLS}, RFC 5804 section 2.2. */
    StartTlsProtocol SIEVE = BuiltInProtocol.SIEVE;
    /** NNTP {@code STARTTLS}, RFC 4642. */
    StartTlsProtocol NNTP = BuiltInProtocol.NNTP;

    /** {@return the lower-case name, as {@code openssl s_client -starttls} spells it} */
    String id();

    /** {@return the IANA port of the plaintext service} */
    int defaultPort();

    /**
     * {@return the {@code SSL_verifycn_scheme} a client uses for this protocol unless the options name one: for the
     * built-in ones the reference's scheme of the same name ({@code smtp}, {@code ldap}, ...; {@code imap}'s RFC 2595
     * rules for ManageSieve, {@code default} for PostgreSQL, which has none of its own)}
     */
    HostnameScheme hostnameScheme();

    /** {@return how the frames a server reads end} */
    Framing serverFraming();

    /** {@return how the frames a client reads end} */
    Framing clientFraming();

    /**
     * A new server-side view of the conversation up to the upgrade point: which frame is the
     * upgrade command where a command can start, and whether the application has answered
     * every command before it. {@code greeting}: the server still owes its greeting (a new
     * connection); false after a downgrade, where the conversation goes on.
     *
     * @param greeting whether the server sends a greeting first
     * @return a new dialog for one connection
     */
    ServerDialog newServerDialog(boolean greeting);

    /**
     * A new client-side conversation that leads to the upgrade point; {@code host} is the server's name.
     *
     * @param host the server's name
     * @return a new dialog for one connection
     */
    ClientDialog newClientDialog(String host);

    /** {@return the protocols netty-tls knows, in the order of the constants} */
    static List<StartTlsProtocol> builtIn() {
        return List.of(BuiltInProtocol.values());
    }

    /**
     * The built-in protocol by its {@link #id()} (case-insensitive).
     *
     * @param id a protocol's id, e.g. {@code smtp}
     * @return the protocol
     * @throws TlsException ({@code BAD_CONFIGURATION}) for an unknown id, naming the ids known
     */
    static StartTlsProtocol of(String id) throws TlsException {
        for (StartTlsProtocol p : builtIn()) {
            if (p.id().equalsIgnoreCase(id)) {
                return p;
            }
        }
        StringBuilder known = new StringBuilder();
        for (StartTlsProtocol p : builtIn()) {
            known.append(known.length() == 0 ? "" : ", ").append(p.id());
        }
        throw TlsException.badConfiguration("starttls", "unknown protocol '" + id + "' (known: " + known + ")");
    }
}
