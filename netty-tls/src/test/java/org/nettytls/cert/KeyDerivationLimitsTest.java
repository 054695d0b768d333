package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.pkcs.PKCS12PBEParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.testing.Interop;
import org.nettytls.testing.Processes;

/**
 * A file chooses what opening it costs: an iteration count, scrypt's N, r and p. Files made by
 * openssl with a count rewritten to 2<sup>31</sup>-1 (an attacker's edit; a loader without a bound
 * would work for most of an hour on each) are refused at once with the count found and the count
 * allowed, while what openssl, keytool and certtool really write still loads.
 */
class KeyDerivationLimitsTest {
    private static final String PASS = "s3cret";
    /** Bounds a refusal that should be immediate; reaching it means a derivation ran (2^31 iterations take half an hour). */
    private static final Duration HANG = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static OpenSsl openssl;

    @BeforeAll
    static void makeFiles() throws Exception {
        openssl = new OpenSsl(dir);
        openssl.ca("ca");
        openssl.issue("ec", "ca", "ec", "basicConstraints=CA:FALSE");
    }

    private static byte[] read(String name) throws Exception {
        return Files.readAllBytes(openssl.file(name));
    }

    private static String refused(String source, Executable load, String... phrases) {
        TlsException e = assertTimeoutPreemptively(HANG, () -> assertThrows(TlsException.class, load));
        assertEquals(TlsErrorCode.BAD_INPUT, e.code(), e.getMessage());
        assertTrue(e.getMessage().startsWith(source + ": "), e.getMessage());
        for (String phrase : phrases) {
            assertTrue(e.getMessage().contains(phrase), e.getMessage());
        }
        return e.getMessage();
    }

