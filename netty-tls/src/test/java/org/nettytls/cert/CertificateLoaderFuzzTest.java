package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.fuzz.Samples;

/**
 * Fuzz target and properties for {@link CertificateLoader} (PEM, DER, PKCS#12, every key form and
 * its decryption, CRLs). Also a Jazzer target: {@link #fuzzerTestOneInput(byte[])}.
 */
public final class CertificateLoaderFuzzTest {
    /** Heap one load may take: a generous constant for the parser's own state plus a multiple of the input. */
    static long allocationBound(byte[] input) {
        return 64L * 1024 * 1024 + 256L * input.length;
    }

    /** The loader's contract on any bytes: results or TlsException, and never more certificates than the input could hold. */
    public static void fuzzerTestOneInput(byte[] data) {
        List<X509Certificate> certs = Bytes.resultOrTlsException(() -> CertificateLoader.certificates(data, "fuzz", Samples.PASSWORDS));
        if (certs != null) {
            // The smallest certificate DER is far above 64 bytes, and PEM only makes it longer.
            assertTrue(certs.size() * 64 <= data.length, certs.size() + " certificates from " + data.length + " bytes");
        }
        Bytes.resultOrTlsException(() -> CertificateLoader.keyMaterial(data, "fuzz", null, null, Samples.PASSWORDS));
        Bytes.resultOrTlsException(() -> CertificateLoader.keyMaterial(Samples.get().chainPem, "chain", data, "key", Samples.PASSWORDS));
        Bytes.resultOrTlsException(() -> CertificateLoader.crls(data, "fuzz"));
    }

    @Test
    void mutatedCertificatesKeysAndPkcs12AreLoadedOrRefusedWithTlsException() {
        Samples s = Samples.get();
        Property.forAll("loader on mutated samples", r -> Bytes.mutateOneOf(s.certificatesAndKeys(), r))
                .tries(400).show(Bytes::show).maxAllocation(CertificateLoaderFuzzTest::allocationBound)
                .check(CertificateLoaderFuzzTest::fuzzerTestOneInput);
    }

    @Test
    void pemEncodedCertificatesReadBackAsThemselvesWhateverSurroundsThem() {
        Samples s = Samples.get();
        List<X509Certificate> chain = List.of(s.leaf.certificate(), s.ca.certificate(), s.rsaLeaf.certificate());
        Property.forAll("Pem.certificates round trip", (Random r) -> {
            List<X509Certificate> picked = new java.util.ArrayList<>();
            for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                picked.add(chain.get(r.nextInt(chain.size())));
            }
            StringBuilder text = new StringBuilder();
            for (X509Certificate c : picked) {
                // openssl x509 -text writes a dump before the block; files come with CRLF or trailing blanks.
                text.append(r.nextBoolean() ? "Certificate:\n    Data: " + r.nextInt() + "\n" : "");
                text.append(Pem.certificate(c));
                text.append(r.nextBoolean() ? "\n" : "");
            }
            String pem = r.nextBoolean() ? text.toString().replace("\n", "\r\n") : text.toString();
            return new Object[] {picked, pem};
        }).tries(60).show(a -> Bytes.show((String) a[1])).check(a -> {
            byte[] data = ((String) a[1]).getBytes(StandardCharsets.US_ASCII);
            assertEquals(a[0], CertificateLoader.certificates(data, "round trip"));
        });
    }

    @Test
    void everyKeyFormReadsBackAsTheKeyOfItsCertificate() throws Exception {
        Samples s = Samples.get();
        byte[] rsaChain = s.rsaLeaf.chainPem().getBytes(StandardCharsets.US_ASCII);
        Object[][] cases = {
            {s.chainPem, s.keyPkcs8Pem, s.leaf}, {s.chainPem, s.keyPkcs8Der, s.leaf}, {s.chainPem, s.ecSec1Pem, s.leaf},
            {s.chainPem, s.encryptedPkcs8Pem, s.leaf}, {rsaChain, s.rsaPkcs1Pem, s.rsaLeaf},
            {rsaChain, s.legacyEncryptedPem, s.rsaLeaf}, {s.pkcs12, null, s.leaf},
        };
        for (Object[] c : cases) {
            KeyMaterial km = CertificateLoader.keyMaterial((byte[]) c[0], "cert", (byte[]) c[1], c[1] == null ? null : "key", Samples.PASSWORDS);
            HeldCertificate held = (HeldCertificate) c[2];
            assertEquals(held.certificate(), km.chain().get(0));
            assertTrue(Keys.matches(km.key(), held.certificate().getPublicKey()));
        }
    }

    @Test
    void aWrongPasswordIsATlsExceptionForEveryEncryptedForm() {
        Samples s = Samples.get();
        PasswordCallback wrong = source -> "wrong".toCharArray();
        for (byte[] key : List.of(s.encryptedPkcs8Pem, s.legacyEncryptedPem)) {
            TlsException e = assertThrows(TlsException.class,
                    () -> CertificateLoader.keyMaterial(s.chainPem, "cert", key, "key", wrong));
            assertEquals(TlsErrorCode.BAD_INPUT, e.code());
        }
        assertThrows(TlsException.class, () -> CertificateLoader.keyMaterial(s.pkcs12, "p12", null, null, wrong));
    }

    /**
     * Regression examples: files asking for key derivations that would take minutes (a PKCS#12
     * MAC, PKCS#12 contents behind a valid MAC, encrypted PKCS#8 with PBKDF2 and scrypt) are
     * refused at once, by the fuzz target and by name; the same inputs seed the Jazzer corpus.
     */
    @Test
    void costlyKeyDerivationsAreRefusedAtOnce() {
        CostlyInputs.examples().forEach((name, example) -> {
            byte[] input = example.getKey();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> fuzzerTestOneInput(input), name);
            TlsException e = assertThrows(TlsException.class, () -> {
                if (input[0] == 0x30) {
                    CertificateLoader.certificates(input, name, Samples.PASSWORDS);
                } else {
                    CertificateLoader.keyMaterial(Samples.get().chainPem, "chain", input, name, Samples.PASSWORDS);
                }
            }, name);
            assertTrue(e.getMessage().contains(example.getValue()), e.getMessage());
        });
    }
}
