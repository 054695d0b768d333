package org.nettytls.acme;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tls-alpn-01 certificate as RFC 8737 section 3 demands it, checked field by field. */
class ValidationCertificateTest {
    @Test
    void onlyTheNameAndACriticalAcmeIdentifierHoldingTheDigest() throws Exception {
        KeyPair kp = AcmeKeyType.ECDSA_P256.generate();
        byte[] digest = new byte[32];
        Arrays.fill(digest, (byte) 0x5a);
        X509Certificate c = AcmeCertificates.validationCertificate(kp, "x.acme.test", digest);
        c.verify(kp.getPublic());
        assertEquals(List.of(List.of(2, "x.acme.test")), List.copyOf(c.getSubjectAlternativeNames()));
        assertTrue(c.getCriticalExtensionOIDs().contains("1.3.6.1.5.5.7.1.31"), c.getCriticalExtensionOIDs().toString());
        byte[] ext = c.getExtensionValue("1.3.6.1.5.5.7.1.31");
        // extnValue OCTET STRING { Authorization ::= OCTET STRING (SIZE (32)) }
        byte[] expected = new byte[36];
        expected[0] = 0x04;
        expected[1] = 34;
        expected[2] = 0x04;
        expected[3] = 32;
        System.arraycopy(digest, 0, expected, 4, 32);
        assertArrayEquals(expected, ext);
    }
}
