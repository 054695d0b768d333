package org.nettytls.ocsp;

import java.security.cert.X509Certificate;
import org.nettytls.benchmarks.GoodResponse;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The client's staple check per full handshake ({@link OcspStapleCheck#judge}): with the
 * verified answer already in the cache (hit) and with a cache that never holds it (miss), for a
 * handshake that carried a staple and one that carried none.
 */
public class OcspStapleBenchmark extends JmhDefaults {
    @Param({"hit", "miss"})
    public String cache;

    @Param({"true", "false"})
    public boolean stapled;

    private OcspClientConfig config;
    private X509Certificate leaf;
    private X509Certificate issuer;
    private byte[] staple;

    /** Forgets everything: every lookup misses. */
    private static final class NoCache implements OcspCache {
        @Override
        public OcspStatus get(String key) {
            return null;
        }

        @Override
        public void put(String key, OcspStatus status) {
        }
    }

    @Setup
    public void setUp() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Bench CA").certificateAuthority(0).ec("secp256r1").build();
        HeldCertificate server = HeldCertificate.builder().commonName("www.example.org").dns("www.example.org")
                .ec("secp256r1").ocspUrl("http://127.0.0.1:9/").signedBy(ca).build();
        leaf = server.certificate();
        issuer = ca.certificate();
        byte[] response = GoodResponse.of(leaf, ca);
        config = OcspClientConfig.builder().cache(cache.equals("hit") ? OcspCache.inMemory(1000) : new NoCache()).build();
        OcspStatus first = judge(response);
        if (!first.isGood()) {
            throw new IllegalStateException("the benchmark's response does not verify: " + first);
        }
        staple = stapled ? response : null;
    }

    private OcspStatus judge(byte[] response) {
        return OcspStapleCheck.judge(config, leaf, issuer, "www.example.org", response);
    }

    @Benchmark
    public OcspStatus check() {
        return judge(staple);
    }
}
