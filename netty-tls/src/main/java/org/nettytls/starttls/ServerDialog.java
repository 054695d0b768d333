package org.nettytls.starttls;

import org.nettytls.annotation.Experimental;
import org.nettytls.annotation.Spi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A server's side of a protocol before TLS, as far as {@link StartTlsServer} needs it to upgrade
 * only at a safe point: which client frame is the upgrade command at a place where a command can
 * start (not inside SMTP DATA, an IMAP literal, an XMPP stanza, ...), and whether every command
 * before it has its final answer, judged from the bytes the application writes. One instance per
 * connection; it never moves a reader index.
 *
 * <p>Where the dialog cannot tell any more (a client that pipelines where the protocol says to
 * wait for an answer, an answer it cannot attribute, an extension it does not know), it is
 * {@link #lost() lost}: from then on no frame is taken for the upgrade command, so the
 * application gets it like any other line, and no upgrade happens on a guess.
 *
 * <p>Implement it for a {@link StartTlsProtocol} of your own. <b>Experimental</b>.
 */
@Spi
@Experimental
public abstract class ServerDialog {
    /** What a client frame is. */
    public enum Kind {
        /** Anything but the upgrade command where a command starts: goes on to the application. */
        PASS,
        /** The upgrade command where a command starts: answered once {@link #settled()}. */
        UPGRADE,
        /** The upgrade command where the protocol says to refuse it: answered with {@link #refusal}. */
        REFUSE
    }

    private String lost;

    /** Reads one client frame (without consuming it) and says what it is. */
    final Kind fromClient(ByteBuf frame) {
        if (lost != null) {
            return Kind.PASS;
        }
        Kind k = client(frame);
        return lost != null ? Kind.PASS : k;
    }

    /** Reads bytes the application writes (without consuming them). */
    final void fromServer(ByteBuf bytes) {
        if (lost == null && bytes.isReadable()) {
            server(bytes);
        }
    }

    /**
     * Says what {@code frame} (one client frame, not to be consumed) is; may {@link #lose} the dialog.
     *
     * @param frame one frame the client sent
     * @return what the frame is
     */
    protected abstract Kind client(ByteBuf frame);

    /**
     * Follows the bytes the application writes (not to be consumed): its answers.
     *
     * @param bytes bytes the application wrote
     */
    protected abstract void server(ByteBuf bytes);

    /** {@return whether every command so far has its final answer (the server's greeting included)} */
    protected abstract boolean settled();

    /**
     * {@return whether the meaning of the client's next bytes depends on an answer not written yet (the reply to
     * {@code DATA}, a SASL challenge, a synchronizing literal's go-ahead): the frames wait until it is}
     */
    protected boolean awaitingReply() {
        return false;
    }

    /**
     * The positive answer to the upgrade command last seen.
     *
     * @param alloc the channel's allocator
     * @return the reply's bytes
     */
    protected abstract ByteBuf positiveReply(ByteBufAllocator alloc);

    /**
     * The answer to an upgrade command {@link Kind#REFUSE refused}; {@code null} for protocols that never refuse.
     *
     * @param alloc the channel's allocator
     * @return the refusal's bytes, or {@code null}
     */
    protected ByteBuf refusal(ByteBufAllocator alloc) {
        return null;
    }

    /** {@return whether the connection ends after {@link #refusal} (XMPP closes the stream)} */
    protected boolean closesAfterRefusal() {
        return false;
    }

    /** {@return why the dialog can no longer tell commands from data, or {@code null}} */
    protected final String lost() {
        return lost;
    }

    /**
     * From now on no frame is taken for the upgrade command: the dialog cannot tell ({@code why}).
     *
     * @param why the reason, for the error message
     */
    protected final void lose(String why) {
        if (lost == null) {
            lost = why;
        }
    }
}
