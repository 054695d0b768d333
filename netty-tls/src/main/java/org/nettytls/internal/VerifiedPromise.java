package org.nettytls.internal;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;

/**
 * Not API: the promise behind {@code TlsConnectionInfo.verifiedFuture}, one per handshake of a
 * channel, kept on the channel so that whoever asks first (the application before TLS is on, or
 * the install path) makes it, and what ends the handshake (the handler at the end of the install
 * path's stack, the SNI selector, a hostname verifier) settles it: with the connection info read at
 * that moment when someone is waiting, else with {@code null} (the info is read when asked).
 */
public final class VerifiedPromise {
    private static final AttributeKey<Promise<Object>> KEY = AttributeKey.valueOf(VerifiedPromise.class, "VERIFIED");

    private VerifiedPromise() {
    }

    /** The channel's promise for its current handshake, made if there is none. */
    public static Promise<Object> of(Channel channel) {
        Attribute<Promise<Object>> attr = channel.attr(KEY);
        Promise<Object> p = attr.get();
        if (p == null) {
            Promise<Object> made = newPromise(channel);
            p = attr.setIfAbsent(made);
            if (p == null) {
                p = made;
            }
        }
        return p;
    }

    /**
     * A new handshake begins on the channel: a promise the last one settled is replaced, so a
     * channel upgraded again after a STOPTLS gets a fresh one; an unsettled one (asked for before
     * TLS went on) is kept.
     */
    public static void renew(Channel channel) {
        Attribute<Promise<Object>> attr = channel.attr(KEY);
        Promise<Object> p = attr.get();
        if (p != null && p.isDone()) {
            attr.compareAndSet(p, newPromise(channel));
        }
    }

    /** Whether someone waits for the current handshake's verdict (so the connection info is worth reading now). */
    public static boolean waitedFor(Channel channel) {
        Promise<Object> p = channel.attr(KEY).get();
        return p != null && !p.isDone();
    }

    /** The peer passed every check; {@code info} is the connection info, or {@code null}. */
    public static void succeed(Channel channel, Object info) {
        of(channel).trySuccess(info);
    }

    /** The handshake or a check after it failed. */
    public static void fail(Channel channel, Throwable cause) {
        of(channel).tryFailure(cause);
    }

    private static Promise<Object> newPromise(Channel channel) {
        return channel.isRegistered() ? channel.eventLoop().newPromise() : ImmediateEventExecutor.INSTANCE.newPromise();
    }
}
