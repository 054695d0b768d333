package org.nettytls.verify;

import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import org.nettytls.benchmarks.Jmh;
import org.nettytls.cert.HeldCertificate;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Identity parsing: the common name and subjectAltNames read from a peer certificate, once per
 * verified handshake (before any scheme compares them), and the fingerprint pin comparison
 * ({@code SSL_fingerprint}) on the same certificate, by certificate and by public key.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(Jmh.FORKS)
@Warmup(iterations = Jmh.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = Jmh.MEASUREMENT_ITERATIONS, time = 1)
public class IdentityBenchmark {
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
