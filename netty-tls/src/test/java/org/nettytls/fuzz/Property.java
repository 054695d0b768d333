package org.nettytls.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A property checked on generated inputs: the small runner behind the parsers' property tests.
 *
 * <p>Each try gets an input from a {@link Gen} seeded from one run seed, runs on a worker thread
 * with a deadline (a try that does not finish is a hang, reported with its input), and may have its
 * heap allocation bounded by a function of its input (measured with the JVM's per-thread allocation
 * counter, not by time). A failure names the property, the try, the run seed and the input, so that
 * {@code -Dnetty-tls.fuzz.seed=SEED} replays the same run; inputs that once failed are kept as plain
 * {@code @Test} examples beside the property.
 *
 * <p>{@code -Dnetty-tls.fuzz.tries-factor=F} multiplies every property's tries (longer local runs).
 */
public final class Property<T> {
    /** One run seed for the JVM, printed with every failure. */
    public static final long RUN_SEED = Long.getLong("netty-tls.fuzz.seed", new SecureRandom().nextLong());
    private static final double TRIES_FACTOR = Double.parseDouble(System.getProperty("netty-tls.fuzz.tries-factor", "1"));
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(20);

    /** Makes one input from a random source; must depend on nothing else, so a seed replays it. */
    @FunctionalInterface
    public interface Gen<T> {
        T next(Random random);
    }

    /** The property: returns normally when it holds, throws (an AssertionError, typically) when not. */
    @FunctionalInterface
    public interface Check<T> {
        void verify(T input) throws Exception;
    }

    private final String name;
    private final Gen<T> gen;
    private int tries = 100;
    private Duration deadline = DEFAULT_DEADLINE;
    private Function<T, String> show = String::valueOf;
    private ToLongFunction<T> maxAllocation;

    private Property(String name, Gen<T> gen) {
        this.name = Objects.requireNonNull(name, "name");
        this.gen = Objects.requireNonNull(gen, "gen");
    }

    public static <T> Property<T> forAll(String name, Gen<T> gen) {
        return new Property<>(name, gen);
    }

    public Property<T> tries(int tries) {
        this.tries = tries;
        return this;
    }

    /** How long one try may take before it counts as a hang (generous: 2 shared cores). */
    public Property<T> deadline(Duration deadline) {
        this.deadline = deadline;
        return this;
    }

    /** How an input is written in a failure message (bytes: {@link Bytes#show}). */
    public Property<T> show(Function<T, String> show) {
        this.show = show;
        return this;
    }

    /** The most heap bytes one try may allocate, as a function of its input. */
    public Property<T> maxAllocation(ToLongFunction<T> bound) {
        this.maxAllocation = bound;
        return this;
    }

    /**
     * Runs the tries; fails the calling test at the first try where {@code check} does not hold.
     * How many tries ran, and whether one failed, goes to the {@link TriesReport} of the caller's class.
     */
    public void check(Check<T> check) {
        Class<?> caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        int n = Math.max(1, (int) Math.round(tries * TRIES_FACTOR));
        int ran = 0;
        boolean held = false;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "property " + name);
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < n; i++) {
                ran = i + 1;
                T input = gen.next(new Random(trySeed(i)));
                Future<Long> run = worker.submit(() -> runOnce(check, input));
                long allocated;
                try {
                    allocated = run.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    run.cancel(true);
                    fail(header(i) + " did not finish within " + deadline.toSeconds() + " s (a hang); input: " + show.apply(input));
                    return;
                } catch (ExecutionException e) {
                    throw new AssertionError(header(i) + " failed: " + e.getCause() + "\ninput: " + show.apply(input), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
                if (maxAllocation != null && allocated > maxAllocation.applyAsLong(input)) {
                    fail(header(i) + " allocated " + allocated + " bytes, more than the bound of "
                            + maxAllocation.applyAsLong(input) + "; input: " + show.apply(input));
                }
            }
            held = true;
        } finally {
            worker.shutdownNow();
            TriesReport.record(caller, name, ran, !held);
        }
    }

    private long trySeed(int i) {
        long h = RUN_SEED ^ (name.hashCode() * 0x9E3779B97F4A7C15L);
        return h + i * 0xBF58476D1CE4E5B9L;
    }

    private String header(int i) {
        return "property '" + name + "', try " + (i + 1) + " (reproduce with -Dnetty-tls.fuzz.seed=" + RUN_SEED + ")";
    }

    private static <T> long runOnce(Check<T> check, T input) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        check.verify(input);
        return threads.getCurrentThreadAllocatedBytes() - before;
    }
}
