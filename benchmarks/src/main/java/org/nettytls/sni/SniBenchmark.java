package org.nettytls.sni;

import java.util.concurrent.CompletionStage;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * SNI selection as {@link SniCertSelector} does it per connection ({@link SniMapping#lookup}) with
 * 10 and 10,000 configured names, for a name configured exactly and one only a wildcard covers.
 * Every name shares one context: what is measured is the lookup, not building 10,000 contexts.
 */
public class SniBenchmark extends JmhDefaults {
    @Param({"10", "10000"})
    public int names;

    @Param({"exact", "wildcard"})
    public String match;

    private SniMapping mapping;
    private String asked;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate cert = HeldCertificate.builder().commonName("bench").dns("*.example.org").ec("secp256r1").build();
        TlsServerContext context = TlsServerContext.create(TlsServerOptions.builder().certificate(cert.keyMaterial()).build());
        SniMapping.Builder b = SniMapping.builder();
        for (int i = 0; i < names; i++) {
            // Half exact names, half wildcards, as a multi-tenant front end would have.
            b.add(i % 2 == 0 ? "host" + i + ".example.org" : "*.zone" + i + ".example.org", context);
        }
        b.addDefault(context);
        mapping = b.build();
        int middle = (names / 2) & ~1;
        asked = match.equals("exact") ? "Host" + middle + ".Example.org" : "www.zone" + (middle + 1) + ".example.org";
    }

    @Benchmark
    public CompletionStage<TlsServerContext> lookup() {
        return mapping.lookup(asked);
    }
}
