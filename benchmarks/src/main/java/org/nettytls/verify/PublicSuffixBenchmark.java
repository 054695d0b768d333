package org.nettytls.verify;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.nettytls.benchmarks.Jmh;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Public-suffix lookup in the built-in list: a name under a multi-label rule, one under a
 * wildcard/exception rule, one matching no rule, and an IDN name (converted to A-labels first).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(Jmh.FORKS)
@Warmup(iterations = Jmh.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = Jmh.MEASUREMENT_ITERATIONS, time = 1)
public class PublicSuffixBenchmark {
    @Param({"www.foo.bar.co.uk", "a.b.city.kawasaki.jp", "host.example.invalidtld", "www.bücher.example.de"})
    public String name;

    private PublicSuffix suffixes;

    @Setup
    public void setUp() {
        suffixes = PublicSuffix.builtIn();
    }

    @Benchmark
    public Optional<PublicSuffix.Split> registrableDomain() {
        return suffixes.publicSuffix(name, 1);
    }
}
