package org.nettytls.error;

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

    /** The stable code, never {@code null}; serialized with the exception. */
    private final TlsErrorCode code;

    /**
     * An exception with a stable code and a message that says what was expected and what was found.
     *
     * @param code the stable code
     * @param message the message
     */
    public TlsException(TlsErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * An exception with a stable code, a message that says what was expected and what was found, and its
     * cause.
     *
     * @param code the stable code
     * @param message the message
     * @param cause the underlying failure
     */
    public TlsException(TlsErrorCode code, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** {@return the stable code of this failure} */
    public TlsErrorCode code() {
        return code;
    }

    /**
     * A configuration error that names the offending option (its IO::Socket::SSL name where there is one).
     *
     * @param option the option's name
     * @param problem what is wrong with it
     * @return a {@code BAD_CONFIGURATION} exception
     */
    public static TlsException badConfiguration(String option, String problem) {
        return new TlsException(TlsErrorCode.BAD_CONFIGURATION, option + ": " + problem);
    }

    /**
     * An input error that names the offending file or source.
     *
     * @param source the file or source's name
     * @param problem what is wrong with it
     * @param cause the underlying failure, or {@code null}
     * @return a {@code BAD_INPUT} exception
     */
    public static TlsException badInput(String source, String problem, Throwable cause) {
        return new TlsException(TlsErrorCode.BAD_INPUT, source + ": " + problem, cause);
    }

    /**
     * The first {@code TlsException} in the cause chain of {@code t}, or {@code null}.
     *
     * @param t any throwable
     * @return the exception, or {@code null}
     */
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

    /** What Netty prints for a BoringSSL failure with no error queued (error code 0). */
    private static final String NO_ERROR_CODE = "error:00000000:invalid library (0):OPENSSL_internal:invalid library (0)";

    /**
     * The {@code TlsException} that explains {@code t}: the one in its cause chain if there is
     * one (a trust manager's refusal, say), or else a new one whose code is read from Netty's
     * and BoringSSL's failure (timeout, not TLS at all, no shared protocol or cipher, an alert
     * from the peer, a broken connection). Never {@code null}.
     *
     * @param t any failure of a TLS connection
     * @return the exception that explains it, never {@code null}
     */
    public static TlsException classify(Throwable t) {
        TlsException found = find(t);
        if (found != null) {
            return found;
        }
        String text = describe(t);
        if (text.contains(NO_ERROR_CODE)) {
            // BoringSSL sends some alerts (a malformed server_name extension) without queuing an
            // error, and Netty then prints error code 0 as "invalid library".
            text = text.replace(NO_ERROR_CODE, "BoringSSL refused the handshake without an error code");
        }
        String upper = text.toUpperCase(java.util.Locale.ROOT);
        TlsErrorCode code;
        if (hasCause(t, io.netty.handler.ssl.SslHandshakeTimeoutException.class)) {
            code = TlsErrorCode.HANDSHAKE_TIMEOUT;
        } else if (hasCause(t, io.netty.handler.ssl.NotSslRecordException.class) || upper.contains("WRONG_VERSION_NUMBER")
                || upper.contains("HTTP_REQUEST")) {
            code = TlsErrorCode.PLAINTEXT_ON_TLS_PORT;
        } else if (upper.contains("NO_SHARED_CIPHER") || upper.contains("NO_CIPHERS_AVAILABLE")
                || upper.contains("HANDSHAKE_FAILURE_ON_CLIENT_HELLO") || upper.contains("NO_CIPHER_MATCH")) {
            code = TlsErrorCode.NO_SHARED_CIPHER;
        } else if (upper.contains("UNSUPPORTED_PROTOCOL") || upper.contains("PROTOCOL_VERSION")
                || upper.contains("NO_SUPPORTED_VERSIONS")) {
            code = TlsErrorCode.NO_SHARED_PROTOCOL;
        } else if (upper.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || upper.contains("CERTIFICATE_REQUIRED")) {
            code = TlsErrorCode.PEER_CERT_MISSING;
        } else if (upper.contains("ALERT")) {
            code = TlsErrorCode.PEER_ALERT;
        } else if (hasCause(t, java.nio.channels.ClosedChannelException.class)
                || hasCause(t, java.net.SocketException.class) || upper.contains("CLOSED")
                // A name that does not resolve never reached TLS: Bootstrap.connect fails with
                // these before any byte is sent.
                || hasCause(t, java.net.UnknownHostException.class)
                || hasCause(t, java.nio.channels.UnresolvedAddressException.class)) {
            code = TlsErrorCode.CONNECTION_FAILED;
        } else {
            code = TlsErrorCode.HANDSHAKE_FAILED;
        }
        return new TlsException(code, text, t);
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** The messages of the cause chain, most specific last, without repeats. */
    private static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
            if (sb.indexOf(m) < 0) {
                if (sb.length() > 0) {
                    sb.append(": ");
                }
                sb.append(m);
            }
        }
        return sb.length() == 0 ? t.getClass().getName() : sb.toString();
    }

    @Override
    public String toString() {
        return "TlsException[" + code.id() + "]: " + getMessage();
    }
}
