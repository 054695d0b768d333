package org.nettytls.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The settings every JMH benchmark here shares (JMH reads them from the superclass): throughput in
 * ops/s, one fork (a fresh JVM per benchmark), 3 warm-up and 5 measured iterations of 1 second:
 * short enough that the whole set runs in a few minutes on a 2-core machine, long enough for C2 to
 * have compiled the code measured. Run them with {@code benchmarks/run-jmh.sh}, which adds
 * {@code -prof gc} for the allocation per operation ({@code gc.alloc.rate.norm}, bytes per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public abstract class JmhDefaults {
}
