package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.Fingerprint;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.fuzz.Samples;

/** Fuzz target and properties for fingerprint specifications ({@link FingerprintPins}). */
public final class FingerprintPinsFuzzTest {
    private static final String[] ALGORITHMS = {"sha256", "sha1", "md5", "sha384", "sha512", "sha3-256", "SHA-256", "sha224"};

    /** Jazzer: any string parses or is a TlsException; a parsed pin never matches both of two different certificates by accident. */
    public static void fuzzerTestOneInput(byte[] data) {
        String spec = new String(data, StandardCharsets.UTF_8);
        FingerprintPins pins = Bytes.resultOrTlsException(() -> FingerprintPins.parse(spec));
        if (pins != null) {
            Samples s = Samples.get();
            assertFalse(pins.matches(s.leaf.certificate()) && pins.matches(s.otherLeaf.certificate()),
                    "one pin matched two certificates with different keys: " + Bytes.show(spec));
        }
    }

    @Test
    void mutatedSpecificationsParseOrFailWithTlsException() throws Exception {
        String real = Fingerprint.of(Samples.get().leaf.certificate());
        String pub = Fingerprint.of(Samples.get().leaf.certificate(), "sha1", true);
        Property.forAll("fingerprint specs", (Random r) -> Bytes.mutate(r.nextBoolean() ? real : pub, r)).tries(1500)
                .show(Bytes::show).check(s -> fuzzerTestOneInput(s.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A printed fingerprint, in any case, with colons between any digits, bare when its length names
     * the digest, pins its certificate and no other.
     */
    @Test
    void printedFingerprintsPinTheirCertificateAndNoOther() {
        Samples s = Samples.get();
        Property.forAll("fingerprint round trip", (Random r) -> {
            boolean pub = r.nextBoolean();
            String algorithm = ALGORITHMS[r.nextInt(ALGORITHMS.length)];
            String printed;
            try {
                printed = Fingerprint.of(s.leaf.certificate(), algorithm, pub);
            } catch (org.nettytls.error.TlsException e) {
                throw new IllegalStateException(e);
            }
            int dollar = printed.lastIndexOf('$');
            StringBuilder hex = new StringBuilder();
            for (char c : printed.substring(dollar + 1).toCharArray()) {
                hex.append(r.nextBoolean() ? Character.toUpperCase(c) : c).append(r.nextInt(4) == 0 ? ":" : "");
            }
            String head = printed.substring(0, dollar + 1);
            boolean bare = !pub && r.nextInt(3) == 0 && (algorithm.equals("sha256") || algorithm.equals("sha1") || algorithm.equals("md5"));
            return (bare ? "" : r.nextBoolean() ? head.toUpperCase(Locale.ROOT) : head) + hex;
        }).tries(300).show(Bytes::show).check(spec -> {
            FingerprintPins pins = FingerprintPins.parse(spec);
            assertTrue(pins.matches(s.leaf.certificate()), spec + " does not pin its certificate");
            assertFalse(pins.matches(s.otherLeaf.certificate()), spec + " pins another certificate");
            assertFalse(pins.matches(s.ca.certificate()), spec + " pins the CA");
        });
    }
}
