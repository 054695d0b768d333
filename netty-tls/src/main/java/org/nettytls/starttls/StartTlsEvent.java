package org.nettytls.starttls;

import java.util.Objects;
import org.nettytls.TlsCompletionEvent;
import org.nettytls.error.TlsException;

/**
 * Fired down the pipeline when starting TLS on a live channel ({@link #isUpgrade()}) or stopping
 * it ended, like Netty's {@code SslHandshakeCompletionEvent}: {@link #UPGRADED} or
 * {@link #DOWNGRADED}, or a failure with its {@link #cause()}.
 *
 * <p>{@link #UPGRADED} means the handshake and every check of the peer passed; a protocol handler
 * should then forget what it learnt before (capabilities, state), as RFC 3207 section 4.2 asks.
 * {@link #DOWNGRADED} means TLS is gone and what follows on the channel is plaintext.
 */
public final class StartTlsEvent extends TlsCompletionEvent {
    /** TLS is on and the peer passed every check. */
    public static final StartTlsEvent UPGRADED = new StartTlsEvent(true);
    /** TLS is off; the channel is plaintext from here on. */
    public static final StartTlsEvent DOWNGRADED = new StartTlsEvent(false);

    private final boolean upgrade;

    private StartTlsEvent(boolean upgrade) {
        this.upgrade = upgrade;
    }

    private StartTlsEvent(boolean upgrade, TlsException cause) {
        super(cause);
        this.upgrade = upgrade;
    }

    /**
     * An upgrade that failed (refused by the peer, a failed handshake or check); the channel is closed.
     *
     * @param cause what failed
     * @return the event
     */
    public static StartTlsEvent upgradeFailed(TlsException cause) {
        return new StartTlsEvent(true, Objects.requireNonNull(cause, "cause"));
    }

    /**
     * A downgrade that failed (no close_notify in time, say).
     *
     * @param cause what failed
     * @return the event
     */
    public static StartTlsEvent downgradeFailed(TlsException cause) {
        return new StartTlsEvent(false, Objects.requireNonNull(cause, "cause"));
    }

    /** {@return whether this reports starting TLS (STARTTLS) rather than stopping it (STOPTLS, FTP's {@code CCC})} */
    public boolean isUpgrade() {
        return upgrade;
    }

    @Override
    public String toString() {
        return isSuccess() ? (upgrade ? "StartTlsEvent(UPGRADED)" : "StartTlsEvent(DOWNGRADED)")
                : "StartTlsEvent(" + (upgrade ? "upgrade" : "downgrade") + " failed: " + cause() + ")";
    }
}
