package org.nettytls.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How long a test waits for something that must happen: a peer starting to listen, a handshake,
 * a close, a timeout firing. Waiting for an event costs nothing when it comes, so the bound is
 * generous: it only decides how long a broken build takes to say so, and a loaded CI machine (two
 * cores shared with other builds) must never reach it. Tests assert what happened (codes,
 * messages, bytes), not how fast.
 */
public final class Await {
    /** The bound on waiting for any one event. */
    public static final Duration EVENT = Duration.ofSeconds(60);

    private Await() {
    }

    /** Polls {@code done} until it is true, failing with {@code what} (evaluated then) after {@link #EVENT}. */
    public static void until(BooleanSupplier done, Supplier<String> what) {
        long deadline = System.nanoTime() + EVENT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + EVENT.toSeconds() + " s: " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }
}
