package org.nettytls.internal;

import io.netty.util.AttributeKey;

/**
 * When TLS began on a channel, in {@code System.nanoTime()}, for handlers that put TLS on later
 * than the channel opened ({@code SniCertSelector} reads the ClientHello first): the observed
 * handshake's duration starts there.
 */
public final class HandshakeStart {
    public static final AttributeKey<Long> KEY = AttributeKey.valueOf(HandshakeStart.class, "START");

    private HandshakeStart() {
    }
}
