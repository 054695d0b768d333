package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.Principal;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CRLException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;

/**
 * A check against a CRL of 100,000 entries does one lookup's work: the CRL's entries are walked
 * once when the store is built, and never again inside a handshake; its signature is verified
 * once. (Counted, not timed: the CRL is seen through a wrapper that counts what is asked of it.)
 */
class CrlStoreLargeCrlTest {
    private static final int ENTRIES = 100_000;

    @Test
    void aCheckAgainstAHugeCrlNeitherWalksItsEntriesNorVerifiesItAgain() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Big CRL CA").certificateAuthority(0).build();
        HeldCertificate revoked = HeldCertificate.builder().commonName("revoked").serialNumber(BigInteger.valueOf(77_777))
                .signedBy(ca).build();
        HeldCertificate good = HeldCertificate.builder().commonName("good").serialNumber(BigInteger.valueOf(ENTRIES + 5))
                .signedBy(ca).build();
        CountingCrl crl = new CountingCrl(hugeCrl(ca));

        CrlStore store = CrlStore.builder().addCrls(List.of(crl)).build();
        int walksToBuild = crl.entryWalks.get();
        crl.reset();

        Instant now = Instant.now();
        for (int i = 0; i < 3; i++) {
            CrlStore.Result r = store.check(revoked.certificate(), ca.certificate(), now);
            assertEquals(CrlStore.Status.REVOKED, r.status(), r.toString());
            assertEquals(java.security.cert.CRLReason.KEY_COMPROMISE, r.reason());
            assertEquals(CrlStore.Status.GOOD, store.check(good.certificate(), ca.certificate(), now).status());
        }
        assertEquals(0, crl.entryWalks.get(), "a check must not walk the CRL's entries");
        assertEquals(0, crl.entryLookups.get(), "a check looks the serial up in the store's own index");
        assertEquals(1, crl.verifications.get(), "the signature is verified once for the issuer's key");
        assertTrue(walksToBuild <= 1, "building the store walks the entries once, not " + walksToBuild + " times");

