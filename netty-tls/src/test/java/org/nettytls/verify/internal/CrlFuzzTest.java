package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.fuzz.Samples;

/** Fuzz target and properties for CRL loading ({@link CertificateLoader#crls}) and checking ({@link CrlStore#check}). */
public final class CrlFuzzTest {
    /** Jazzer: whatever loads is checked for two certificates of the CA, and the check always gives a verdict. */
    public static void fuzzerTestOneInput(byte[] data) {
        List<X509CRL> crls = Bytes.resultOrTlsException(() -> CertificateLoader.crls(data, "fuzz"));
        if (crls == null) {
            return;
        }
        assertTrue(!crls.isEmpty() && crls.size() * 32 <= data.length, crls.size() + " CRLs from " + data.length + " bytes");
        Samples s = Samples.get();
        CrlStore store = Bytes.resultOrTlsException(() -> CrlStore.builder().addCrls(crls).build());
        assertNotNull(store, "loaded CRLs make a store");
        for (org.nettytls.cert.HeldCertificate c : List.of(s.leaf, s.otherLeaf)) {
            CrlStore.Result result = store.check(c.certificate(), s.ca.certificate(), Instant.now());
            assertNotNull(result.status());
            assertNotNull(result.message());
            if (!result.isGood()) {
                assertNotNull(result.toException());
            }
        }
    }

    @Test
    void mutatedCrlsLoadOrFailWithTlsExceptionAndAlwaysGiveAVerdict() {
        Samples s = Samples.get();
        Property.forAll("CRL load and check", r -> Bytes.mutateOneOf(List.of(s.crlDer, s.crlPem, Samples.concat(s.crlPem, s.caPem)), r))
                .tries(500).show(Bytes::show).maxAllocation(b -> 32L * 1024 * 1024 + 256L * b.length)
                .check(CrlFuzzTest::fuzzerTestOneInput);
    }

    @Test
    void theUnmutatedSamplesGiveTheirKnownVerdicts() throws Exception {
        Samples s = Samples.get();
        for (byte[] form : List.of(s.crlDer, s.crlPem)) {
            CrlStore store = CrlStore.builder().addCrls(CertificateLoader.crls(form, "crl")).build();
            assertEquals(CrlStore.Status.GOOD, store.check(s.leaf.certificate(), s.ca.certificate(), Instant.now()).status());
            assertEquals(CrlStore.Status.REVOKED, store.check(s.otherLeaf.certificate(), s.ca.certificate(), Instant.now()).status());
        }
    }
}
