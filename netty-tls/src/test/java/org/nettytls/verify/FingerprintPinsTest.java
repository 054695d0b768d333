package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.Fingerprint;

/**
 * fingerprint_vectors.tsv ({@code leaf_cert fingerprints trusted_ca verifycn_name force expected
 * error_class note}). The rows come from real handshakes; here each row's configuration-time
 * verdict and its pin-against-leaf verdict are checked. What only a handshake decides (a trusted
 * chain accepted although the pin does not match; SSL_force_fingerprint; a hostname mismatch
 * overridden by a matching pin) is left to the handler's tests.
 */
class FingerprintPinsTest {
    static Stream<Vectors.Row> rows() {
        List<Vectors.Row> rows = Vectors.read("fingerprint_vectors.tsv");
        assertEquals(64, rows.size(), "fingerprint_vectors.tsv rows");
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matchesTheReference(Vectors.Row row) throws Exception {
        String specs = row.col(1);
        String expected = row.col(5);
        String error = row.col(6);
        String note = row.col(7);
        if (specs.equals("<none>")) {
            assertTrue(FingerprintPins.parse(List.of()).isEmpty());
            return;
        }
        List<String> list = Arrays.asList(specs.split(";"));
        boolean configError = error.equals("invalid-fingerprint") || error.equals("cannot-detect-algorithm")
                || error.startsWith("die:digest-unavailable")
                // Deliberate: hex of the wrong length for its digest is refused when configured
                // (the reference accepts it and then never matches).
                || note.contains("odd length");
        if (configError) {
            TlsException e = assertThrows(TlsException.class, () -> FingerprintPins.parse(list), row::toString);
            assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
            assertTrue(e.getMessage().contains("SSL_fingerprint"), e.getMessage());
            assertTrue(list.stream().anyMatch(s -> e.getMessage().contains(s)), e.getMessage());
            return;
        }
        FingerprintPins pins = FingerprintPins.parse(list);
        X509Certificate leaf = load(row.col(0));
        boolean pinShouldMatch = expected.equals("accept") && !note.contains("non-matching");
        assertEquals(pinShouldMatch, pins.matches(leaf), row::toString);
        // Stateless: a failed check does not change the next one.
        assertEquals(pinShouldMatch, pins.matches(leaf), row::toString);
    }

    @Test
    void publicKeyPinHashesTheBitStringContents() throws Exception {
        X509Certificate leaf = load("certs/server-cert.pem");
        FingerprintPins pins = FingerprintPins.parse(Fingerprint.of(leaf, "sha256", true));
        assertTrue(pins.matches(leaf));
        assertFalse(pins.matches(load("certs/server-ecc-cert.pem")));
        assertEquals(Fingerprint.of(leaf, "sha256", true), pins.pins().get(0).toString());
    }

    @Test
    void badSpecsAreConfigurationErrors() {
        for (String bad : List.of("", "sha256$", "zz", "sha256$pub$", "$abcd", "sha256$ab cd", "foo$" + "00".repeat(32))) {
            TlsException e = assertThrows(TlsException.class, () -> FingerprintPins.parse(bad), bad);
            assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code(), bad);
            assertTrue(e.getMessage().startsWith("SSL_fingerprint"), e.getMessage());
        }
    }

    @Test
    void colonsAndCaseAreIgnored() throws Exception {
        X509Certificate leaf = load("certs/server-ecc-cert.pem");
        String hex = Fingerprint.of(leaf, "sha1", false).substring("sha1$".length());
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            colons.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        assertTrue(FingerprintPins.parse(colons.toString().toUpperCase()).matches(leaf));
        assertTrue(FingerprintPins.parse("SHA1$" + hex).matches(leaf));
    }

    static X509Certificate load(String relative) throws Exception {
        try (InputStream in = Vectors.open(relative)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
