package org.nettytls.verify;

import java.util.Objects;
import org.nettytls.error.TlsException;

/**
 * What verification concluded about a peer, kept on its TLS session so that the connection
 * info can report it and a resumed session keeps it.
 */
public final class PeerVerdict {
    /** The session value name under which the verdict is stored. */
    public static final String SESSION_KEY = "org.nettytls.verify.PeerVerdict";

    private final boolean verified;
    private final TlsException failure;

    private PeerVerdict(boolean verified, TlsException failure) {
        this.verified = verified;
        this.failure = failure;
    }

    /** {@return a peer that passed every check (netty-tls records these on the session)} */
    public static PeerVerdict verified() {
        return new PeerVerdict(true, null);
    }

    /**
     * A peer that failed {@code failure} but was accepted anyway, as verification was off.
     *
     * @param failure why verification would have refused the peer
     * @return the verdict
     */
    public static PeerVerdict failed(TlsException failure) {
        return new PeerVerdict(false, Objects.requireNonNull(failure, "failure"));
    }

    /** {@return whether the peer passed every check} */
    public boolean isVerified() {
        return verified;
    }

    /**
     * {@return why it did not, or {@code null}} A connection can only carry a failed verdict when verification was
     * switched off ({@code SSL_verify_mode} NONE): then it says what would have failed.
     */
    public TlsException failure() {
        return failure;
    }

    @Override
    public String toString() {
        return verified ? "verified" : "not verified: " + failure.getMessage() + " [" + failure.code().id() + "]";
    }
}