    private static void pkcs12(String out, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("pkcs12", "-export", "-in", "ec.pem", "-inkey", "ec.key",
                "-certfile", "ca.pem", "-out", out));
        args.addAll(List.of(extra));
        openssl.run(args.toArray(new String[0]));
    }

    @Test
    void pkcs12MacIterationCountAboveTheLimitIsRefusedBeforeAnyPasswordIsAsked() throws Exception {
        pkcs12("mac.p12", "-iter", "2049", "-passout", "pass:" + PASS);
        byte[] costly = CostlyInputs.withInteger(read("mac.p12"), 2049, CostlyInputs.HUGE);
        AtomicInteger asked = new AtomicInteger();
        refused("mac.p12", () -> CertificateLoader.keyMaterial(costly, "mac.p12", null, null, source -> {
            asked.incrementAndGet();
            return PASS.toCharArray();
        }), "PKCS#12 MAC asks for 2147483647 iterations, more than the 2000000 allowed");
        assertEquals(0, asked.get(), "the callback was asked for a file that is refused anyway");
    }

    @Test
    void pkcs12ContentsAndKeyIterationCountsAboveTheLimitAreRefusedBehindAValidMac() throws Exception {
        pkcs12("aes.p12", "-iter", "2049", "-passout", "pass:" + PASS);
        byte[] costly = CostlyInputs.withNewMac(CostlyInputs.withInteger(read("aes.p12"), 2049, CostlyInputs.HUGE),
                PASS.toCharArray(), 2048);
        refused("aes.p12", () -> CertificateLoader.certificates(costly, "aes.p12", PasswordCallback.of(PASS)),
                "PKCS#12 encrypted contents (PBES2/PBKDF2) asks for 2147483647 iterations, more than the 2000000 allowed");
        refused("aes.p12", () -> CertificateLoader.keyMaterial(costly, "aes.p12", null, null, PasswordCallback.of(PASS)),
                "(PBES2/PBKDF2) asks for 2147483647 iterations, more than the 2000000 allowed");
    }

    @Test
    void legacyPkcs12ContentsAboveTheLimitAreRefused() throws Exception {
        pkcs12("legacy.p12", "-legacy", "-iter", "2049", "-passout", "pass:" + PASS);
        byte[] costly = CostlyInputs.withNewMac(CostlyInputs.withInteger(read("legacy.p12"), 2049, CostlyInputs.HUGE),
                PASS.toCharArray(), 2048);
        refused("legacy.p12", () -> CertificateLoader.keyMaterial(costly, "legacy.p12", null, null, PasswordCallback.of(PASS)),
                "(PKCS#12 PBE) asks for 2147483647 iterations, more than the 2000000 allowed");
    }

    @Test
    void pkcs12WithoutMacIsRefusedWhileTheEmptyPasswordIsTried() throws Exception {
        // openssl 3.0 writes a MAC after all when -iter comes after -nomac.
        pkcs12("nomac.p12", "-iter", "2049", "-nomac", "-passout", "pass:");
        byte[] costly = CostlyInputs.withInteger(read("nomac.p12"), 2049, CostlyInputs.HUGE);
        // Without a MAC the empty password is tried first; its refusal must not turn into "no password callback".
        refused("nomac.p12", () -> CertificateLoader.keyMaterial(costly, "nomac.p12", null, null, null),
                "(PBES2/PBKDF2) asks for 2147483647 iterations, more than the 2000000 allowed");
    }

    @Test
    void encryptedPkcs8WithPbkdf2Pbes1OrScryptAboveTheLimitsIsRefusedBeforeThePasswordIsAsked() throws Exception {
        byte[] cert = read("ec.pem");
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-v2", "aes-256-cbc", "-iter", "2049", "-passout", "pass:" + PASS,
                "-out", "pbkdf2.key");
        openssl.run("pkcs8", "-topk8", "-provider", "legacy", "-provider", "default", "-in", "ec.key", "-v1", "PBE-MD5-DES",
                "-iter", "2049", "-passout", "pass:" + PASS, "-out", "pbes1.key");
        openssl.run("pkcs8", "-topk8", "-in", "ec.key", "-scrypt", "-scrypt_p", "3", "-passout", "pass:" + PASS, "-out", "scrypt.key");
        PasswordCallback never = source -> {
            throw new AssertionError("the callback was asked for " + source + ", a key that is refused anyway");
        };
        refused("pbkdf2.key", () -> CertificateLoader.keyMaterial(cert, "ec.pem",
                CostlyInputs.pemWithInteger(read("pbkdf2.key"), 2049, CostlyInputs.HUGE), "pbkdf2.key", never),
                "encrypted private key (PBES2/PBKDF2) asks for 2147483647 iterations, more than the 2000000 allowed");
        refused("pbes1.key", () -> CertificateLoader.keyMaterial(cert, "ec.pem",
                CostlyInputs.pemWithInteger(read("pbes1.key"), 2049, CostlyInputs.HUGE), "pbes1.key", never),
                "encrypted private key (PBES1) asks for 2147483647 iterations, more than the 2000000 allowed");
        refused("scrypt.key", () -> CertificateLoader.keyMaterial(cert, "ec.pem",
                CostlyInputs.pemWithInteger(read("scrypt.key"), 16384, BigInteger.TWO.pow(20)), "scrypt.key", never),
                "(PBES2/scrypt N=1048576, r=8, p=3) asks for 1073746944 bytes of memory, more than the 33554432 allowed");
        refused("scrypt.key", () -> CertificateLoader.keyMaterial(cert, "ec.pem",
                CostlyInputs.pemWithInteger(read("scrypt.key"), 3, BigInteger.valueOf(2000)), "scrypt.key", never),
                "(PBES2/scrypt N=16384, r=8, p=2000) asks for N·r·p = 262144000, more than the 2000000 allowed");
        // The same files as openssl wrote them load.
        for (String key : List.of("pbkdf2.key", "pbes1.key", "scrypt.key")) {
            KeyMaterial m = CertificateLoader.keyMaterial(openssl.file("ec.pem"), openssl.file(key), PasswordCallback.of(PASS));
            assertTrue(m.key() instanceof ECPrivateKey, key);
        }
    }

    @Test
    void whatOpensslKeytoolAndCerttoolWriteStillLoads() throws Exception {
        pkcs12("default.p12", "-passout", "pass:" + PASS);
        pkcs12("legacy-default.p12", "-legacy", "-passout", "pass:" + PASS);
        Path keytoolStore = dir.resolve("keytool.p12");
        Processes.run(dir, Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "kt", "-dname", "CN=keytool", "-storetype", "PKCS12",
                "-keystore", keytoolStore.toString(), "-storepass", PASS, "-keypass", PASS).expectSuccess();
        Path certtoolStore = dir.resolve("certtool.p12");
        Processes.run(dir, Interop.require("certtool"), "--to-p12", "--load-privkey", "ec.key", "--load-certificate", "ec.pem",
                "--outder", "--outfile", certtoolStore.toString(), "--password", PASS, "--p12-name", "ct").expectSuccess();
        // certtool 3.7 writes 600000 iterations everywhere: the most any tool here writes.
        assertTrue(openssl.run("pkcs12", "-in", "certtool.p12", "-info", "-noout", "-passin", "pass:" + PASS)
                .contains("Iteration 600000"));
        for (Path p12 : List.of(openssl.file("default.p12"), openssl.file("legacy-default.p12"), keytoolStore, certtoolStore)) {
            KeyMaterial m = CertificateLoader.keyMaterial(p12, null, PasswordCallback.of(PASS));
            assertTrue(m.key() instanceof ECPrivateKey, p12.toString());
        }
    }

    @Test
    void eachDerivationIsBoundedAndSoAreAllOfOneSourceTogether() throws Exception {
        KdfBudget budget = new KdfBudget("f");
        budget.iterations(BigInteger.valueOf(KdfBudget.MAX_ITERATIONS), "first");
        String message = assertThrows(TlsException.class,
                () -> budget.iterations(BigInteger.valueOf(KdfBudget.MAX_ITERATIONS + 1), "second")).getMessage();
        assertEquals("f: second asks for 2000001 iterations, more than the 2000000 allowed", message.substring(0, message.indexOf(" (")));
        assertTrue(budget.refused());

        KdfBudget total = new KdfBudget("g");
        AlgorithmIdentifier atLimit = new AlgorithmIdentifier(PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC,
                new PKCS12PBEParams(new byte[8], (int) KdfBudget.MAX_ITERATIONS));
        for (int i = 0; i < KdfBudget.MAX_TOTAL / KdfBudget.MAX_ITERATIONS; i++) {
            total.charge(atLimit, "part " + i);
        }
        assertTrue(!total.refused());
        assertEquals("g: part 5 (PKCS#12 PBE) would bring the key derivations for this one source to 12000000 iterations,"
                + " more than the 10000000 allowed in all",
                assertThrows(TlsException.class, () -> total.charge(atLimit, "part 5")).getMessage());

        // Counts no derivation runs with are left to the decryption to refuse, and cost nothing.
        KdfBudget odd = new KdfBudget("h");
        odd.iterations(BigInteger.valueOf(-5), "negative");
        odd.iterations(BigInteger.ZERO, "zero");
        assertTrue(!odd.refused());
    }
}
