package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

class CertificateFieldsTest {
    @TempDir
    Path dir;

    private static HeldCertificate root() throws Exception {
        return HeldCertificate.builder().subject("C=DE,O=Test Org,OU=one,OU=two,CN=Fields Root")
                .certificateAuthority(0).rsa(2048).build();
    }

    private static HeldCertificate leaf(HeldCertificate root) throws Exception {
        return HeldCertificate.builder().commonName("leaf.test")
                .dns("leaf.test", "*.leaf.test").ip("127.0.0.1", "::1").email("ops@leaf.test").uri("https://leaf.test/")
                .ocspUrl("http://127.0.0.1:9/ocsp").crlUrl("http://127.0.0.1:9/ca.crl").mustStaple(true)
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)
                .serialNumber(new BigInteger("123456789012345678901234567890"))
                .validity(Instant.parse("2024-01-02T03:04:05Z"), Instant.parse("2044-01-02T03:04:05Z"))
                .signedBy(root).build();
    }

    @Test
    void fieldsAgreeWithOpensslText() throws Exception {
        String openssl = Interop.require("openssl");
        HeldCertificate root = root();
        HeldCertificate leaf = leaf(root);
        Files.writeString(dir.resolve("leaf.pem"), leaf.certificatePem());
        Map<String, Object> m = CertificateFields.asMap(leaf.certificate());

        String text = Processes.run(dir, openssl, "x509", "-noout", "-text", "-in", "leaf.pem").expectSuccess().stdout
                .replaceAll(" +\n", "\n");
        String sans = ((List<?>) m.get("subjectAltNames")).stream().map(Object::toString)
                .map(s -> s.replace("IP:", "IP Address:")).collect(Collectors.joining(", "));
        assertTrue(text.contains(sans), sans + "\n" + text);
        assertTrue(text.contains("Signature Algorithm: " + m.get("signature_alg")), text);
        assertTrue(text.contains("Version: 3 (0x2)") && m.get("version").equals(2), text);
        assertTrue(text.contains("OCSP - URI:" + ((List<?>) m.get("ocsp_uri")).get(0)), text);
        assertTrue(text.contains("URI:" + ((List<?>) m.get("crl_uri")).get(0)), text);
        assertTrue(text.contains("TLS Feature:") && text.contains("status_request"), text);
        assertTrue(text.contains("Digital Signature, Key Encipherment"), text);
        assertEquals(List.of("digitalSignature", "keyEncipherment"), m.get("keyusage"));
        assertTrue(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"), text);
        @SuppressWarnings("unchecked")
        Map<String, List<String>> eku = (Map<String, List<String>>) m.get("extkeyusage");
        assertEquals(List.of("serverAuth", "clientAuth"), eku.get("sn"));
        assertEquals(List.of("TLS Web Server Authentication", "TLS Web Client Authentication"), eku.get("ln"));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), eku.get("oid"));

        // Every extension openssl prints, in the certificate's order, with its criticality.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> ext = (List<Map<String, Object>>) m.get("ext");
        int from = 0;
        for (Map<String, Object> e : ext) {
            String heading = e.get("ln") + ":" + (Boolean.TRUE.equals(e.get("critical")) ? " critical" : "");
            int at = text.indexOf(heading + "\n", from);
            assertTrue(at > from, heading + " after offset " + from + " in\n" + text);
            from = at;
        }

        String serial = Processes.run(dir, openssl, "x509", "-noout", "-serial", "-in", "leaf.pem").expectSuccess().stdout;
        assertEquals(new BigInteger(serial.trim().substring("serial=".length()), 16).toString(), m.get("serial"));
        DateTimeFormatter f = DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss yyyy 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC);
        assertTrue(text.contains("Not Before: " + f.format((Instant) m.get("not_before"))), text);
        assertTrue(text.contains("Not After : " + f.format((Instant) m.get("not_after"))), text);

        String fp = Processes.run(dir, openssl, "x509", "-noout", "-fingerprint", "-sha256", "-in", "leaf.pem")
                .expectSuccess().stdout.trim();
        assertEquals(fp.substring(fp.indexOf('=') + 1), m.get("fingerprint_sha256"));
        assertArrayEquals(Fingerprint.binary(leaf.certificate(), "sha256", true), (byte[]) m.get("pubkey_digest_sha256"));

        Files.writeString(dir.resolve("root.pem"), root.certificatePem());
        String subject = Processes.run(dir, openssl, "x509", "-noout", "-subject", "-nameopt", "compat", "-in", "root.pem")
                .expectSuccess().stdout.trim();
        assertEquals("subject=" + CertificateFields.oneline(root.certificate().getSubjectX500Principal()), subject);
    }

    @Test
    void everyGeneralNameTypeWithOpensslLabelsAndRawBytes() throws Exception {
        String openssl = Interop.require("openssl");
        Files.writeString(dir.resolve("san.cnf"), String.join("\n", "[req]", "distinguished_name=dn", "[dn]", "[ext]",
                "subjectAltName=DNS:a.test,IP:::ffff:1.2.3.4,email:x@a.test,URI:http://a.test/,dirName:dir,"
                        + "otherName:1.2.3.4;UTF8:hello,RID:1.2.3.4.5",
                "[dir]", "C=DE", "CN=dir name", ""));
        Processes.run(dir, openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "san.key", "-subj", "/CN=x", "-config", "san.cnf", "-extensions", "ext", "-out", "san.pem")
                .expectSuccess();
        List<SubjectAltName> sans = CertificateFields.subjectAltNames(
                CertificateLoader.certificates(dir.resolve("san.pem")).get(0));

        assertEquals(List.of("DNS:a.test", "IP:0:0:0:0:0:ffff:102:304", "email:x@a.test", "URI:http://a.test/",
                "DirName:/C=DE/CN=dir name", "othername:<unsupported>", "RID:1.2.3.4.5"),
                sans.stream().map(Object::toString).toList());
        String text = Processes.run(dir, openssl, "x509", "-noout", "-text", "-in", "san.pem").expectSuccess().stdout;
        String printable = sans.subList(0, 5).stream().map(Object::toString)
                .map(s -> s.startsWith("IP:") ? "IP Address:" + s.substring(3).toUpperCase(Locale.ROOT) : s)
                .collect(Collectors.joining(", "));
        assertTrue(text.contains(printable), printable + "\n" + text);

        // An IPv4-mapped address stays 16 bytes, so it never equals the IPv4 address.
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4};
        assertEquals(SubjectAltName.ip(mapped), sans.get(1));
        assertArrayEquals(mapped, sans.get(1).rawValue());
        sans.get(1).rawValue()[0] = 9;
        assertArrayEquals(mapped, sans.get(1).rawValue(), "rawValue() is a copy");
        assertEquals(SubjectAltName.dns("a.test"), sans.get(0));
        assertEquals(SubjectAltName.parse("EMAIL:x@a.test"), sans.get(2));
        assertEquals(SubjectAltName.Type.REGISTERED_ID, sans.get(6).type());
        assertEquals(7, SubjectAltName.Type.IP.tag());
    }

    @Test
    void namesAsMapsWithRepeatedAttributesAsLists() throws Exception {
        HeldCertificate root = root();
        Map<String, Object> m = CertificateFields.asMap(leaf(root).certificate());
        assertEquals(List.of("subject", "issuer", "subjectAltNames", "not_before", "not_after", "serial", "version",
                "signature_alg", "crl_uri", "ocsp_uri", "keyusage", "extkeyusage", "ext", "pubkey_digest_sha256",
                "x509_digest_sha256", "fingerprint_sha256"), List.copyOf(m.keySet()));
        assertEquals(Map.of("commonName", "leaf.test"), m.get("subject"));
        Map<?, ?> issuer = (Map<?, ?>) m.get("issuer");
        assertEquals(List.of("countryName", "organizationName", "organizationalUnitName", "commonName"),
                List.copyOf(issuer.keySet()));
        assertEquals(List.of("one", "two"), issuer.get("organizationalUnitName"));
        assertEquals("sha256WithRSAEncryption", m.get("signature_alg"));
        assertEquals(Instant.parse("2024-01-02T03:04:05Z"), m.get("not_before"));
        assertEquals("/C=DE/O=Test Org/OU=one/OU=two/CN=Fields Root",
                CertificateFields.oneline(root.certificate().getSubjectX500Principal()));
    }

    @Test
    void typedAccessors() throws Exception {
        HeldCertificate root = root();
        HeldCertificate leaf = leaf(root);
        assertEquals("leaf.test", CertificateFields.commonName(leaf.certificate()));
        assertEquals("Fields Root", CertificateFields.commonName(root.certificate()));
        assertEquals(List.of(SubjectAltName.dns("leaf.test"), SubjectAltName.dns("*.leaf.test"),
                SubjectAltName.ip("127.0.0.1"), SubjectAltName.ip("::1"), SubjectAltName.email("ops@leaf.test"),
                SubjectAltName.uri("https://leaf.test/")), CertificateFields.subjectAltNames(leaf.certificate()));
        assertEquals(List.of("http://127.0.0.1:9/ocsp"), CertificateFields.ocspUrls(leaf.certificate()));
        assertEquals(List.of("http://127.0.0.1:9/ca.crl"), CertificateFields.crlUrls(leaf.certificate()));
        assertTrue(CertificateFields.mustStaple(leaf.certificate()));

        assertFalse(CertificateFields.mustStaple(root.certificate()));
        assertEquals(List.of(), CertificateFields.subjectAltNames(root.certificate()));
        assertEquals(List.of(), CertificateFields.ocspUrls(root.certificate()));
        assertEquals(List.of(), CertificateFields.crlUrls(root.certificate()));
        assertFalse(CertificateFields.asMap(root.certificate()).containsKey("subjectAltNames"),
                "like CERT_asHash, no subjectAltNames key without the extension");

        HeldCertificate noCn = HeldCertificate.builder().subject("O=No Name").build();
        assertNull(CertificateFields.commonName(noCn.certificate()));
    }

    @Test
    void otherDigests() throws Exception {
        Map<String, Object> m = CertificateFields.asMap(root().certificate(), "SHA1");
        assertEquals(20, ((byte[]) m.get("x509_digest_sha1")).length);
        assertEquals(59, ((String) m.get("fingerprint_sha1")).length());
    }
}
