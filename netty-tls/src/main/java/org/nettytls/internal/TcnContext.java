package org.nettytls.internal;

import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import java.lang.reflect.Field;

/**
 * Not API: the handle tcnative's {@code io.netty.internal.tcnative.SSLContext} functions take for a
 * Netty OpenSSL context. Netty's public {@code sslCtxPointer()} is BoringSSL's {@code SSL_CTX*},
 * which those functions must not be given (they expect tcnative's own context structure, which
 * holds the Java callbacks); Netty keeps that handle in a protected field, read here once per
 * context, right after it is built and before any connection uses it.
 */
public final class TcnContext {
    private static final Field CTX;

    static {
        try {
            CTX = ReferenceCountedOpenSslContext.class.getDeclaredField("ctx");
            CTX.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("this Netty version hides its tcnative context handle: " + e);
        }
    }

    private TcnContext() {
    }

    /** The tcnative handle of {@code context}, which must be a Netty OpenSSL context that is not yet released. */
    public static long handle(SslContext context, String purpose) {
        if (!(context instanceof ReferenceCountedOpenSslContext)) {
            throw new IllegalArgumentException(purpose + " needs a Netty OpenSSL context, not " + context.getClass().getName());
        }
        try {
            long h = CTX.getLong(context);
            if (h == 0) {
                throw new IllegalStateException(purpose + ": the context is already released");
            }
            return h;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(purpose + ": cannot read the tcnative context handle", e);
        }
    }
}
