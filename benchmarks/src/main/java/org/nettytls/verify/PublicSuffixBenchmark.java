package org.nettytls.verify;

import java.util.Optional;
import org.nettytls.benchmarks.JmhDefaults;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Public-suffix lookup in the built-in list: a name under a multi-label rule, one under a
 * wildcard/exception rule, one matching no rule, and an IDN name (converted to A-labels first).
 */
public class PublicSuffixBenchmark extends JmhDefaults {
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
