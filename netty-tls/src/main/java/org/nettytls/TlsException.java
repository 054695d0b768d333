package org.nettytls;

import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The one exception family of netty-tls. Every instance carries a stable {@link TlsErrorCode}
 * and a message that names what was expected and what was found.
 *
 * <p>It extends {@link SSLException} so that code which already handles Netty's TLS failures
 * keeps working. Failures that happen inside the TLS engine (a trust manager, for example)
 * reach the application wrapped in Netty's own exceptions; {@link #find(Throwable)} digs them out.
 */
public class TlsException extends SSLException {
    private static final long serialVersionUID = 1L;

    private final TlsErrorCode code;

    public TlsException(TlsErrorCode code, String message) {
        this(code, message, null);
    }

    public TlsException(TlsErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable code of this failure. */
    public TlsErrorCode code() {
        return code;
    }

    /** A configuration error that names the offending option (its IO::Socket::SSL name where there is one). */
    public static TlsException badConfiguration(String option, String problem) {
        return new TlsException(TlsErrorCode.BAD_CONFIGURATION, option + ": " + problem);
    }

    /** An input error that names the offending file or source. */
    public static TlsException badInput(String source, String problem, Throwable cause) {
        return new TlsException(TlsErrorCode.BAD_INPUT, source + ": " + problem, cause);
    }

    /** The first {@code TlsException} in the cause chain of {@code t}, or {@code null}. */
    public static TlsException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof TlsException) {
                return (TlsException) c;
            }
            for (Throwable s : c.getSuppressed()) {
                if (s instanceof TlsException) {
                    return (TlsException) s;
                }
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "TlsException[" + code.id() + "]: " + getMessage();
    }
}
