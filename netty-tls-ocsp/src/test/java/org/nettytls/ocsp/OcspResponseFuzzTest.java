package org.nettytls.ocsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;

/**
 * Fuzz target and property for the OCSP response check ({@link OcspVerifier}), which reads what a
 * responder or a server's staple sends. On any bytes it gives a verdict and throws nothing; and
 * only an intact signed part can give a verified verdict (good, revoked or unknown): a mutation
 * of the signed part is a soft failure at best.
 */
public final class OcspResponseFuzzTest {
    private static final OcspVerifier VERIFIER = new OcspVerifier(Duration.ofMinutes(5), Duration.ofDays(1), 64 * 1024, List.of());
    private static final Pki PKI = new Pki();

    private static final class Pki {
        final HeldCertificate ca;
        final HeldCertificate leaf;
        final List<byte[]> samples = new ArrayList<>();
        final List<byte[]> signedParts = new ArrayList<>();

        Pki() {
            try {
                ca = HeldCertificate.builder().commonName("fuzz OCSP CA").certificateAuthority(0).build();
                leaf = HeldCertificate.builder().dns("fuzz.test").serialNumber(BigInteger.valueOf(4242)).signedBy(ca).build();
                HeldCertificate responder = HeldCertificate.builder().commonName("fuzz responder")
                        .extendedKeyUsage(HeldCertificate.OCSP_SIGNING).signedBy(ca).build();
                samples.add(Responses.forCert(leaf, ca).good().build());
                samples.add(Responses.forCert(leaf, ca).good().includeSigner(false).build());
                samples.add(Responses.forCert(leaf, ca).revoked(1).build());
                samples.add(Responses.forCert(leaf, ca).unknown().sha256Id().build());
                samples.add(Responses.forCert(leaf, ca).good().signedBy(responder).build());
                samples.add(Responses.forCert(leaf, ca).good().responderIdByKey().nonce(new byte[] {4, 2, 1, 2}).build());
                samples.add(Responses.unsuccessful(3));
                for (byte[] sample : samples) {
                    OCSPResp resp = new OCSPResp(sample);
                    if (resp.getStatus() == OCSPResp.SUCCESSFUL) {
                        signedParts.add(signedPart(sample));
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot mint the OCSP samples", e);
            }
        }
    }

    /** The response data and signature of a basic response, or null when the bytes are none. */
    private static byte[] signedPart(byte[] der) {
        try {
            BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(der).getResponseObject();
            byte[] tbs = basic.getTBSResponseData();
            byte[] signature = basic.getSignature();
            byte[] both = Arrays.copyOf(tbs, tbs.length + signature.length);
            System.arraycopy(signature, 0, both, tbs.length, signature.length);
            return both;
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** The contract on any bytes: a verdict, never an exception, and a verified verdict only from an intact signed part. */
    public static void fuzzerTestOneInput(byte[] data) {
        OcspStatus status = VERIFIER.verify(data, PKI.leaf.certificate(), PKI.ca.certificate(), null, Instant.now(),
                OcspStatus.Source.STAPLE);
        assertNotNull(status);
        assertFalse(status.result() == OcspStatus.Result.SOFT_FAILURE && (status.detail() == null || status.detail().isBlank()),
                "a soft failure that does not say why: " + status);
        if (status.result() != OcspStatus.Result.SOFT_FAILURE) {
            byte[] signed = signedPart(data);
            assertTrue(signed != null && PKI.signedParts.stream().anyMatch(s -> Arrays.equals(s, signed)),
                    "a verified verdict (" + status + ") from a response whose signed part was changed");
        }
    }

    @Test
    void mutatedResponsesGiveAVerdictAndOnlyIntactSignedPartsAVerifiedOne() {
        Property.forAll("OCSP response check", r -> Bytes.mutateOneOf(PKI.samples, r))
                .tries(600).show(Bytes::show).check(OcspResponseFuzzTest::fuzzerTestOneInput);
    }

    /**
     * Found by the property above: a responder ID whose name has a string where the attribute's
     * OID belongs; Bouncy Castle reads the name only when it is printed, and its exception escaped.
     */
    @Test
    void aResponderNameThatCannotBeReadIsASoftFailure() {
        byte[] commonNameOid = {0x06, 0x03, 0x55, 0x04, 0x03};
        int mutated = 0;
        for (byte[] sample : PKI.samples) {
            byte[] signed = signedPart(sample);
            int tbs = signed == null ? -1 : indexOf(sample, signed.length > 64 ? Arrays.copyOf(signed, 64) : signed);
            // The first common name of the signed response data: the responder ID's, when it is by name.
            int at = tbs < 0 ? -1 : indexOf(sample, commonNameOid, tbs);
            if (at < 0 || at > tbs + 40) {
                continue;
            }
            byte[] bad = sample.clone();
            bad[at] = 0x16; // IA5String instead of OBJECT IDENTIFIER
            OcspStatus status = VERIFIER.verify(bad, PKI.leaf.certificate(), PKI.ca.certificate(), null, Instant.now(),
                    OcspStatus.Source.STAPLE);
            assertEquals(OcspStatus.Result.SOFT_FAILURE, status.result(), status.toString());
            fuzzerTestOneInput(bad);
            mutated++;
        }
        assertTrue(mutated > 0, "no sample names its responder");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        return indexOf(haystack, needle, 0);
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = from; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void theSamplesThemselvesGiveTheirVerdicts() {
        for (int i = 0; i < PKI.samples.size(); i++) {
            fuzzerTestOneInput(PKI.samples.get(i));
        }
        OcspStatus good = VERIFIER.verify(PKI.samples.get(0), PKI.leaf.certificate(), PKI.ca.certificate(), null,
                Instant.now(), OcspStatus.Source.STAPLE);
        assertTrue(good.isGood(), good.toString());
    }
}
