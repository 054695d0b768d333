package org.nettytls.cert;

import org.nettytls.annotation.Spi;

/**
 * Supplies the password of an encrypted private key or PKCS#12 file: IO::Socket::SSL's
 * {@code SSL_passwd_cb}.
 *
 * <p>The loader calls it only when it meets something encrypted, at most once per file, and
 * zeroes the returned array when it is done with it; return a fresh array each time.
 */
@Spi
@FunctionalInterface
public interface PasswordCallback {
    /**
     * The password for {@code source}, the file (or in-memory source name) being read, so that a
     * prompt can name it; {@code null} when there is none to give.
     *
     * @param source the file or source being read
     * @return the password, or {@code null}
     */
    char[] password(String source);

    /**
     * A callback that always answers {@code password} (a fresh copy each time).
     *
     * @param password the password
     * @return the callback
     */
    static PasswordCallback of(String password) {
        java.util.Objects.requireNonNull(password, "password");
        return source -> password.toCharArray();
    }
}
