package org.nettytls.verify;

import io.netty.handler.ssl.util.LazyX509Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.nettytls.verify.internal.TlsTrustManager;
import org.nettytls.verify.internal.PeerVerification;

/**
 * The verification time of hostile chains (issue #15, item 4), in milliseconds per chain: what one
 * handshake costs the client's trust manager when a server sends them. {@code names}: a leaf with
 * 2,048 dNSNames under an intermediate with 2,049 excluded DNS subtrees, the shape that took 0.6 to
 * 4.6 s before name constraints had a budget. {@code underLimits}: the costliest chain that is
 * still checked in full and accepted, two name-constrained intermediates of 128 permitted subtrees
 * each over a leaf with 128 names, where the JDK's PKIX second opinion merges the constraints too.
 * Each operation hands over new certificate objects, as Netty's engine does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HostileChainBenchmark extends JmhDefaults {
    @Param({"names", "underLimits"})
    public String chain;

    private TlsTrustManager trustManager;
    private byte[][] der;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Bench Root").certificateAuthority(2).build();
        HeldCertificate leaf;
        if (chain.equals("names")) {
            HeldCertificate ca = HeldCertificate.builder().subject("O=Bench Constrained").certificateAuthority(0)
                    .nameConstraints(List.of(), names("x", 2049)).signedBy(root).build();
            HeldCertificate.Builder b = HeldCertificate.builder().commonName("leaf");
            for (String n : names("p", 2048)) {
                b.dns(n);
            }
            leaf = b.signedBy(ca).build();
        } else {
            HeldCertificate a = HeldCertificate.builder().subject("O=Bench A").certificateAuthority(1)
                    .nameConstraints(names("p", 128), List.of()).signedBy(root).build();
            HeldCertificate ca = HeldCertificate.builder().subject("O=Bench B").certificateAuthority(0)
                    .nameConstraints(names("p", 128), List.of()).signedBy(a).build();
            HeldCertificate.Builder b = HeldCertificate.builder().commonName("leaf");
            for (String n : names("p", 128)) {
                b.dns(n);
            }
            leaf = b.signedBy(ca).build();
        }
        der = new byte[leaf.chain().size()][];
        for (int i = 0; i < der.length; i++) {
            der[i] = leaf.chain().get(i).getEncoded();
        }
        PeerVerification v = PeerVerification.builder().trust(CaStore.of(root.certificate())).enforce(true)
                .checkName(HostnameScheme.named("http"), "p0.example.com", PublicSuffix.builtIn()).build();
        trustManager = new TlsTrustManager(v, List.of());
    }

    private static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i + ".example.com");
        }
        return out;
    }

    /** Returns whether the chain was accepted; refusal is the expected outcome for {@code names}. */
    @Benchmark
    public boolean verify() {
        X509Certificate[] received = new X509Certificate[der.length];
        for (int i = 0; i < der.length; i++) {
            received[i] = new LazyX509Certificate(der[i]);
        }
        try {
            trustManager.checkServerTrusted(received, "ECDHE_ECDSA");
            return true;
        } catch (CertificateException refused) {
            return false;
        }
    }
}