        // A key that does not verify the CRL is refused every time, and that answer is kept too.
        HeldCertificate impostor = HeldCertificate.builder().commonName("Big CRL CA").certificateAuthority(0).build();
        for (int i = 0; i < 3; i++) {
            assertEquals(CrlStore.Status.CRL_SIGNATURE_FAILURE,
                    store.check(revoked.certificate(), impostor.certificate(), now).status());
        }
        assertEquals(2, crl.verifications.get());
        assertEquals(0, crl.entryWalks.get());
    }

    /**
     * A CRL of {@link #ENTRIES} entries, serials 1 to N, the one of 77777 with reason keyCompromise.
     * Its DER is put together directly: Bouncy Castle's CRL builder takes seconds for this many.
     */
    private static X509CRL hugeCrl(HeldCertificate ca) throws Exception {
        Instant now = Instant.now();
        Time revocationDate = new Time(Date.from(now.minusSeconds(60)));
        ASN1EncodableVector entries = new ASN1EncodableVector(ENTRIES);
        Extensions keyCompromise = new Extensions(new Extension(Extension.reasonCode, false,
                CRLReason.lookup(CRLReason.keyCompromise).getEncoded()));
        for (int serial = 1; serial <= ENTRIES; serial++) {
            entries.add(serial == 77_777
                    ? new DERSequence(new ASN1Encodable[] {new ASN1Integer(serial), revocationDate, keyCompromise})
                    : new DERSequence(new ASN1Encodable[] {new ASN1Integer(serial), revocationDate}));
        }
        AlgorithmIdentifier ecdsaWithSha256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
        DERSequence tbs = new DERSequence(new ASN1Encodable[] {
            new ASN1Integer(1),
            ecdsaWithSha256,
            X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded()),
            new Time(Date.from(now.minusSeconds(60))),
            new Time(Date.from(now.plus(Duration.ofDays(1)))),
            new DERSequence(entries),
        });
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(ca.privateKey());
        signer.update(tbs.getEncoded(ASN1Encoding.DER));
        byte[] der = new DERSequence(new ASN1Encodable[] {tbs, ecdsaWithSha256, new DERBitString(signer.sign())})
                .getEncoded(ASN1Encoding.DER);
        return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
    }

    /** An X509CRL that answers as the real one and counts the costly questions. */
    private static final class CountingCrl extends X509CRL {
        final X509CRL real;
        final AtomicInteger entryWalks = new AtomicInteger();
        final AtomicInteger entryLookups = new AtomicInteger();
        final AtomicInteger verifications = new AtomicInteger();

        CountingCrl(X509CRL real) {
            this.real = real;
        }

        void reset() {
            entryWalks.set(0);
            entryLookups.set(0);
            verifications.set(0);
        }

        @Override
        public Set<? extends X509CRLEntry> getRevokedCertificates() {
            entryWalks.incrementAndGet();
            return real.getRevokedCertificates();
        }

        @Override
        public X509CRLEntry getRevokedCertificate(BigInteger serialNumber) {
            entryLookups.incrementAndGet();
            return real.getRevokedCertificate(serialNumber);
        }

        @Override
        public X509CRLEntry getRevokedCertificate(X509Certificate certificate) {
            entryLookups.incrementAndGet();
            return real.getRevokedCertificate(certificate);
        }

        @Override
        public boolean isRevoked(Certificate cert) {
            entryLookups.incrementAndGet();
            return real.isRevoked(cert);
        }

        @Override
        public void verify(PublicKey key) throws CRLException, java.security.NoSuchAlgorithmException,
                java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException {
            verifications.incrementAndGet();
            real.verify(key);
        }

        @Override
        public void verify(PublicKey key, String sigProvider) throws CRLException, java.security.NoSuchAlgorithmException,
                java.security.InvalidKeyException, java.security.NoSuchProviderException, java.security.SignatureException {
            verifications.incrementAndGet();
            real.verify(key, sigProvider);
        }

        @Override
        public void verify(PublicKey key, Provider sigProvider) throws CRLException, java.security.NoSuchAlgorithmException,
                java.security.InvalidKeyException, java.security.SignatureException {
            verifications.incrementAndGet();
            real.verify(key, sigProvider);
        }

        @Override
        public byte[] getEncoded() throws CRLException {
            return real.getEncoded();
        }

        @Override
        public int getVersion() {
            return real.getVersion();
        }

        @Override
        @SuppressWarnings("deprecation")
        public Principal getIssuerDN() {
            return real.getIssuerDN();
        }

        @Override
        public X500Principal getIssuerX500Principal() {
            return real.getIssuerX500Principal();
        }

        @Override
        public Date getThisUpdate() {
            return real.getThisUpdate();
        }

        @Override
        public Date getNextUpdate() {
            return real.getNextUpdate();
        }

        @Override
        public byte[] getTBSCertList() throws CRLException {
            return real.getTBSCertList();
        }

        @Override
        public byte[] getSignature() {
            return real.getSignature();
        }

        @Override
        public String getSigAlgName() {
            return real.getSigAlgName();
        }

        @Override
        public String getSigAlgOID() {
            return real.getSigAlgOID();
        }

        @Override
        public byte[] getSigAlgParams() {
            return real.getSigAlgParams();
        }

        @Override
        public String toString() {
            return "counting " + real.getIssuerX500Principal();
        }

        @Override
        public boolean hasUnsupportedCriticalExtension() {
            return real.hasUnsupportedCriticalExtension();
        }

        @Override
        public Set<String> getCriticalExtensionOIDs() {
            return real.getCriticalExtensionOIDs();
        }

        @Override
        public Set<String> getNonCriticalExtensionOIDs() {
            return real.getNonCriticalExtensionOIDs();
        }

        @Override
        public byte[] getExtensionValue(String oid) {
            return real.getExtensionValue(oid);
        }
    }
}
