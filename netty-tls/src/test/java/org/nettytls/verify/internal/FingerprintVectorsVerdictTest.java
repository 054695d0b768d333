package org.nettytls.verify.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.verify.Vectors;
import org.nettytls.verify.HostnameScheme;
import org.nettytls.verify.PublicSuffix;

/**
 * Every row of fingerprint_vectors.tsv replayed through the trust manager that runs inside our
 * handshakes (the reference recorded them from real handshakes; the vectors ship no keys, so the
 * handshake's verification step is driven directly): trusted CA or none, scheme http with the
 * row's name, the row's pins and SSL_force_fingerprint. The verdict and, for refusals, the kind
 * of failure must be the reference's.
 */
class FingerprintVectorsVerdictTest {
    static Stream<Vectors.Row> rows() {
        return FingerprintPinsTest.rows();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void sameVerdictAsTheReference(Vectors.Row row) throws Exception {
        String specs = row.col(1);
        String error = row.col(6);
        List<String> list = specs.equals("<none>") ? List.of() : Arrays.asList(specs.split(";"));
        boolean configError = error.equals("invalid-fingerprint") || error.equals("cannot-detect-algorithm")
                || error.startsWith("die:digest-unavailable") || row.col(7).contains("odd length");
        if (configError) {
            // Refused when configured, before any handshake (the reference dies at handshake time
            // for unknown digests, and accepts an odd-length digest that can never match).
            TlsException e = assertThrows(TlsException.class, () -> FingerprintPins.parse(list), row::toString);
            assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
            return;
        }
        CaStore trust = row.col(2).equals("<none>")
                ? CaStore.of(HeldCertificate.builder().commonName("unrelated").certificateAuthority(0).build().certificate())
                : CaStore.of(FingerprintPinsTest.load(row.col(2)));
        PeerVerification verification = PeerVerification.builder().trust(trust).enforce(true)
                .pins(FingerprintPins.parse(list), row.col(4).equals("1"))
                .checkName(HostnameScheme.named("http"), row.col(3), PublicSuffix.builtIn()).build();
        TlsTrustManager tm = new TlsTrustManager(verification, List.of());
        X509Certificate[] chain = {FingerprintPinsTest.load(row.col(0))};

        if (row.col(5).equals("accept")) {
            tm.checkServerTrusted(chain, "ECDHE_RSA");
            // Stateless: a second look gives the same answer.
            tm.checkServerTrusted(chain, "ECDHE_RSA");
            return;
        }
        CertificateException refused = assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain, "ECDHE_RSA"),
                row::toString);
        TlsException cause = TlsException.find(refused);
        assertNotNull(cause, refused.toString());
        if (error.equals("hostname-verification-failed")) {
            assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, cause.code(), row + " -> " + cause);
        } else {
            assertTrue(cause.code() == TlsErrorCode.UNTRUSTED_CHAIN || cause.code() == TlsErrorCode.FINGERPRINT_MISMATCH,
                    row + " -> " + cause);
        }
        assertThrows(CertificateException.class, () -> tm.checkServerTrusted(chain, "ECDHE_RSA"), row::toString);
    }
}
