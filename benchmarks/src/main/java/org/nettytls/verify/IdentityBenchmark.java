package org.nettytls.verify;

import java.security.cert.X509Certificate;
import org.nettytls.benchmarks.JmhDefaults;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.nettytls.verify.internal.FingerprintPins;

/**
 * Identity parsing: the common name and subjectAltNames read from a peer certificate, once per
 * verified handshake (before any scheme compares them), and the fingerprint pin comparison
 * ({@code SSL_fingerprint}) on the same certificate, by certificate and by public key.
 */
public class IdentityBenchmark extends JmhDefaults {
    private X509Certificate cert;
    private FingerprintPins certificatePin;
    private FingerprintPins publicKeyPin;

    @Setup
    public void setUp() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Bench CA").certificateAuthority(0).ec("secp256r1").build();
        cert = HeldCertificate.builder().commonName("www.example.com")
                .dns("www.example.com", "example.com", "*.cdn.example.com", "mail.example.com")
                .ip("192.0.2.1").email("ops@example.com").ec("secp256r1").signedBy(ca).build().certificate();
        certificatePin = FingerprintPins.parse(org.nettytls.cert.Fingerprint.of(cert, "sha256", false));
        publicKeyPin = FingerprintPins.parse(org.nettytls.cert.Fingerprint.of(cert, "sha256", true));
    }

    @Benchmark
    public CertificateNames parseIdentity() {
        return CertificateNames.of(cert);
    }

    @Benchmark
    public boolean fingerprintCertificate() {
        return certificatePin.matches(cert);
    }

    @Benchmark
    public boolean fingerprintPublicKey() {
        return publicKeyPin.matches(cert);
    }
}
