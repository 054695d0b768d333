package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

class CertificateLoaderTest {
    private static final String PASS = "s3cret";

    @TempDir
    static Path dir;
    static OpenSsl openssl;

    @BeforeAll
    static void makeFiles() throws Exception {
        openssl = new OpenSsl(dir);
        openssl.ca("ca");
        openssl.issue("rsa", "ca", "rsa:2048", "basicConstraints=CA:FALSE");
        openssl.issue("ec", "ca", "ec", "basicConstraints=CA:FALSE");
        openssl.concat("rsa-chain.pem", "rsa.pem", "ca.pem");
        openssl.concat("ec-chain.pem", "ec.pem", "ca.pem");
    }

    private static Path f(String name) {
        return openssl.file(name);
    }

    private static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }

    /** Asserts BAD_INPUT whose message names {@code file} and contains {@code problem}; returns the message. */
    private static String assertBadInput(Path file, String problem, Executable call) {
        return assertBadInput(file.toString(), problem, call);
    }

    private static String assertBadInput(String source, String problem, Executable call) {
        TlsException e = assertThrows(TlsException.class, call);
        assertEquals(TlsErrorCode.BAD_INPUT, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        return e.getMessage();
    }

    // --- certificates ---

    @Test
    void pemChainKeepsFileOrderLeafFirst() throws Exception {
        List<X509Certificate> certs = CertificateLoader.certificates(f("rsa-chain.pem"));
        assertEquals(List.of("CN=rsa", "CN=ca"), List.of(subject(certs.get(0)), subject(certs.get(1))));
    }

    @Test
    void derCertificate() throws Exception {
        openssl.run("x509", "-in", "ec.pem", "-outform", "DER", "-out", "ec.der");
        List<X509Certificate> certs = CertificateLoader.certificates(f("ec.der"));
        assertEquals(1, certs.size());
        assertEquals("CN=ec", subject(certs.get(0)));
    }

    @Test
    void detectsByContentNotName() throws Exception {
        openssl.run("x509", "-in", "rsa.pem", "-outform", "DER", "-out", "looks-like.pem");
        Files.copy(f("rsa.pem"), f("looks-like.der"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertEquals("CN=rsa", subject(CertificateLoader.certificates(f("looks-like.pem")).get(0)));
        assertEquals("CN=rsa", subject(CertificateLoader.certificates(f("looks-like.der")).get(0)));
    }

    @Test
    void textBeforePemBlockIsIgnored() throws Exception {
        openssl.run("x509", "-in", "rsa.pem", "-text", "-out", "with-text.pem");
        assertEquals("CN=rsa", subject(CertificateLoader.certificates(f("with-text.pem")).get(0)));
    }

    @Test
    void trustedCertificateFormIsRead() throws Exception {
        openssl.run("x509", "-in", "ca.pem", "-addtrust", "serverAuth", "-trustout", "-out", "trusted.pem");
        assertTrue(Files.readString(f("trusted.pem")).contains("BEGIN TRUSTED CERTIFICATE"));
        assertEquals("CN=ca", subject(CertificateLoader.certificates(f("trusted.pem")).get(0)));
    }

    @Test
    void trustedCertificateThatRejectsIsRefused() throws Exception {
        openssl.run("x509", "-in", "ca.pem", "-addreject", "clientAuth", "-trustout", "-out", "rejecting.pem");
        assertBadInput(f("rejecting.pem"), "rejects some purposes", () -> CertificateLoader.certificates(f("rejecting.pem")));
    }

    @Test
    void inMemoryCertificates() throws Exception {
        byte[] data = Files.readAllBytes(f("ec-chain.pem"));
        assertEquals(2, CertificateLoader.certificates(data, "memory:chain").size());
        assertBadInput("memory:key", "not a certificate", () -> CertificateLoader.certificates(Files.readAllBytes(f("ec.key")), "memory:key"));
    }

    // --- keys ---

    @Test
    void rsaPkcs8KeyFile() throws Exception {
        KeyMaterial m = CertificateLoader.keyMaterial(f("rsa-chain.pem"), f("rsa.key"), null);
        assertTrue(m.key() instanceof RSAPrivateKey, m.key().getClass().getName());
        assertEquals("CN=rsa", subject(m.leaf()));
        assertEquals(List.of("CN=rsa", "CN=ca"), List.of(subject(m.chain().get(0)), subject(m.chain().get(1))));
        assertTrue(Files.readString(f("rsa.key")).contains("BEGIN PRIVATE KEY"));
    }

    @Test
    void rsaPkcs1KeyFile() throws Exception {
        openssl.run("rsa", "-in", "rsa.key", "-traditional", "-out", "rsa-pkcs1.key");
        assertTrue(Files.readString(f("rsa-pkcs1.key")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-pkcs1.key"), null).key() instanceof RSAPrivateKey);
    }

    @Test
    void ecPkcs8AndSec1KeyFiles() throws Exception {
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec.key"), null).key() instanceof ECPrivateKey);
        openssl.run("ec", "-in", "ec.key", "-out", "ec-sec1.key");
        assertTrue(Files.readString(f("ec-sec1.key")).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec-sec1.key"), null).key() instanceof ECPrivateKey);
        // openssl ecparam -genkey writes EC PARAMETERS before the EC PRIVATE KEY.
        openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-out", "ec-params.key");
        openssl.run("req", "-x509", "-key", "ec-params.key", "-subj", "/CN=ecp", "-out", "ec-params.pem");
        assertTrue(Files.readString(f("ec-params.key")).startsWith("-----BEGIN EC PARAMETERS"));
        assertTrue(CertificateLoader.keyMaterial(f("ec-params.pem"), f("ec-params.key"), null).key() instanceof ECPrivateKey);
    }

    @Test
    void ecKeyWithoutCurveTakesItFromEcParametersBlock() throws Exception {
        openssl.run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "bare.key");
        openssl.run("ec", "-in", "bare.key", "-no_public", "-param_enc", "named_curve", "-out", "bare2.key");
        openssl.run("ecparam", "-name", "prime256v1", "-out", "params.pem");
        // A SEC1 key with its curve removed, preceded by EC PARAMETERS: what some tools write.
        org.bouncycastle.asn1.sec.ECPrivateKey full = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(
                org.bouncycastle.asn1.ASN1Primitive.fromByteArray(pemDer(f("bare2.key"))));
        org.bouncycastle.asn1.sec.ECPrivateKey noCurve = new org.bouncycastle.asn1.sec.ECPrivateKey(256, full.getKey());
        String pem = Files.readString(f("params.pem")) + Pem.encode("EC PRIVATE KEY", noCurve.getEncoded());
        Contents c = CertificateLoader.decode(pem.getBytes(StandardCharsets.US_ASCII), "memory", null, true);
        assertTrue(c.key instanceof ECPrivateKey);
        assertBadInput("memory", "names no curve", () -> CertificateLoader.decode(
                Pem.encode("EC PRIVATE KEY", noCurve.getEncoded()).getBytes(StandardCharsets.US_ASCII), "memory", null, true));
    }

    private static byte[] pemDer(Path file) throws Exception {
        return PemBlock.parse(Files.readAllBytes(file), file.toString()).get(0).der;
    }

    @Test
    void encryptedPkcs8AesAndPbes1() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "rsa.key", "-v2", "aes-256-cbc", "-passout", "pass:" + PASS, "-out", "rsa-aes.key");
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-v1", "PBE-SHA1-3DES", "-passout", "pass:" + PASS, "-out", "ec-pbes1.key");
        assertTrue(Files.readString(f("rsa-aes.key")).contains("BEGIN ENCRYPTED PRIVATE KEY"));
        assertTrue(CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-aes.key"), PasswordCallback.of(PASS)).key() instanceof RSAPrivateKey);
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec-pbes1.key"), PasswordCallback.of(PASS)).key() instanceof ECPrivateKey);
    }

    @Test
    void genpkeyAes256EncryptedKey() throws Exception {
        openssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:" + PASS, "-out", "gen.key");
        openssl.run("req", "-x509", "-key", "gen.key", "-passin", "pass:" + PASS, "-subj", "/CN=gen", "-out", "gen.pem");
        assertTrue(CertificateLoader.keyMaterial(f("gen.pem"), f("gen.key"), PasswordCallback.of(PASS)).key() instanceof ECPrivateKey);
    }

    @Test
    void legacyEncryptedPem() throws Exception {
        openssl.run("rsa", "-in", "rsa.key", "-aes256", "-traditional", "-passout", "pass:" + PASS, "-out", "rsa-legacy.key");
        openssl.run("ec", "-in", "ec.key", "-aes256", "-passout", "pass:" + PASS, "-out", "ec-legacy.key");
        String rsa = Files.readString(f("rsa-legacy.key"));
        assertTrue(rsa.contains("Proc-Type: 4,ENCRYPTED") && rsa.contains("DEK-Info: AES-256-CBC"), rsa);
        assertTrue(Files.readString(f("ec-legacy.key")).contains("Proc-Type: 4,ENCRYPTED"));
        assertTrue(CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-legacy.key"), PasswordCallback.of(PASS)).key() instanceof RSAPrivateKey);
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec-legacy.key"), PasswordCallback.of(PASS)).key() instanceof ECPrivateKey);
        assertBadInput(f("rsa-legacy.key"), "wrong password",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-legacy.key"), PasswordCallback.of("nope")));
        assertBadInput(f("ec-legacy.key"), "key is encrypted and no password callback (SSL_passwd_cb) was given",
                () -> CertificateLoader.keyMaterial(f("ec.pem"), f("ec-legacy.key"), null));
    }

    @Test
    void derKeys() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "rsa.key", "-outform", "DER", "-nocrypt", "-out", "rsa-pkcs8.der");
        openssl.run("rsa", "-in", "rsa.key", "-traditional", "-outform", "DER", "-out", "rsa-pkcs1.der");
        openssl.run("ec", "-in", "ec.key", "-outform", "DER", "-out", "ec-sec1.der");
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-outform", "DER", "-v2", "aes-128-cbc", "-passout", "pass:" + PASS, "-out", "ec-enc.der");
        assertTrue(CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-pkcs8.der"), null).key() instanceof RSAPrivateKey);
        assertTrue(CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-pkcs1.der"), null).key() instanceof RSAPrivateKey);
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec-sec1.der"), null).key() instanceof ECPrivateKey);
        assertTrue(CertificateLoader.keyMaterial(f("ec.pem"), f("ec-enc.der"), PasswordCallback.of(PASS)).key() instanceof ECPrivateKey);
    }

    @Test
    void keyInCertificateFileWhenNoKeyFile() throws Exception {
        Path both = openssl.concat("both.pem", "ec.key", "ec.pem", "ca.pem");
        KeyMaterial m = CertificateLoader.keyMaterial(both, null, null);
        assertTrue(m.key() instanceof ECPrivateKey);
        assertEquals(List.of("CN=ec", "CN=ca"), List.of(subject(m.chain().get(0)), subject(m.chain().get(1))));
        assertBadInput(f("ec-chain.pem"), "no private key found", () -> CertificateLoader.keyMaterial(f("ec-chain.pem"), null, null));
    }

    @Test
    void ed25519KeyLoads() throws Exception {
        openssl.run("req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", "ed.key", "-out", "ed.pem", "-subj", "/CN=ed");
        assertTrue(CertificateLoader.keyMaterial(f("ed.pem"), f("ed.key"), null).key() instanceof java.security.interfaces.EdECPrivateKey);
    }

    @Test
    void inMemoryKeyMaterial() throws Exception {
        KeyMaterial m = CertificateLoader.keyMaterial(Files.readAllBytes(f("rsa.pem")), "mem-cert",
                Files.readAllBytes(f("rsa.key")), "mem-key", null);
        assertEquals("CN=rsa", subject(m.leaf()));
    }

    // --- PKCS#12 ---

    private void pkcs12(String out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("pkcs12", "-export", "-in", "rsa.pem", "-inkey", "rsa.key",
                "-certfile", "ca.pem", "-out", out));
        args.addAll(List.of(extra));
        openssl.run(args.toArray(new String[0]));
    }

    @Test
    void pkcs12DefaultAesWithPassword() throws Exception {
        pkcs12("aes.p12", "-passout", "pass:" + PASS);
        assertTrue(openssl.run("pkcs12", "-in", "aes.p12", "-info", "-noout", "-passin", "pass:" + PASS).contains("AES-256-CBC"));
        KeyMaterial m = CertificateLoader.keyMaterial(f("aes.p12"), null, PasswordCallback.of(PASS));
        assertTrue(m.key() instanceof RSAPrivateKey);
        assertEquals(List.of("CN=rsa", "CN=ca"), List.of(subject(m.chain().get(0)), subject(m.chain().get(1))));
        assertEquals(2, CertificateLoader.certificates(f("aes.p12"), PasswordCallback.of(PASS)).size());
        assertBadInput(f("aes.p12"), "wrong password", () -> CertificateLoader.keyMaterial(f("aes.p12"), null, PasswordCallback.of("bad")));
        assertBadInput(f("aes.p12"), "no password callback (SSL_passwd_cb) was given", () -> CertificateLoader.certificates(f("aes.p12")));
    }

    @Test
    void pkcs12Legacy() throws Exception {
        pkcs12("legacy.p12", "-legacy", "-passout", "pass:" + PASS);
        assertTrue(openssl.run("pkcs12", "-in", "legacy.p12", "-info", "-noout", "-legacy", "-passin", "pass:" + PASS).contains("RC2"));
        KeyMaterial m = CertificateLoader.keyMaterial(f("legacy.p12"), null, PasswordCallback.of(PASS));
        assertEquals("CN=rsa", subject(m.leaf()));
        assertEquals(2, m.chain().size());
    }

    @Test
    void pkcs12EmptyPasswordNeedsNoCallback() throws Exception {
        pkcs12("empty.p12", "-passout", "pass:");
        KeyMaterial m = CertificateLoader.keyMaterial(f("empty.p12"), null, null);
        assertEquals("CN=rsa", subject(m.leaf()));
        pkcs12("empty-legacy.p12", "-legacy", "-passout", "pass:");
        assertEquals("CN=rsa", subject(CertificateLoader.keyMaterial(f("empty-legacy.p12"), null, null).leaf()));
    }

    @Test
    void pkcs12WithoutMac() throws Exception {
        pkcs12("nomac.p12", "-nomac", "-passout", "pass:");
        assertEquals("CN=rsa", subject(CertificateLoader.keyMaterial(f("nomac.p12"), null, null).leaf()));
        pkcs12("nomac-pw.p12", "-nomac", "-passout", "pass:" + PASS);
        assertEquals("CN=rsa", subject(CertificateLoader.keyMaterial(f("nomac-pw.p12"), null, PasswordCallback.of(PASS)).leaf()));
        assertBadInput(f("nomac-pw.p12"), "wrong password", () -> CertificateLoader.keyMaterial(f("nomac-pw.p12"), null, PasswordCallback.of("bad")));
    }

    @Test
    void pkcs12CertificatesOnly() throws Exception {
        openssl.run("pkcs12", "-export", "-nokeys", "-in", "ca.pem", "-out", "cas.p12", "-passout", "pass:" + PASS);
        assertEquals("CN=ca", subject(CertificateLoader.certificates(f("cas.p12"), PasswordCallback.of(PASS)).get(0)));
        assertBadInput(f("cas.p12"), "no private key found", () -> CertificateLoader.keyMaterial(f("cas.p12"), null, PasswordCallback.of(PASS)));
    }

    // --- passwords ---

    @Test
    void callbackIsAskedOnceWithTheFileAndItsPasswordIsZeroed() throws Exception {
        pkcs12("asked.p12", "-passout", "pass:" + PASS);
        List<String> asked = new ArrayList<>();
        List<char[]> given = new ArrayList<>();
        PasswordCallback cb = source -> {
            asked.add(source);
            char[] p = PASS.toCharArray();
            given.add(p);
            return p;
        };
        CertificateLoader.keyMaterial(f("asked.p12"), null, cb);
        assertEquals(List.of(f("asked.p12").toString()), asked);
        assertArrayEquals(new char[PASS.length()], given.get(0));
    }

    @Test
    void callbackIsNotAskedForUnencryptedInput() throws Exception {
        PasswordCallback never = source -> {
            throw new AssertionError("asked for " + source);
        };
        CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa.key"), never);
    }

    @Test
    void certificatesIgnoreAnEncryptedKeyBesideThem() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-v2", "aes-256-cbc", "-passout", "pass:" + PASS, "-out", "ec-enc.key");
        Path both = openssl.concat("enc-both.pem", "ec-enc.key", "ec.pem");
        assertEquals(1, CertificateLoader.certificates(both).size());
    }

    @Test
    void wrongPasswordForEncryptedPkcs8() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "rsa.key", "-v2", "aes-256-cbc", "-passout", "pass:" + PASS, "-out", "rsa-wrong.key");
        assertBadInput(f("rsa-wrong.key"), "wrong password",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-wrong.key"), PasswordCallback.of("nope")));
        assertBadInput(f("rsa-wrong.key"), "key is encrypted and no password callback (SSL_passwd_cb) was given",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa-wrong.key"), null));
    }

    // --- bad input, each with one clear error naming the file ---

    @Test
    void keyDoesNotMatchCertificateNamesBothFiles() throws Exception {
        String msg = assertBadInput(f("ec.key"), "key does not match certificate",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("ec.key"), null));
        assertTrue(msg.contains(f("rsa.pem").toString()), msg);
        openssl.issue("rsa2", "ca", "rsa:2048", "basicConstraints=CA:FALSE");
        msg = assertBadInput(f("rsa2.key"), "key does not match certificate",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("rsa2.key"), null));
        assertTrue(msg.contains(f("rsa.pem").toString()), msg);
        openssl.issue("ec2", "ca", "ec", "basicConstraints=CA:FALSE");
        assertBadInput(f("ec2.key"), "key does not match certificate",
                () -> CertificateLoader.keyMaterial(f("ec.pem"), f("ec2.key"), null));
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("missing.pem");
        assertBadInput(missing, "no such file", () -> CertificateLoader.certificates(missing));
        assertBadInput(missing, "no such file", () -> CertificateLoader.keyMaterial(f("rsa.pem"), missing, null));
    }

    @Test
    void directoryIsNotAFile() {
        assertBadInput(dir, "is a directory", () -> CertificateLoader.certificates(dir));
    }

    @Test
    void unreadableFile() throws Exception {
        Path locked = Files.copy(f("rsa.pem"), dir.resolve("locked.pem"));
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "running as root: permissions are not enforced");
        assertBadInput(locked, "permission denied", () -> CertificateLoader.certificates(locked));
    }

    @Test
    void emptyFile() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        Path blank = Files.writeString(dir.resolve("blank.pem"), " \n\n");
        assertBadInput(empty, "file is empty", () -> CertificateLoader.certificates(empty));
        assertBadInput(blank, "file is empty", () -> CertificateLoader.certificates(blank));
    }

    @Test
    void keyFileGivenAsCertificate() {
        assertBadInput(f("rsa.key"), "not a certificate: it holds PRIVATE KEY but no certificate",
                () -> CertificateLoader.certificates(f("rsa.key")));
        assertBadInput(f("rsa.key"), "not a certificate", () -> CertificateLoader.keyMaterial(f("rsa.key"), f("rsa.key"), null));
    }

    @Test
    void derKeyGivenAsCertificate() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-outform", "DER", "-nocrypt", "-out", "ec-as-cert.der");
        assertBadInput(f("ec-as-cert.der"), "not a certificate", () -> CertificateLoader.certificates(f("ec-as-cert.der")));
    }

    @Test
    void certificateGivenAsKey() {
        assertBadInput(f("ca.pem"), "no private key found (it holds 1 certificate(s))",
                () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("ca.pem"), null));
    }

    @Test
    void truncatedPem() throws Exception {
        String pem = Files.readString(f("rsa.pem"));
        Path cut = Files.writeString(dir.resolve("cut.pem"), pem.substring(0, pem.length() / 2));
        assertBadInput(cut, "truncated PEM", () -> CertificateLoader.certificates(cut));
        Path cutChain = Files.writeString(dir.resolve("cut-chain.pem"), pem.substring(0, pem.length() / 2) + Files.readString(f("ca.pem")));
        assertBadInput(cutChain, "truncated PEM", () -> CertificateLoader.certificates(cutChain));
    }

    @Test
    void badBase64() throws Exception {
        String pem = Files.readString(f("rsa.pem"));
        int body = pem.indexOf('\n') + 10;
        Path bad = Files.writeString(dir.resolve("bad64.pem"), pem.substring(0, body) + "*!" + pem.substring(body + 2));
        assertBadInput(bad, "bad base64 in PEM CERTIFICATE block", () -> CertificateLoader.certificates(bad));
    }

    @Test
    void garbledCertificateInsideGoodBase64() throws Exception {
        Path bad = Files.writeString(dir.resolve("garbled.pem"), Pem.encode("CERTIFICATE", new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}));
        assertBadInput(bad, "not a valid X.509 certificate", () -> CertificateLoader.certificates(bad));
    }

    @Test
    void neitherPemNorDer() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.txt"), "hello, this is not a certificate\n");
        assertBadInput(text, "neither PEM nor DER", () -> CertificateLoader.certificates(text));
        Path truncatedDer = dir.resolve("truncated.der");
        byte[] der = pemDer(f("rsa.pem"));
        Files.write(truncatedDer, java.util.Arrays.copyOf(der, der.length - 20));
        assertBadInput(truncatedDer, "neither PEM nor DER", () -> CertificateLoader.certificates(truncatedDer));
    }

    @Test
    void noKeyInPemWithOtherBlocks() throws Exception {
        openssl.run("req", "-new", "-key", "rsa.key", "-subj", "/CN=x", "-out", "req.pem");
        assertBadInput(f("req.pem"), "it holds CERTIFICATE REQUEST but no certificate", () -> CertificateLoader.certificates(f("req.pem")));
        assertBadInput(f("req.pem"), "no private key found", () -> CertificateLoader.keyMaterial(f("rsa.pem"), f("req.pem"), null));
    }

    @Test
    void noPasswordFromCallback() throws Exception {
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-v2", "aes-256-cbc", "-passout", "pass:" + PASS, "-out", "ec-nopw.key");
        assertBadInput(f("ec-nopw.key"), "gave no password", () -> CertificateLoader.keyMaterial(f("ec.pem"), f("ec-nopw.key"), s -> null));
    }

    @Test
    void pemBlockOfUnknownKeyIsNotMistakenForCertificate() throws Exception {
        Contents c = CertificateLoader.decode(Files.readAllBytes(f("rsa.key")), "x", null, false);
        assertTrue(c.certificates.isEmpty());
        assertNull(c.key);
    }
}
