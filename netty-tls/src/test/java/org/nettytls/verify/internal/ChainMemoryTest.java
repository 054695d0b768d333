package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.Certificate;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;

/**
 * The {@link ChainMemory} of a {@link TlsTrustManager} remembers only what no clock and no other
 * bytes change; each test first lets a genuine chain pass (so that the facts are remembered) and
 * then attacks the memory with what must still fail.
 */
class ChainMemoryTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    /** A clock the test moves. */
    private static final class MovableClock extends Clock {
        Instant now = NOW;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static PeerVerification.Builder trusting(HeldCertificate... roots) {
        X509Certificate[] certs = new X509Certificate[roots.length];
        for (int i = 0; i < roots.length; i++) {
            certs[i] = roots[i].certificate();
        }
        return PeerVerification.builder().trust(CaStore.of(certs)).enforce(true)
                .checkName(HostnameScheme.DEFAULT, "www.example", PublicSuffix.builtIn());
    }

    private static TlsTrustManager manager(PeerVerification.Builder verification, ChainMemory memory) {
        return new TlsTrustManager(verification.build(), List.of(), Clock.systemUTC(), memory);
    }

    private static HeldCertificate root(String name) throws Exception {
        return HeldCertificate.builder().commonName(name).certificateAuthority(1).ec("secp256r1").build();
    }

    private static HeldCertificate leaf(HeldCertificate issuer) throws Exception {
        return HeldCertificate.builder().commonName("www.example").dns("www.example").ec("secp256r1")
                .signedBy(issuer).build();
    }

    /** The certificates as a peer sends them: parsed anew from their bytes, as each handshake does. */
    private static X509Certificate[] received(List<X509Certificate> chain) throws Exception {
        X509Certificate[] out = new X509Certificate[chain.size()];
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (int i = 0; i < out.length; i++) {
            out[i] = (X509Certificate) cf.generateCertificate(new ByteArrayInputStream(chain.get(i).getEncoded()));
        }
        return out;
    }

    private static TlsException refused(TlsTrustManager tm, X509Certificate... chain) {
        CertificateException e = assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain, "ECDHE_ECDSA"));
        return assertInstanceOf(TlsException.class, e.getCause(), e.toString());
    }

    private static void assertRefused(TlsErrorCode code, TlsTrustManager tm, X509Certificate... chain) {
        TlsException e = refused(tm, chain);
        assertEquals(code, e.code(), e.getMessage());
    }

    /** The same TBS and algorithm with other signature bytes: a certificate whose signature does not verify. */
    private static X509Certificate tampered(X509Certificate genuine) throws Exception {
        Certificate c = Certificate.getInstance(genuine.getEncoded());
        byte[] sig = c.getSignature().getOctets();
        sig[sig.length - 1] ^= 0x01;
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(c.getTBSCertificate());
        v.add(c.getSignatureAlgorithm());
        v.add(new DERBitString(sig));
        byte[] der = new DERSequence(v).getEncoded();
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    @Test
    void aPassingChainIsRememberedAndPassesAgain() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate issuing = HeldCertificate.builder().commonName("Issuing").certificateAuthority(0)
                .ec("secp256r1").signedBy(root).build();
        HeldCertificate leaf = leaf(issuing);
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        TlsTrustManager tm = manager(trusting(root), memory);
        tm.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        // Two signatures (leaf by issuing, issuing by root) and one PKIX verdict.
        assertEquals(3, memory.size());
        tm.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        assertEquals(3, memory.size(), "the same chain adds no new facts");
    }

    @Test
    void theSameLeafBytesUnderAnotherIssuerKeyFail() throws Exception {
        HeldCertificate genuine = root("Root");
        HeldCertificate impostor = root("Root");
        HeldCertificate leaf = leaf(genuine);
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        manager(trusting(genuine), memory)
                .checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        // Same subject name, another key: the remembered signature is for the genuine key only.
        assertTrue(memory.signedBy(leaf.certificate(), genuine.certificate()));
        assertFalse(memory.signedBy(received(leaf.chain())[0], impostor.certificate()));
        TlsTrustManager other = manager(trusting(impostor), memory);
        assertRefused(TlsErrorCode.UNTRUSTED_CHAIN, other, received(leaf.chain()));
    }

    @Test
    void aTamperedSignatureFailsAfterTheGenuineOnePassed() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate leaf = leaf(root);
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        TlsTrustManager tm = manager(trusting(root), memory);
        tm.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        int remembered = memory.size();
        X509Certificate forged = tampered(leaf.certificate());
        assertNotEquals(leaf.certificate(), forged);
        assertRefused(TlsErrorCode.UNTRUSTED_CHAIN, tm, forged);
        assertEquals(remembered, memory.size(), "a failure is never remembered");
        tm.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
    }

    @Test
    void aFailureIsNotRemembered() throws Exception {
        HeldCertificate root = root("Root");
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        TlsTrustManager tm = manager(trusting(root), memory);
        for (int i = 0; i < 2; i++) {
            refused(tm, tampered(leaf(root).certificate()));
        }
        assertEquals(0, memory.size());
    }

    @Test
    void anExpiredCertificateFailsThoughItsSignatureIsRemembered() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate leaf = HeldCertificate.builder().commonName("www.example").dns("www.example").ec("secp256r1")
                .validity(NOW.minus(1, ChronoUnit.DAYS), NOW.plus(1, ChronoUnit.HOURS)).signedBy(root).build();
        MovableClock clock = new MovableClock();
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        TlsTrustManager tm = new TlsTrustManager(trusting(root).build(), List.of(), clock, memory);
        tm.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        assertEquals(2, memory.size());
        clock.now = NOW.plus(2, ChronoUnit.HOURS);
        assertRefused(TlsErrorCode.CERT_EXPIRED, tm, received(leaf.chain()));
        clock.now = NOW.minus(2, ChronoUnit.DAYS);
        assertRefused(TlsErrorCode.CERT_NOT_YET_VALID, tm, received(leaf.chain()));
    }

    @Test
    void aRevokedCertificateFailsThoughItsChainIsRemembered() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate leaf = leaf(root);
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        manager(trusting(root), memory)
                .checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        CrlStore crls = CrlStore.builder().addCrls(List.of(root.crl(Map.of(leaf.certificate().getSerialNumber(), 1),
                NOW.minus(1, ChronoUnit.HOURS), NOW.plus(1, ChronoUnit.DAYS)))).build();
        TlsTrustManager withCrl = manager(trusting(root).crls(crls, false), memory);
        assertRefused(TlsErrorCode.REVOKED, withCrl, received(leaf.chain()));
    }

    @Test
    void theMemoryIsBounded() throws Exception {
        HeldCertificate root = root("Root");
        ChainMemory memory = new ChainMemory(4);
        TlsTrustManager tm = manager(trusting(root), memory);
        for (int i = 0; i < 6; i++) {
            tm.checkServerTrusted(received(leaf(root).chain()), "ECDHE_ECDSA");
            assertTrue(memory.size() <= 4, "size " + memory.size());
        }
        assertEquals(4, memory.size());
    }

    @Test
    void contextsWithOtherTrustStoresShareNoVerdict() throws Exception {
        HeldCertificate trustedHere = root("Root A");
        HeldCertificate trustedThere = root("Root B");
        HeldCertificate leaf = leaf(trustedHere);
        TlsTrustManager here = new TlsTrustManager(trusting(trustedHere).build(), List.of());
        TlsTrustManager there = new TlsTrustManager(trusting(trustedThere).build(), List.of());
        here.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
        assertRefused(TlsErrorCode.UNTRUSTED_CHAIN, there, received(leaf.chain()));
        here.checkServerTrusted(received(leaf.chain()), "ECDHE_ECDSA");
    }

    @Test
    void aPkixVerdictHoldsOnlyForTheUtcDayItWasReached() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate leaf = leaf(root);
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        ChainMemory.Key fact = memory.pkixFact(List.of(leaf.certificate()), root.certificate());
        Instant day = NOW.truncatedTo(ChronoUnit.DAYS);
        memory.rememberPkix(fact, day.plus(1, ChronoUnit.HOURS));
        assertTrue(memory.pkixAccepted(fact, day.plus(23, ChronoUnit.HOURS)));
        assertFalse(memory.pkixAccepted(fact, day.plus(1, ChronoUnit.DAYS)));
        assertFalse(memory.pkixAccepted(fact, day.minusSeconds(1)));
        assertFalse(memory.pkixAccepted(memory.pkixFact(List.of(leaf.certificate()), leaf(root).certificate()),
                day.plus(1, ChronoUnit.HOURS)), "another trusted certificate is another fact");
    }

    @Test
    void theStatelessVerifiersRememberNothing() throws Exception {
        HeldCertificate root = root("Root");
        HeldCertificate leaf = leaf(root);
        assertTrue(ChainMemory.NONE.signedBy(leaf.certificate(), root.certificate()));
        assertEquals(0, ChainMemory.NONE.size());
        assertEquals(null, ChainMemory.NONE.pkixFact(List.of(leaf.certificate()), root.certificate()));
    }
}
