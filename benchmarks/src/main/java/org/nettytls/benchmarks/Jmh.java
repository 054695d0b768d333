package org.nettytls.benchmarks;

/**
 * The settings every JMH benchmark here shares, in one place: short enough that the whole set
 * runs in a few minutes on a 2-core machine, long enough for C2 to have compiled the code measured.
 * Each benchmark class carries them as annotations; this class only documents the choice.
 *
 * <p>One fork (a fresh JVM per benchmark), 3 warm-up and 5 measured iterations of 1 second each.
 * Run them with {@code benchmarks/run-jmh.sh}, which adds {@code -prof gc} for the allocation per
 * operation ({@code gc.alloc.rate.norm}, bytes per op).
 */
public final class Jmh {
    public static final int FORKS = 1;
    public static final int WARMUP_ITERATIONS = 3;
    public static final int MEASUREMENT_ITERATIONS = 5;

    private Jmh() {
    }
}
