package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

class HeldCertificateTest {
    @TempDir
    Path dir;

    @Test
    void chainOfThreeVerifiesWithOpenssl() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate root = HeldCertificate.builder().commonName("Test Root").certificateAuthority(1).build();
        HeldCertificate ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).rsa(2048)
                .signedBy(root).build();
        HeldCertificate leaf = HeldCertificate.builder().commonName("server.test")
                .dns("server.test", "*.server.test").ip("127.0.0.1", "::1").email("ops@server.test")
                .uri("https://server.test/").ocspUrl("http://127.0.0.1:9/ocsp").crlUrl("http://127.0.0.1:9/ca.crl")
                .mustStaple(true).signedBy(ca).build();

        assertEquals(List.of(leaf.certificate(), ca.certificate()), leaf.chain(), "the chain leaves out the self-signed root");
        root.writeTo(dir.resolve("root"));
        Files.writeString(dir.resolve("inter.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("leaf-only.pem"), leaf.certificatePem());

        Processes.Result ok = Processes.run(dir, openssl, "verify", "-CAfile", "root.pem", "-untrusted", "inter.pem",
                "-purpose", "sslserver", "leaf-only.pem");
        assertEquals(0, ok.exit, ok.toString());
        assertTrue(ok.stdout.contains("leaf-only.pem: OK"), ok.stdout);

        Processes.Result noIntermediate = Processes.run(dir, openssl, "verify", "-CAfile", "root.pem", "leaf-only.pem");
        assertFalse(noIntermediate.exit == 0, "openssl must refuse a chain without its intermediate: " + noIntermediate);

        String text = Processes.run(dir, openssl, "x509", "-noout", "-text", "-in", "leaf-only.pem").expectSuccess().stdout;
        assertTrue(text.contains("TLS Feature:") && text.contains("status_request"), text);
        assertTrue(text.contains("OCSP - URI:http://127.0.0.1:9/ocsp"), text);
        assertTrue(text.contains("URI:http://127.0.0.1:9/ca.crl"), text);
        assertTrue(text.contains("DNS:server.test, DNS:*.server.test, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1,"
                + " email:ops@server.test, URI:https://server.test/"), text);
        assertTrue(text.contains("CA:FALSE"), text);
        assertTrue(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"), text);
        assertEquals(2048, ((RSAPublicKey) ca.certificate().getPublicKey()).getModulus().bitLength());
    }

    @Test
    void fingerprintsAgreeWithOpenssl() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate cert = HeldCertificate.builder().commonName("fp.test").build();
        Files.writeString(dir.resolve("c.pem"), cert.certificatePem());
        for (String algo : List.of("sha256", "sha1", "md5", "sha512")) {
            String out = Processes.run(dir, openssl, "x509", "-noout", "-fingerprint", "-" + algo, "-in", "c.pem")
                    .expectSuccess().stdout.trim();
            String hex = out.substring(out.indexOf('=') + 1).replace(":", "").toLowerCase(Locale.ROOT);
            assertEquals(algo + "$" + hex, Fingerprint.of(cert.certificate(), algo, false));
        }
        // The public-key form hashes the subjectPublicKey BIT STRING contents; for P-256 that is
        // the 65-byte uncompressed point at the end of the SubjectPublicKeyInfo openssl writes.
        Files.writeString(dir.resolve("c.key"), cert.privateKeyPem());
        Processes.run(dir, openssl, "pkey", "-in", "c.key", "-pubout", "-outform", "DER", "-out", "pub.der").expectSuccess();
        byte[] spki = Files.readAllBytes(dir.resolve("pub.der"));
        byte[] point = Arrays.copyOfRange(spki, spki.length - 65, spki.length);
        String expected = "sha256$pub$" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(point));
        assertEquals(expected, Fingerprint.of(cert.certificate(), "sha256", true));
    }

    /**
     * A certificate may carry its EC point compressed (33 bytes for P-256). The JDK's own X.509
     * factory refuses such a key, Bouncy Castle's parses it, and its {@code getPublicKey().getEncoded()}
     * re-encodes the point uncompressed, so a pin over that would differ from the reference's, which
     * hashes the BIT STRING as it is in the certificate.
     */
    @Test
    void publicKeyPinHashesTheCertificatesOwnCompressedPoint() throws Exception {
        String openssl = Interop.require("openssl");
        String perl = Interop.requirePerlIoSocketSsl();
        Processes.run(dir, openssl, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.key").expectSuccess();
        Processes.run(dir, openssl, "ec", "-in", "ec.key", "-conv_form", "compressed", "-out", "ec-compressed.key").expectSuccess();
        Processes.run(dir, openssl, "req", "-x509", "-key", "ec-compressed.key", "-subj", "/CN=compressed.test",
                "-days", "10", "-out", "compressed.pem").expectSuccess();
        String asn1 = Processes.run(dir, openssl, "asn1parse", "-in", "compressed.pem").expectSuccess().stdout;
        assertTrue(asn1.contains("l=  34 prim: BIT STRING"), "the point should be compressed in the certificate:\n" + asn1);
        String reference = Processes.run(dir, perl, "-MIO::Socket::SSL", "-MIO::Socket::SSL::Utils", "-e",
                "print IO::Socket::SSL::get_fingerprint(undef, 'sha256', PEM_file2cert('compressed.pem'), 1)")
                .expectSuccess().stdout.trim();
        assertTrue(reference.startsWith("sha256$pub$"), reference);
        X509Certificate cert;
        try (InputStream in = Files.newInputStream(dir.resolve("compressed.pem"))) {
            cert = (X509Certificate) CertificateFactory.getInstance("X.509", Keys.BC).generateCertificate(in);
        }
        assertEquals(reference, Fingerprint.of(cert, "sha256", true));
        assertEquals(reference.replace("sha256$pub$", ""),
                HexFormat.of().formatHex(Fingerprint.binary(cert, "sha256", true)));
    }

    @Test
    void validityWindowAndSerialAreKept() throws Exception {
        Instant from = Instant.now().minus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        Instant until = Instant.now().minus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        HeldCertificate expired = HeldCertificate.builder().commonName("old.test").validity(from, until)
                .serialNumber(BigInteger.valueOf(4242)).build();
        assertEquals(from, expired.certificate().getNotBefore().toInstant());
        assertEquals(until, expired.certificate().getNotAfter().toInstant());
        assertEquals(BigInteger.valueOf(4242), expired.certificate().getSerialNumber());
        assertThrows(IllegalArgumentException.class, () -> HeldCertificate.builder().validity(until, from));
        assertThrows(IllegalArgumentException.class, () -> HeldCertificate.builder().ec("P-999"));
        assertThrows(IllegalArgumentException.class, () -> SubjectAltName.parse("FOO:bar"));
        assertThrows(IllegalArgumentException.class, () -> SubjectAltName.ip("not-an-ip"));
        assertEquals("IP:fe80:0:0:0:0:0:0:1", SubjectAltName.parse("IP:fe80::1").toString());
    }

    @Test
    void ecKeysAreWrittenWithTheirPublicKeySoGnutlsOpensslAndTheLoaderAllReadThem() throws Exception {
        String openssl = Interop.require("openssl");
        String certtool = Interop.require("certtool");
        HeldCertificate ec = HeldCertificate.builder().commonName("ec.test").dns("ec.test").build();
        ec.writeTo(dir.resolve("ec"));

        // GnuTLS 3.7 refuses a PKCS#8 EC key without the optional public key ("Element was not found").
        Processes.Result info = Processes.run(dir, certtool, "--key-info", "--infile", "ec.key").expectSuccess();
        assertTrue(info.stdout.contains("EC/ECDSA") || info.stdout.contains("ECDSA"), info.stdout);
        String keyPublic = Processes.run(dir, openssl, "pkey", "-in", "ec.key", "-pubout").expectSuccess().stdout;
        String certPublic = Processes.run(dir, openssl, "x509", "-in", "ec.pem", "-noout", "-pubkey").expectSuccess().stdout;
        assertEquals(certPublic, keyPublic, "the public key written inside the key is the certificate's");
        byte[] der = PemBlock.parse(Files.readAllBytes(dir.resolve("ec.key")), "ec.key").get(0).der;
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(der).parsePrivateKey());
        assertTrue(inner.getPublicKey() != null, "the inner ECPrivateKey carries [1] publicKey");

        KeyMaterial loaded = CertificateLoader.keyMaterial(dir.resolve("ec.pem"), dir.resolve("ec.key"), null);
        assertEquals(((java.security.interfaces.ECPrivateKey) ec.privateKey()).getS(),
                ((java.security.interfaces.ECPrivateKey) loaded.key()).getS(), "the JDK reads back the same key");
        assertEquals(ec.certificate(), loaded.leaf());

        // Keys of other kinds keep the JDK's encoding.
        HeldCertificate rsa = HeldCertificate.builder().commonName("rsa.test").rsa(2048).build();
        assertEquals(Pem.encode("PRIVATE KEY", rsa.privateKey().getEncoded()), rsa.privateKeyPem());
    }
}
