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

    /** What issue #15's tests need it to make, as OpenSSL (a reader nobody here wrote) sees it. */
    @Test
    void makesTheCertificatesAVerifierMustRefuseOrStillAccept() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate root = HeldCertificate.builder().commonName("Odd Root").dsa(2048).certificateAuthority(1)
                .permittedSubtree("DNS:example.com").permittedSubtree("IP:192.0.2.0/24").permittedSubtree("IP:2001:db8::/32")
                .excludedSubtree("email:.evil.example").excludedSubtree("URI:.evil.example")
                .excludedSubtree("DirName:C=DE,O=Evil").extensionCritical("2.5.29.30", false).build();
        String rootText = text(openssl, root.certificate(), "root");
        assertTrue(rootText.contains("Public Key Algorithm: dsaEncryption") && rootText.contains("dsa_with_SHA256"), rootText);
        assertTrue(rootText.contains("X509v3 Name Constraints: \n") && !rootText.contains("Name Constraints: critical"),
                rootText);
        assertTrue(rootText.contains("DNS:example.com") && rootText.contains("IP:192.0.2.0/255.255.255.0")
                && rootText.contains("IP:2001:DB8:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0") && rootText.contains("email:.evil.example")
                && rootText.contains("URI:.evil.example") && rootText.contains("DirName:C = DE, O = Evil"), rootText);

        Instant notAfter = Instant.parse("2031-01-01T00:00:00.250Z");
        HeldCertificate odd = HeldCertificate.builder().commonName("odd.example.com").ed448().signedBy(root)
                .signatureAlgorithm("SHA1withDSA").serialNumberUnchecked(BigInteger.valueOf(-7))
                .crlUrl("http://crl.example/x.crl").extensionCritical("2.5.29.31", true).omitExtension("2.5.29.14")
                .addExtension("1.3.6.1.4.1.99999.7", true, new byte[] {5, 0})
                .generalizedTime(true).validity(Instant.parse("2030-01-01T00:00:00Z"), notAfter).build();
        assertEquals(notAfter, odd.certificate().getNotAfter().toInstant(), "the fraction survives the encoding");
        assertEquals(BigInteger.valueOf(-7), odd.certificate().getSerialNumber());
        String oddText = text(openssl, odd.certificate(), "odd");
        assertTrue(oddText.contains("ED448") && oddText.contains("dsaWithSHA1"), oddText);
        assertTrue(oddText.contains("X509v3 CRL Distribution Points: critical"), oddText);
        assertTrue(oddText.contains("1.3.6.1.4.1.99999.7: critical"), oddText);
        assertFalse(oddText.contains("Subject Key Identifier"), oddText);
        assertTrue(oddText.contains("Not After : Jan  1 00:00:00.25 2031 GMT"), oddText);

        HeldCertificate v1 = HeldCertificate.builder().commonName("v1").version1().build();
        assertEquals(1, v1.certificate().getVersion());
        assertEquals(null, v1.certificate().getCriticalExtensionOIDs());

        // Cross-signing and a self-issued rollover: the same subject and key, another issuer.
        HeldCertificate ca = HeldCertificate.builder().commonName("CA").certificateAuthority(0).build();
        HeldCertificate other = HeldCertificate.builder().commonName("Other Root").certificateAuthority(1).build();
        HeldCertificate cross = HeldCertificate.builder().subjectAndKeyOf(ca).certificateAuthority(0).signedBy(other).build();
        assertEquals(ca.certificate().getSubjectX500Principal(), cross.certificate().getSubjectX500Principal());
        assertEquals(ca.certificate().getPublicKey(), cross.certificate().getPublicKey());
        cross.certificate().verify(other.certificate().getPublicKey());
        assertThrows(IllegalArgumentException.class, () -> HeldCertificate.builder().permittedSubtree("nonsense"));
    }

    private String text(String openssl, X509Certificate c, String name) throws Exception {
        Files.writeString(dir.resolve(name + ".pem"), Pem.certificate(c));
        return Processes.run(dir, openssl, "x509", "-noout", "-text", "-in", name + ".pem").expectSuccess().stdout;
    }
}
