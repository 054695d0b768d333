package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

class CaStoreTest {
    @TempDir
    static Path dir;
    static OpenSsl openssl;

    @BeforeAll
    static void makeFiles() throws Exception {
        openssl = new OpenSsl(dir);
        openssl.ca("rootA");
        openssl.ca("rootB");
        openssl.issue("leafA", "rootA", "ec", "basicConstraints=CA:FALSE");
        // A self-signed certificate that says it is no CA, and one whose v3 extensions say nothing about it.
        openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "selfNonCa.key",
                "-out", "selfNonCa.pem", "-subj", "/CN=selfNonCa", "-addext", "basicConstraints=critical,CA:FALSE");
        Files.writeString(dir.resolve("v3.cnf"), "[req]\ndistinguished_name=dn\nx509_extensions=x\n[dn]\n[x]\nsubjectKeyIdentifier=hash\n");
        openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "v3NoBc.key",
                "-out", "v3NoBc.pem", "-subj", "/CN=v3NoBc", "-config", "v3.cnf");
        openssl.issue("bySelfNonCa", "selfNonCa", "ec", "basicConstraints=CA:FALSE");
        openssl.issue("byV3NoBc", "v3NoBc", "ec", "basicConstraints=CA:FALSE");
    }

    private static Path f(String name) {
        return openssl.file(name);
    }

    private static X509Certificate cert(String name) throws TlsException {
        return CertificateLoader.certificates(f(name)).get(0);
    }

    private static TlsException assertBadInput(String source, String problem, org.junit.jupiter.api.function.Executable call) {
        TlsException e = assertThrows(TlsException.class, call);
        assertEquals(TlsErrorCode.BAD_INPUT, e.code());
        assertTrue(e.getMessage().startsWith(source + ": ") && e.getMessage().contains(problem), e.getMessage());
        return e;
    }

    @Test
    void fileDescribesWhereCertificatesCameFrom() throws Exception {
        Path bundle = openssl.concat("bundle.pem", "rootA.pem", "rootB.pem");
        CaStore store = CaStore.builder().addFile(bundle).build();
        assertEquals(2, store.certificates().size());
        assertEquals(2, store.trustAnchors().size());
        assertEquals(List.of("CN=rootA", "CN=rootB"), store.subjects().stream().map(p -> p.getName()).collect(java.util.stream.Collectors.toList()));
        assertEquals("2 CA certificates from " + bundle, store.description());
        assertFalse(store.isEmpty());
    }

    @Test
    void severalSourcesAreMergedAndDeduplicated() throws Exception {
        CaStore store = CaStore.builder().addFile(f("rootA.pem")).addFile(f("rootB.pem"))
                .addCertificates(List.of(cert("rootA.pem"))).build();
        assertEquals(2, store.certificates().size());
        assertTrue(store.description().startsWith("2 CA certificates from " + f("rootA.pem") + ", " + f("rootB.pem")), store.description());
        assertEquals(1, CaStore.of(cert("rootA.pem"), cert("rootA.pem")).certificates().size());
    }

    @Test
    void hashedDirectoryFromOpensslRehash() throws Exception {
        Path hashed = Files.createDirectories(dir.resolve("hashed"));
        Files.copy(f("rootA.pem"), hashed.resolve("rootA.pem"));
        Files.copy(f("rootB.pem"), hashed.resolve("rootB.pem"));
        openssl.run("rehash", hashed.toString());
        String hash = openssl.run("x509", "-hash", "-noout", "-in", "rootA.pem").strip();
        assertTrue(Files.isSymbolicLink(hashed.resolve(hash + ".0")));
        // A directory of hashed links alone, beside a CRL and files that are no certificates.
        Path onlyLinks = Files.createDirectories(dir.resolve("links"));
        Files.createSymbolicLink(onlyLinks.resolve(hash + ".0"), f("rootA.pem"));
        Files.writeString(onlyLinks.resolve(hash + ".r0"), "-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n");
        Files.writeString(onlyLinks.resolve("README"), "not a certificate");
        Files.writeString(onlyLinks.resolve("broken.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n");
        CaStore store = CaStore.builder().addDirectory(onlyLinks).build();
        assertEquals(List.of(cert("rootA.pem")), store.certificates());
        CaStore both = CaStore.builder().addDirectory(hashed).build();
        assertEquals(2, both.certificates().size(), "links and the files they point to count once");
        assertTrue(both.description().endsWith("from " + hashed), both.description());
    }

    @Test
    void plainPemCrtCerFilesInDirectory() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Files.copy(f("rootA.pem"), plain.resolve("a.crt"));
        openssl.run("x509", "-in", "rootB.pem", "-outform", "DER", "-out", plain.resolve("b.cer").toString());
        Files.copy(f("rootB.pem"), plain.resolve("b.txt"));
        assertEquals(2, CaStore.builder().addDirectory(plain).build().certificates().size());
    }

    @Test
    void directoryErrors() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("emptyDir"));
        Files.writeString(empty.resolve("notes.pem"), "nothing here");
        assertBadInput(empty.toString(), "directory holds no usable CA certificate", () -> CaStore.builder().addDirectory(empty).build());
        Path missing = dir.resolve("noSuchDir");
        assertBadInput(missing.toString(), "no such directory", () -> CaStore.builder().addDirectory(missing).build());
        assertBadInput(f("rootA.pem").toString(), "is not a directory", () -> CaStore.builder().addDirectory(f("rootA.pem")).build());
    }

    @Test
    void fileErrorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing-ca.pem");
        assertBadInput(missing.toString(), "no such file", () -> CaStore.builder().addFile(missing).build());
        assertBadInput(f("leafA.pem").toString(), "no usable CA certificate", () -> CaStore.builder().addFile(f("leafA.pem")).build());
    }

    /**
     * What OpenSSL 3 ({@code openssl verify -CAfile}) does with certificates that may not issue,
     * and that CaStore plus PKIX over its anchors (or its directly trusted list) says the same.
     */
    @Test
    void nonCaCertificatesAgreeWithOpensslVerify() throws Exception {
        String[][] cases = {
            // CA file, certificate verified
            {"rootA.pem", "leafA.pem"},            // a real CA issues: OK
            {"selfNonCa.pem", "bySelfNonCa.pem"},  // CA:FALSE as issuer: invalid CA
            {"v3NoBc.pem", "byV3NoBc.pem"},        // v3 without basicConstraints as issuer: invalid CA
            {"selfNonCa.pem", "selfNonCa.pem"},    // self-signed CA:FALSE as the leaf itself: OK
            {"v3NoBc.pem", "v3NoBc.pem"},          // same without basicConstraints: OK
            {"leafA.pem", "leafA.pem"},            // a CA-signed leaf alone in the CA file: no issuer
        };
        boolean[] expected = {true, false, false, true, true, false};
        for (int i = 0; i < cases.length; i++) {
            String caFile = cases[i][0];
            String target = cases[i][1];
            boolean opensslOk = openssl.tryRun("verify", "-CAfile", caFile, target).status == 0;
            assertEquals(expected[i], opensslOk, "openssl verify -CAfile " + caFile + " " + target);
            CaStore store = CaStore.of(CertificateLoader.certificates(f(caFile)).toArray(new X509Certificate[0]));
            assertEquals(opensslOk, trusts(store, cert(target)), "CaStore " + caFile + " -> " + target + " (" + store + ")");
        }
        assertTrue(CaStore.of(cert("leafA.pem")).isEmpty(), "a CA-signed leaf is ignored");
        assertEquals(List.of(cert("selfNonCa.pem")), CaStore.of(cert("selfNonCa.pem")).directlyTrusted());
        assertTrue(CaStore.of(cert("selfNonCa.pem")).trustAnchors().isEmpty());
    }

    /**
     * OpenSSL trust settings ({@code openssl x509 -addtrust ... -trustout}) decide what a CA is
     * trusted for: a CA trusted for e-mail only must not authenticate a TLS server. Each case is
     * put to {@code openssl verify -purpose sslserver|sslclient} and to the store for that role.
     */
    @Test
    void trustSettingsOfTrustedCertificatesAgreeWithOpensslVerifyPurpose() throws Exception {
        String[][] cases = {
            // certificate, -addtrust purposes (empty: only an alias, no trust list), certificate verified
            {"rootA", "emailProtection", "leafA"},
            {"rootA", "emailProtection codeSigning", "leafA"},
            {"rootA", "serverAuth", "leafA"},
            {"rootA", "clientAuth", "leafA"},
            {"rootA", "serverAuth clientAuth", "leafA"},
            {"rootA", "anyExtendedKeyUsage", "leafA"},
            {"rootA", "", "leafA"},
            {"selfNonCa", "emailProtection", "selfNonCa"},
            {"selfNonCa", "serverAuth", "selfNonCa"},
        };
        // Whether openssl accepts the case for sslserver and for sslclient.
        boolean[][] expected = {
            {false, false}, {false, false}, {true, false}, {false, true}, {true, true}, {true, true}, {true, true},
            {false, false}, {true, false},
        };
        for (int i = 0; i < cases.length; i++) {
            String name = "trust" + i + ".pem";
            List<String> args = new java.util.ArrayList<>(List.of("x509", "-in", cases[i][0] + ".pem", "-trustout", "-out", name));
            if (cases[i][1].isEmpty()) {
                args.addAll(List.of("-setalias", "no trust list"));
            }
            for (String purpose : cases[i][1].split(" ")) {
                if (!purpose.isEmpty()) {
                    args.addAll(List.of("-addtrust", purpose));
                }
            }
            openssl.run(args.toArray(new String[0]));
            assertTrue(Files.readString(f(name)).contains("BEGIN TRUSTED CERTIFICATE"));
            // rootB keeps the file usable when the case's certificate is skipped.
            Path bundle = openssl.concat("bundle" + i + ".pem", name, "rootB.pem");
            CaStore store = CaStore.builder().addFile(bundle).build();
            String target = cases[i][2] + ".pem";
            String what = cases[i][0] + " trusted for '" + cases[i][1] + "' -> " + target;
            for (int role = 0; role < 2; role++) {
                String purpose = role == 0 ? "sslserver" : "sslclient";
                boolean opensslOk = openssl.tryRun("verify", "-purpose", purpose, "-CAfile", bundle.toString(), target).status == 0;
                assertEquals(expected[i][role], opensslOk, "openssl verify -purpose " + purpose + ": " + what);
                CaStore forRole = role == 0 ? store.forServerCertificates() : store.forClientCertificates();
                assertEquals(opensslOk, trusts(forRole, cert(target)), purpose + ": " + what + " (" + forRole + ")");
            }
        }
    }

    @Test
    void certificatesTrustedForNoTlsPurposeAreSkippedAndSaidSo() throws Exception {
        openssl.run("x509", "-in", "rootA.pem", "-addtrust", "emailProtection", "-trustout", "-out", "emailOnly.pem");
        Path bundle = openssl.concat("emailOnlyBundle.pem", "emailOnly.pem", "rootB.pem");
        CaStore store = CaStore.builder().addFile(bundle).build();
        assertEquals(List.of(cert("rootB.pem")), store.certificates());
        assertTrue(store.description().contains("1 certificate(s) skipped: their TRUSTED CERTIFICATE trust settings do not allow "
                + "serverAuth or clientAuth: CN=rootA (emailProtection)"), store.description());
        assertBadInput(f("emailOnly.pem").toString(), "trust settings allow neither serverAuth nor clientAuth",
                () -> CaStore.builder().addFile(f("emailOnly.pem")).build());
        // A store copied into another keeps the trust settings, and the first copy of a certificate decides.
        CaStore copied = CaStore.builder().addStore(store).addFile(f("rootA.pem")).build();
        assertEquals(List.of(cert("rootB.pem")), copied.certificates());
        assertEquals(2, CaStore.builder().addFile(f("rootA.pem")).addStore(store).build().certificates().size());
        openssl.run("x509", "-in", "rootA.pem", "-addtrust", "clientAuth", "-trustout", "-out", "clientOnly.pem");
        CaStore clientOnly = CaStore.builder().addFile(f("clientOnly.pem")).build();
        assertEquals(List.of(cert("rootA.pem")), clientOnly.forClientCertificates().certificates());
        assertTrue(clientOnly.forServerCertificates().isEmpty());
        assertTrue(clientOnly.forServerCertificates().description().contains("do not allow serverAuth: CN=rootA (clientAuth)"),
                clientOnly.forServerCertificates().description());
    }

    /** The rule CaStore's Javadoc gives a verifier: the peer is directly trusted, or PKIX succeeds over the anchors. */
    private static boolean trusts(CaStore store, X509Certificate peer) throws Exception {
        if (store.directlyTrusted().contains(peer)) {
            return true;
        }
        if (store.trustAnchors().isEmpty()) {
            return false;
        }
        PKIXParameters params = new PKIXParameters(store.trustAnchors());
        params.setRevocationEnabled(false);
        try {
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(peer)), params);
            return true;
        } catch (java.security.cert.CertPathValidatorException e) {
            return false;
        }
    }

    @Test
    void mayIssueFollowsOpensslCheckCa() throws Exception {
        assertTrue(CaStore.mayIssue(cert("rootA.pem")));
        assertFalse(CaStore.mayIssue(cert("selfNonCa.pem")));
        assertFalse(CaStore.mayIssue(cert("v3NoBc.pem")));
        assertFalse(CaStore.mayIssue(cert("leafA.pem")));
        openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "noSign.key",
                "-out", "noSign.pem", "-subj", "/CN=noSign", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,digitalSignature");
        assertFalse(CaStore.mayIssue(cert("noSign.pem")), "CA:TRUE whose keyUsage lacks keyCertSign");
    }

    // --- default_ca ---

    private static final java.util.function.Supplier<List<X509Certificate>> NO_JDK = () -> {
        throw new AssertionError("JDK store consulted too early");
    };

    @Test
    void systemDefaultPrefersSslCertFile() throws Exception {
        Path bundleDir = Files.createDirectories(dir.resolve("sys1"));
        Files.copy(f("rootB.pem"), bundleDir.resolve("rootB.pem"));
        CaStore store = CaStore.systemDefault(Map.of("SSL_CERT_FILE", f("rootA.pem").toString(), "SSL_CERT_DIR", bundleDir.toString()),
                List.of(f("rootB.pem")), bundleDir, NO_JDK);
        assertEquals(List.of(cert("rootA.pem")), store.certificates());
        assertTrue(store.description().contains(f("rootA.pem").toString()));
    }

    @Test
    void systemDefaultThenSslCertDirColonSeparated() throws Exception {
        Path a = Files.createDirectories(dir.resolve("envA"));
        Path b = Files.createDirectories(dir.resolve("envB"));
        Files.copy(f("rootA.pem"), a.resolve("a.pem"));
        Files.copy(f("rootB.pem"), b.resolve("b.pem"));
        CaStore store = CaStore.systemDefault(Map.of("SSL_CERT_DIR", a + ":" + dir.resolve("absent") + ":" + b),
                List.of(f("leafA.pem")), null, NO_JDK);
        assertEquals(2, store.certificates().size());
    }

    @Test
    void systemDefaultThenFirstUsableBundleThenDirectoryThenJdk() throws Exception {
        Path certsDir = Files.createDirectories(dir.resolve("etc-ssl-certs"));
        Files.copy(f("rootB.pem"), certsDir.resolve("rootB.pem"));
        List<Path> bundles = List.of(dir.resolve("absent.crt"), f("leafA.pem"), f("rootA.pem"));
        assertEquals(List.of(cert("rootA.pem")), CaStore.systemDefault(Map.of(), bundles, certsDir, NO_JDK).certificates());
        assertEquals(List.of(cert("rootB.pem")), CaStore.systemDefault(Map.of(), List.of(dir.resolve("absent.crt")), certsDir, NO_JDK).certificates());
        List<X509Certificate> fromJdk = List.of(cert("rootB.pem"));
        CaStore jdk = CaStore.systemDefault(Map.of("SSL_CERT_FILE", ""), List.of(), dir.resolve("absentDir"), () -> fromJdk);
        assertEquals(List.of(cert("rootB.pem")), jdk.certificates());
        assertEquals("1 CA certificate from the JDK's default trust store", jdk.description());
    }

    @Test
    void systemDefaultVariableThatPointsNowhereIsAnError() {
        Map<String, String> env = Map.of("SSL_CERT_FILE", dir.resolve("nope.pem").toString());
        TlsException e = assertBadInput("SSL_CERT_FILE", "no such file", () -> CaStore.systemDefault(env, List.of(f("rootA.pem")), null, NO_JDK));
        assertTrue(e.getMessage().contains(dir.resolve("nope.pem").toString()));
        assertBadInput("SSL_CERT_DIR", "none of these directories exists",
                () -> CaStore.systemDefault(Map.of("SSL_CERT_DIR", "/nonexistent-a:/nonexistent-b"), List.of(), null, NO_JDK));
    }

    @Test
    void jdkDefaultTrustStoreIsNotEmpty() throws Exception {
        CaStore store = CaStore.systemDefault(Map.of(), List.of(), null, CaStore::jdkDefault);
        assertFalse(store.isEmpty());
        assertTrue(store.description().endsWith("from the JDK's default trust store"));
    }
}
