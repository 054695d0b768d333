package org.nettytls.verify;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.nettytls.cert.HeldCertificate;

/**
 * Checks {@link PkixWork}'s name-constraint estimate against what the JDK's PKIX validator really
 * costs: for chains shaped to make its merging of name constraints dear (unrelated permitted
 * lists, long names, many excluded subtrees, mixed types, wildcards, constraints in a leaf), the
 * estimate and the validator's thread CPU time (median after warm-up), and nanoseconds per
 * estimated unit. {@link PkixWork#MAX_NAME_WORK}'s Javadoc turns the largest figure here into
 * the most CPU the JDK's name-constraint work may cost a chain; rerun this after changing the
 * estimate or the JDK, and the budget's Javadoc if a shape costs more per unit.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.nettytls.verify.PkixWorkCalibration [WARMUP [OPS]]
 * </pre>
 */
public final class PkixWorkCalibration {
    private PkixWorkCalibration() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 9;
        HeldCertificate root = HeldCertificate.builder().subject("O=Calibration Root").certificateAuthority(5).build();
        Map<String, List<X509Certificate>> shapes = new LinkedHashMap<>();
        shapes.put("unrelated 170x85", twoCas(root, i -> "a" + i + ".example.com", 170, i -> "b" + i + ".example.com", 85));
        shapes.put("unrelated 128x127", twoCas(root, i -> "a" + i + ".example.com", 128, i -> "b" + i + ".example.com", 127));
        String pad = "q".repeat(60);
        shapes.put("long 170x85", twoCas(root, i -> pad + i + "." + pad + ".example.com", 170,
                i -> pad + "b" + i + "." + pad + ".example.com", 85));
        shapes.put("unrelated 40x40", twoCas(root, i -> "a" + i + ".example.com", 40, i -> "b" + i + ".example.org", 40));
        shapes.put("narrower 1x254", twoCas(root, i -> "example.com", 2, i -> "b" + i + ".example.com", 254));
        shapes.put("narrower 254x1", twoCas(root, i -> "a" + i + ".example.com", 254, i -> "example.com", 2));
        shapes.put("wider 170x85", twoCas(root, i -> "a" + i + ".x" + (i % 85) + ".example.com", 170,
                i -> "x" + i + ".example.com", 85));
        shapes.put("excluded 128+127", excluded(root));
        shapes.put("mixed types", mixed(root));
        shapes.put("IP 128x127", typed(root, "IP:10.%d.0.0/16", "IP:11.%d.0.0/16", "IP:12.0.0.0/8"));
        shapes.put("email 128x127", typed(root, "email:a%d.example.com", "email:b%d.example.com", "email:example.net"));
        shapes.put("URI 128x127", typed(root, "URI:.a%d.example.com", "URI:.b%d.example.com", "URI:.example.net"));
        shapes.put("DirName 128x127", typed(root, "DirName:O=A%d", "DirName:O=B%d", "DirName:O=Leaf"));
        shapes.put("leaf constraints", leafConstraints(root));
        shapes.put("wildcards", wildcards(root));
        shapes.put("same 128x128", same(root));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%-20s %12s %10s %10s %s%n", "shape", "estimate", "jdk ms", "ns/unit", "jdk verdict");
        for (Map.Entry<String, List<X509Certificate>> e : shapes.entrySet()) {
            // HeldCertificate.chain() stops below the root, which is the trust anchor here.
            List<X509Certificate> below = e.getValue();
            X509Certificate anchor = root.certificate();
            long estimate = PkixWork.nameWork(below, Long.MAX_VALUE, 0).work;
            String verdict = "";
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < warmup + ops; i++) {
                long start = threads.getCurrentThreadCpuTime();
                verdict = validate(below, anchor);
                if (i >= warmup) {
                    ms.add((threads.getCurrentThreadCpuTime() - start) / 1e6);
                }
            }
            ms.sort(null);
            double median = ms.get(ms.size() / 2);
            System.out.printf("%-20s %12d %10.2f %10.3f %s%n", e.getKey(), estimate, median,
                    estimate == 0 ? 0 : median * 1e6 / estimate, verdict);
        }
    }

    private static String validate(List<X509Certificate> below, X509Certificate anchor) {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(below);
            PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            params.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(certPath, params);
            return "valid";
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage());
            return e.getClass().getSimpleName() + ": " + m.substring(0, Math.min(60, m.length()));
        }
    }

    /**
     * {@code n} names; the last is the same in every list, since the JDK throws early (cheaply)
     * when two permitted lists of a type have nothing in common.
     */
    private static List<String> names(IntFunction<String> name, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            out.add(name.apply(i));
        }
        out.add("shared.example.com");
        return out;
    }

    private static List<X509Certificate> twoCas(HeldCertificate root, IntFunction<String> a, int na, IntFunction<String> b,
            int nb) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(1)
                .nameConstraints(names(a, na), List.of()).signedBy(root).build();
        HeldCertificate cb = HeldCertificate.builder().subject("O=Calibration B").certificateAuthority(0)
                .nameConstraints(names(b, nb), List.of()).signedBy(ca).build();
        return HeldCertificate.builder().subject("O=Leaf").ip("192.0.2.1").signedBy(cb).build().chain();
    }

    private static List<X509Certificate> excluded(HeldCertificate root) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(1)
                .nameConstraints(List.of(), names(i -> "a" + i + ".example.com", 128)).signedBy(root).build();
        HeldCertificate cb = HeldCertificate.builder().subject("O=Calibration B").certificateAuthority(0)
                .nameConstraints(List.of(), names(i -> "b" + i + ".example.com", 127)).signedBy(ca).build();
        HeldCertificate.Builder leaf = HeldCertificate.builder().commonName("leaf.example.net");
        for (String n : names(i -> "n" + i + ".example.net", 250)) {
            leaf.dns(n);
        }
        return leaf.signedBy(cb).build().chain();
    }

    private static List<X509Certificate> mixed(HeldCertificate root) throws Exception {
        HeldCertificate.Builder a = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(1);
        HeldCertificate.Builder b = HeldCertificate.builder().subject("O=Calibration B").certificateAuthority(0);
        for (int i = 0; i < 43; i++) {
            a.permittedSubtree("DNS:a" + i + ".example.com").permittedSubtree("IP:10." + i + ".0.0/16")
                    .permittedSubtree("email:a" + i + ".example.com").permittedSubtree("URI:.a" + i + ".example.com");
        }
        b.permittedSubtree("DNS:a0.example.com").permittedSubtree("IP:10.0.0.0/16")
                .permittedSubtree("email:a0.example.com").permittedSubtree("URI:.a0.example.com");
        for (int i = 0; i < 20; i++) {
            b.permittedSubtree("DNS:b" + i + ".example.com").permittedSubtree("IP:11." + i + ".0.0/16")
                    .permittedSubtree("email:b" + i + ".example.com").permittedSubtree("URI:.b" + i + ".example.com");
        }
        HeldCertificate ca = a.signedBy(root).build();
        HeldCertificate cb = b.signedBy(ca).build();
        return HeldCertificate.builder().subject("O=Leaf").signedBy(cb).build().chain();
    }

    /** Two CAs of 128 and 127 permitted subtrees of one type, unrelated but for the {@code shared} one. */
    private static List<X509Certificate> typed(HeldCertificate root, String a, String b, String shared) throws Exception {
        HeldCertificate.Builder ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(1);
        HeldCertificate.Builder cb = HeldCertificate.builder().subject("O=Calibration B").certificateAuthority(0);
        for (int i = 0; i < 127; i++) {
            ca.permittedSubtree(String.format(a, i));
            if (i < 126) {
                cb.permittedSubtree(String.format(b, i));
            }
        }
        ca.permittedSubtree(shared).permittedSubtree("DirName:O=Calibration B");
        cb.permittedSubtree(shared).permittedSubtree("DirName:O=Calibration B");
        HeldCertificate ia = ca.signedBy(root).build();
        HeldCertificate ib = cb.signedBy(ia).build();
        return HeldCertificate.builder().subject("O=Calibration B").signedBy(ib).build().chain();
    }

    private static List<X509Certificate> leafConstraints(HeldCertificate root) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(0)
                .nameConstraints(names(i -> "a" + i + ".example.com", 100), List.of()).signedBy(root).build();
        HeldCertificate.Builder leaf = HeldCertificate.builder().subject("O=Leaf").ip("192.0.2.1");
        for (String n : names(i -> "l" + i + ".example.com", 1500)) {
            leaf.permittedSubtree("DNS:" + n);
        }
        return leaf.signedBy(ca).build().chain();
    }

    private static List<X509Certificate> wildcards(HeldCertificate root) throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(0)
                .nameConstraints(List.of(), names(i -> "xn--bcher-kva.x" + i + ".example.com", 250)).signedBy(root).build();
        HeldCertificate.Builder leaf = HeldCertificate.builder().commonName("leaf.example.net");
        for (String n : names(i -> "*.xn--bcher-kva.w" + i + ".example.net", 250)) {
            leaf.dns(n);
        }
        return leaf.signedBy(ca).build().chain();
    }

    private static List<X509Certificate> same(HeldCertificate root) throws Exception {
        List<String> p = names(i -> "p" + i + ".example.com", 128);
        HeldCertificate ca = HeldCertificate.builder().subject("O=Calibration A").certificateAuthority(1)
                .nameConstraints(p, List.of()).signedBy(root).build();
        HeldCertificate cb = HeldCertificate.builder().subject("O=Calibration B").certificateAuthority(0)
                .nameConstraints(p, List.of()).signedBy(ca).build();
        HeldCertificate.Builder leaf = HeldCertificate.builder().commonName("leaf");
        for (String n : p) {
            leaf.dns(n);
        }
        return leaf.signedBy(cb).build().chain();
    }
}
