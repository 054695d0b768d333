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

/**
 * The verification time of hostile chains (issue #15, item 4), in milliseconds per chain: what one
 * handshake costs the client's trust manager when a server sends them. {@code names}: a leaf with
 * 2,048 dNSNames under an intermediate with 2,049 excluded DNS subtrees, the shape that took 0.6 to
 * 4.6 s before name constraints had a budget. {@code underLimits}: the costliest chain that is
 * still checked in full and accepted, two name-constrained intermediates of 128 permitted subtrees
 * each over a leaf with 128 names, where the JDK's PKIX second opinion merges the constraints too.
 * {@code mergeEightPaths} (second review): eight same-key copies of an intermediate with 85
 * permitted subtrees under one with 170, sharing one, over a leaf with an address only: eight
 * paths pass this validator's checks and each makes the JDK merge the constraints
 * (GeneralSubtrees.intersect, quadratic in the first list) and then refuse; since {@link PkixWork}
 * each path is refused before the JDK is asked. {@code nameBudget}: the same shape with 100-character
 * names, sized so that each path is estimated just within {@link PkixWork#MAX_NAME_WORK}: the JDK
 * merges the first and refuses it, and the seven others are refused unasked. {@code policyTree}:
 * four CAs mapping each of 8 policies onto all 8 of the next, refused before the JDK builds its
 * policy tree. Each operation hands over new certificate objects, as Netty's engine does. With
 * {@code memory=fresh} each operation has a new trust manager, so no PKIX verdict is remembered;
 * with {@code kept}, {@code underLimits} measures a remembered verdict after the first operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class HostileChainBenchmark extends JmhDefaults {
    @Param({"names", "underLimits", "mergeEightPaths", "nameBudget", "policyTree"})
    public String chain;

    @Param({"kept", "fresh"})
    public String memory;

    private TlsTrustManager trustManager;
    private PeerVerification verification;
    private byte[][] der;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate root = HeldCertificate.builder().subject("O=Bench Root").certificateAuthority(5).build();
        HeldCertificate leaf;
        List<X509Certificate> sent = null;
        if (chain.equals("mergeEightPaths") || chain.equals("nameBudget")) {
            java.security.KeyPair key = HeldCertificate.builder().build().keyPair();
            String suffix = chain.equals("nameBudget") ? "." + "q".repeat(40) + ".example.com" : ".example.com";
            int n = chain.equals("nameBudget") ? withinBudget(root, key, suffix) : 169;
            HeldCertificate a = upper(root, n, suffix);
            sent = new ArrayList<>();
            HeldCertificate first = null;
            for (int i = 0; i < 8; i++) {
                HeldCertificate b = lower(a, key, n, i, suffix);
                first = first == null ? b : first;
                sent.add(b.certificate());
            }
            leaf = HeldCertificate.builder().commonName("leaf").ip("192.0.2.1").signedBy(first).build();
            sent.add(0, leaf.certificate());
            sent.add(a.certificate());
        } else if (chain.equals("policyTree")) {
            HeldCertificate issuer = root;
            for (int l = 0; l < 4; l++) {
                issuer = HeldCertificate.builder().subject("O=Bench Policy CA " + l).certificateAuthority(3 - l)
                        .addExtension("2.5.29.32", false, policies(l % 2, 8))
                        .addExtension("2.5.29.33", false, mappings(l % 2, (l + 1) % 2, 8)).signedBy(issuer).build();
            }
            leaf = HeldCertificate.builder().commonName("p0.example.com").dns("p0.example.com")
                    .addExtension("2.5.29.32", false, policies(0, 8)).signedBy(issuer).build();
        } else if (chain.equals("names")) {
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
        List<X509Certificate> certs = sent != null ? sent : leaf.chain();
        der = new byte[certs.size()][];
        for (int i = 0; i < der.length; i++) {
            der[i] = certs.get(i).getEncoded();
        }
        verification = PeerVerification.builder().trust(CaStore.of(root.certificate())).enforce(true)
                .checkName(HostnameScheme.named("http"), sent != null ? "192.0.2.1" : "p0.example.com",
                        PublicSuffix.builtIn()).build();
        trustManager = new TlsTrustManager(verification, List.of());
    }

    private static HeldCertificate upper(HeldCertificate root, int n, String suffix) throws Exception {
        return HeldCertificate.builder().subject("O=Bench A").certificateAuthority(1)
                .nameConstraints(withShared(names("a", n, suffix)), List.of()).signedBy(root).build();
    }

    private static HeldCertificate lower(HeldCertificate a, java.security.KeyPair key, int n, int copy, String suffix)
            throws Exception {
        return HeldCertificate.builder().subject("O=Bench B").keyPair(key).certificateAuthority(0)
                .nameConstraints(withShared(names("b" + copy + "x", n / 2, suffix)), List.of()).signedBy(a).build();
    }

    /** The largest {@code n} (subtrees of the upper CA) whose path is estimated within the budget. */
    private static int withinBudget(HeldCertificate root, java.security.KeyPair key, String suffix) throws Exception {
        int lo = 2;
        int hi = 168;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            HeldCertificate b = lower(upper(root, mid, suffix), key, mid, 0, suffix);
            List<X509Certificate> below = HeldCertificate.builder().commonName("leaf").ip("192.0.2.1").signedBy(b).build()
                    .chain();
            if (PkixWork.nameWork(below, Long.MAX_VALUE, 0).work <= PkixWork.MAX_NAME_WORK) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static List<String> withShared(List<String> names) {
        List<String> out = new ArrayList<>(names);
        out.add("shared.example.com");
        return out;
    }

    private static byte[] policies(int arc, int n) throws java.io.IOException {
        org.bouncycastle.asn1.x509.PolicyInformation[] p = new org.bouncycastle.asn1.x509.PolicyInformation[n];
        for (int i = 0; i < n; i++) {
            p[i] = new org.bouncycastle.asn1.x509.PolicyInformation(
                    new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.55555." + arc + "." + i));
        }
        return new org.bouncycastle.asn1.x509.CertificatePolicies(p).getEncoded();
    }

    /** Each of the {@code n} policies of arc {@code from} mapped onto all {@code n} of arc {@code to}. */
    private static byte[] mappings(int from, int to, int n) throws java.io.IOException {
        org.bouncycastle.asn1.x509.CertPolicyId[] a = new org.bouncycastle.asn1.x509.CertPolicyId[n * n];
        org.bouncycastle.asn1.x509.CertPolicyId[] b = new org.bouncycastle.asn1.x509.CertPolicyId[n * n];
        for (int i = 0; i < n * n; i++) {
            a[i] = org.bouncycastle.asn1.x509.CertPolicyId.getInstance(
                    new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.55555." + from + "." + i / n));
            b[i] = org.bouncycastle.asn1.x509.CertPolicyId.getInstance(
                    new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.55555." + to + "." + i % n));
        }
        return new org.bouncycastle.asn1.x509.PolicyMappings(a, b).getEncoded();
    }

    private static List<String> names(String prefix, int n) {
        return names(prefix, n, ".example.com");
    }

    private static List<String> names(String prefix, int n, String suffix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i + suffix);
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
        TlsTrustManager tm = memory.equals("fresh") ? new TlsTrustManager(verification, List.of()) : trustManager;
        try {
            tm.checkServerTrusted(received, "ECDHE_ECDSA");
            return true;
        } catch (CertificateException refused) {
            return false;
        }
    }
}
