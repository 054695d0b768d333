package org.nettytls.verify;

import io.netty.handler.ssl.util.LazyX509Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.nettytls.verify.internal.TlsTrustManager;
import org.nettytls.verify.internal.PeerVerification;

/**
 * The client's own share of a handshake: {@link TlsTrustManager#checkServerTrusted} on an ECDSA
 * P-256 chain, with the hostname checked under scheme {@code http}, as the load harness's client
 * stack runs it on every full handshake and every resumption (a resumed session re-runs every
 * check). {@code direct}: the leaf signed by the trusted CA, as in the load harness;
 * {@code intermediate}: leaf, intermediate, trusted root. The same trust manager sees the same
 * chain bytes every time, as a client reconnecting to one server does, in new certificate objects
 * each time, as Netty's OpenSSL engine hands them over ({@link LazyX509Certificate}): the JDK's
 * certificate remembers its last verified key, so reused objects would hide the signature checks.
 */
public class TrustManagerBenchmark extends JmhDefaults {
    private TlsTrustManager direct;
    private byte[][] directChain;
    private TlsTrustManager viaIntermediate;
    private byte[][] intermediateChain;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Bench CA").certificateAuthority(1)
                .ec("secp256r1").build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("www.example.com").dns("www.example.com")
                .ec("secp256r1").signedBy(ca).build();
        HeldCertificate issuing = HeldCertificate.builder().commonName("Bench Issuing CA").certificateAuthority(0)
                .ec("secp256r1").signedBy(ca).build();
        HeldCertificate leaf2 = HeldCertificate.builder().commonName("www.example.com").dns("www.example.com")
                .ec("secp256r1").signedBy(issuing).build();
        direct = trustManager(ca);
        directChain = encoded(leaf.chain());
        viaIntermediate = trustManager(ca);
        intermediateChain = encoded(leaf2.chain());
    }

    private static byte[][] encoded(List<X509Certificate> chain) throws Exception {
        byte[][] der = new byte[chain.size()][];
        for (int i = 0; i < der.length; i++) {
            der[i] = chain.get(i).getEncoded();
        }
        return der;
    }

    private static X509Certificate[] received(byte[][] der) {
        X509Certificate[] chain = new X509Certificate[der.length];
        for (int i = 0; i < der.length; i++) {
            chain[i] = new LazyX509Certificate(der[i]);
        }
        return chain;
    }

    private static TlsTrustManager trustManager(HeldCertificate ca) throws Exception {
        PeerVerification v = PeerVerification.builder().trust(CaStore.of(ca.certificate())).enforce(true)
                .checkName(HostnameScheme.named("http"), "www.example.com", PublicSuffix.builtIn()).build();
        return new TlsTrustManager(v, List.of());
    }

    @Benchmark
    public X509Certificate[] direct() throws Exception {
        X509Certificate[] chain = received(directChain);
        direct.checkServerTrusted(chain, "ECDHE_ECDSA");
        return chain;
    }

    @Benchmark
    public X509Certificate[] intermediate() throws Exception {
        X509Certificate[] chain = received(intermediateChain);
        viaIntermediate.checkServerTrusted(chain, "ECDHE_ECDSA");
        return chain;
    }
}
