package org.nettytls.verify.internal;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PeerContext;
import org.nettytls.verify.PublicSuffix;

/**
 * Judges a chain exactly as the handshake does ({@link PeerJudge} with a fresh memory, as
 * {@link TlsTrustManager} calls it), for the path-validation tests of this package.
 */
final class Verdicts {
    private Verdicts() {
    }

    /** A verification trusting {@code roots} that checks the server's name {@code name} under scheme {@code default}. */
    static PeerVerification.Builder trusting(String name, HeldCertificate... roots) throws TlsException {
        X509Certificate[] certs = new X509Certificate[roots.length];
        for (int i = 0; i < roots.length; i++) {
            certs[i] = roots[i].certificate();
        }
        PeerVerification.Builder b = PeerVerification.builder().trust(CaStore.of(certs)).enforce(true);
        if (name != null) {
            b.checkName(HostnameScheme.DEFAULT, name, PublicSuffix.builtIn());
        }
        return b;
    }

    static TlsException judge(PeerVerification v, List<X509Certificate> chain) {
        return judge(v, chain, v.clock().instant());
    }

    static TlsException judge(PeerVerification v, List<X509Certificate> chain, Instant now) {
        PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(chain, null, true), now, true,
                new ChainMemory(ChainMemory.DEFAULT_SIZE));
        return r == null ? null : r.exception;
    }

    static void accepted(PeerVerification v, List<X509Certificate> chain) {
        TlsException e = judge(v, chain);
        assertNull(e, () -> "expected the chain to be accepted: " + e);
    }

    /** Asserts a refusal with {@code code} whose message holds every one of {@code words}; returns it. */
    static TlsException refused(PeerVerification v, List<X509Certificate> chain, TlsErrorCode code, String... words) {
        TlsException e = judge(v, chain);
        assertNotNull(e, "expected the chain to be refused with " + code);
        assertEquals(code, e.code(), e::toString);
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), () -> "the message should contain '" + w + "': " + e.getMessage());
        }
        return e;
    }

    /**
     * The JDK's own PKIX verdict on {@code leaf}'s chain under {@code root}, revocation off, as the
     * second opinion asks it: {@code null} when it accepts, else what it threw.
     */
    static Throwable jdkVerdict(HeldCertificate leaf, HeldCertificate root) {
        try {
            java.security.cert.CertPath path = java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertPath(leaf.chain());
            java.security.cert.PKIXParameters p = new java.security.cert.PKIXParameters(
                    java.util.Set.of(new java.security.cert.TrustAnchor(root.certificate(), null)));
            p.setRevocationEnabled(false);
            java.security.cert.CertPathValidator.getInstance("PKIX").validate(path, p);
            return null;
        } catch (Exception | Error e) {
            return e;
        }
    }
}
