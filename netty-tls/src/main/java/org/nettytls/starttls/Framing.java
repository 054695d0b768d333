package org.nettytls.starttls;

import io.netty.buffer.ByteBuf;
import org.nettytls.annotation.Spi;

/**
 * Where a protocol's frames end in the plaintext byte stream: the boundaries at which a
 * protocol handler can act on a complete command or reply. {@link StartTlsHandler} hands the
 * plaintext on one frame at a time, so that when a frame turns out to be the upgrade command
 * (or its positive answer), nothing that followed it has reached any decoder or handler yet.
 *
 * <p><b>Please note:</b> a framing must split at least wherever the protocol's own decoders do
 * (splitting more often is harmless): {@link #lines()} splits at every LF, which covers decoders
 * that split at CRLF. An instance may keep state between calls; use one per channel.
 */
@Spi
public interface Framing {
    /**
     * The length of the complete frame at the reader index of {@code in}, or {@code -1} when the
     * bytes there do not make a complete frame yet. Must not move the reader index.
     *
     * @param in the bytes received so far
     * @return the frame's length in bytes, or {@code -1}
     */
    int frameLength(ByteBuf in);

    /**
     * {@return the framing of lines ending in LF (with or without CR): SMTP, LMTP, IMAP, POP3, FTP, NNTP,
     * ManageSieve, line
     * protocols}
     */
    static Framing lines() {
        return in -> {
            int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
            return lf < 0 ? -1 : lf - in.readerIndex() + 1;
        };
    }

    /** {@return XML split after every {@code '>'}: every complete tag of an XMPP stream ends a frame} */
    static Framing xmlTags() {
        return in -> {
            int gt = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '>');
            return gt < 0 ? -1 : gt - in.readerIndex() + 1;
        };
    }

    /** {@return BER elements (tag, definite length, contents) as LDAP messages travel (RFC 4511 section 5.1)} */
    static Framing berElements() {
        return Framings::berLength;
    }

    /**
     * {@return the framing of PostgreSQL's frontend messages as a server reads them (protocol 3.0): the first
     * message (SSLRequest,
     * GSSENCRequest or StartupMessage) has a length and no type byte, every later one a type byte and a length}
     */
    static Framing postgresFrontend() {
        return new Framings.Postgres(true);
    }

    /**
     * {@return the framing of PostgreSQL's backend messages as a client reads them after it sent SSLRequest: the
     * one-byte answer
     * ({@code S} or {@code N}) is a frame of its own, then typed messages}
     */
    static Framing postgresBackend() {
        return new Framings.Postgres(false);
    }
}
