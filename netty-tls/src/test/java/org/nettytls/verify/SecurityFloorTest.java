package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nettytls.verify.Verdicts.accepted;
import static org.nettytls.verify.Verdicts.refused;
import static org.nettytls.verify.Verdicts.trusting;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.HeldCertificate;

/**
 * Issue #15, items 2 and 3: weak keys and signatures are refused anywhere in the chain (the
 * anchor's own self-signature aside) unless the one legacy option lowers the floor; keys too
 * costly to check are refused whatever the floor; a leaf that may sign certificates without being a
 * CA is refused; a server given such a certificate says so when its options are built; and no fact
 * the trust manager remembers stands in for these rules.
 */
class SecurityFloorTest {
    static HeldCertificate root;
    static HeldCertificate rsaRoot;

    @BeforeAll
    static void pki() throws Exception {
        root = HeldCertificate.builder().subject("O=Floor Root").certificateAuthority(2).build();
        rsaRoot = HeldCertificate.builder().subject("O=Floor RSA Root").rsa(2048).certificateAuthority(2).build();
    }

    private static PeerVerification standard(HeldCertificate... roots) throws TlsException {
        return trusting("www.example.com", roots).build();
    }

    private static PeerVerification legacy(HeldCertificate... roots) throws TlsException {
        return trusting("www.example.com", roots).securityFloor(SecurityFloor.LEGACY).build();
    }

    private static HeldCertificate.Builder leaf() {
        return HeldCertificate.builder().commonName("www.example.com").dns("www.example.com");
    }

    @Test
    void rsaBelow2048BitsIsRefusedAnywhereInTheChain() throws Exception {
        HeldCertificate weakLeaf = leaf().rsa(1024).signedBy(root).build();
        refused(standard(root), weakLeaf.chain(), TlsErrorCode.WEAK_CRYPTO, "the peer's certificate 'CN=www.example.com'",
                "RSA key of 1024 bits", "at least 2048", "OpenSSL security level 2", "SecurityFloor.LEGACY");
        HeldCertificate weakCa = HeldCertificate.builder().subject("O=Weak CA").rsa(1024).certificateAuthority(0)
                .signedBy(root).build();
        refused(standard(root), leaf().signedBy(weakCa).build().chain(), TlsErrorCode.WEAK_CRYPTO,
                "the CA certificate at depth 1 'O=Weak CA'", "RSA key of 1024 bits");
        HeldCertificate weakRoot = HeldCertificate.builder().subject("O=Weak Root").rsa(1024).certificateAuthority(0).build();
        refused(standard(weakRoot), leaf().signedBy(weakRoot).build().chain(), TlsErrorCode.WEAK_CRYPTO,
                "depth 1 'O=Weak Root'", "RSA key of 1024 bits");
        // The one option for a legacy private PKI lowers it to 1024.
        accepted(legacy(weakRoot), leaf().rsa(1024).signedBy(weakRoot).build().chain());
    }

    @Test
    void sha1AndMd5SignaturesAreRefusedButATrustAnchorsOwnSelfSignature() throws Exception {
        HeldCertificate sha1Leaf = leaf().signatureAlgorithm("SHA1withECDSA").signedBy(root).build();
        refused(standard(root), sha1Leaf.chain(), TlsErrorCode.WEAK_CRYPTO, "is signed with SHA1withECDSA",
                "SHA-1 signatures are below the security floor");
        accepted(legacy(root), sha1Leaf.chain());

        HeldCertificate sha1Ca = HeldCertificate.builder().subject("O=SHA-1 CA").certificateAuthority(0)
                .signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot).build();
        refused(standard(rsaRoot), leaf().signedBy(sha1Ca).build().chain(), TlsErrorCode.WEAK_CRYPTO, "depth 1", "SHA1withRSA");

        // A root's self-signature is never relied on: SHA-1 there is fine, as in OpenSSL.
        HeldCertificate oldRoot = HeldCertificate.builder().subject("O=Old SHA-1 Root").rsa(2048).certificateAuthority(0)
                .signatureAlgorithm("SHA1withRSA").build();
        accepted(standard(oldRoot), leaf().signedBy(oldRoot).build().chain());

        HeldCertificate md5Leaf = leaf().signatureAlgorithm("MD5withRSA").signedBy(rsaRoot).build();
        refused(standard(rsaRoot), md5Leaf.chain(), TlsErrorCode.WEAK_CRYPTO, "MD5withRSA", "MD2, MD4 and MD5");
        refused(legacy(rsaRoot), md5Leaf.chain(), TlsErrorCode.WEAK_CRYPTO, "MD5withRSA");

        HeldCertificate pssSha1 = leaf().signatureAlgorithm("SHA1withRSAandMGF1").signedBy(rsaRoot).build();
        refused(standard(rsaRoot), pssSha1.chain(), TlsErrorCode.WEAK_CRYPTO, "RSASSA-PSS over SHA-1");
        accepted(standard(rsaRoot), leaf().signatureAlgorithm("SHA256withRSAandMGF1").signedBy(rsaRoot).build().chain());
    }

    /**
     * Second review of #15: a chain another engine validated is held to the floor along every
     * path its certificates make by name, so an unrelated certificate slipped in after the leaf
     * does not hide a SHA-1 signed intermediate, nor does a leaf whose subject repeats its issuer's.
     */
    @Test
    void aChainTakenAsSentIsHeldToTheFloorWhateverWasSlippedIntoIt() throws Exception {
        HeldCertificate sha1Ca = HeldCertificate.builder().subject("O=SHA-1 CA").certificateAuthority(0)
                .signatureAlgorithm("SHA1withECDSA").signedBy(root).build();
        HeldCertificate leaf = leaf().signedBy(sha1Ca).build();
        HeldCertificate junk = HeldCertificate.builder().commonName("unrelated").build();
        PeerVerification v = PeerVerification.builder().enforce(true)
                .checkName(HostnameScheme.defaultScheme(), "www.example.com", PublicSuffix.builtIn()).build();
        for (List<java.security.cert.X509Certificate> chain : List.of(leaf.chain(),
                List.of(leaf.certificate(), junk.certificate(), sha1Ca.certificate()))) {
            PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(chain, null, true), v.clock().instant(), false);
            assertNotNull(r, "a SHA-1 signed intermediate is below the floor however the chain is sent");
            assertEquals(TlsErrorCode.WEAK_CRYPTO, r.exception.code(), r.exception::toString);
            assertTrue(r.exception.getMessage().contains("O=SHA-1 CA"), r.exception.getMessage());
        }
        HeldCertificate selfIssued = HeldCertificate.builder().subject(sha1Ca.certificate().getSubjectX500Principal())
                .dns("www.example.com").signatureAlgorithm("SHA1withECDSA").signedBy(sha1Ca).build();
        PeerJudge.Refusal r = PeerJudge.judge(v, new PeerContext(selfIssued.chain(), null, true), v.clock().instant(), false);
        assertNotNull(r, "a self-issued leaf's SHA-1 signature by its CA is judged");
        assertEquals(TlsErrorCode.WEAK_CRYPTO, r.exception.code(), r.exception::toString);
    }

    /**
     * Second review of #15: the JDK also verifies SHA-1 RSA signatures written with the old OIW
     * OID 1.3.14.3.2.15 (its name is SHA1withRSA), which the floor's list of SHA-1 OIDs lacked;
     * a CA could sign with SHA-1 under the STANDARD floor by writing that OID.
     */
    @Test
    void aSha1SignatureUnderAnOldOidIsStillSha1() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("EC").generateKeyPair();
        org.bouncycastle.operator.ContentSigner sha1 = new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                "SHA1withRSA").build(rsaRoot.privateKey());
        org.bouncycastle.operator.ContentSigner oiw = new org.bouncycastle.operator.ContentSigner() {
            @Override
            public org.bouncycastle.asn1.x509.AlgorithmIdentifier getAlgorithmIdentifier() {
                return new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                        new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.14.3.2.15"), org.bouncycastle.asn1.DERNull.INSTANCE);
            }

            @Override
            public java.io.OutputStream getOutputStream() {
                return sha1.getOutputStream();
            }

            @Override
            public byte[] getSignature() {
                return sha1.getSignature();
            }
        };
        Instant now = Instant.now();
        org.bouncycastle.cert.X509v3CertificateBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                rsaRoot.certificate().getSubjectX500Principal(), BigInteger.valueOf(4242),
                java.util.Date.from(now.minusSeconds(3600)), java.util.Date.from(now.plusSeconds(86400)),
                new javax.security.auth.x500.X500Principal("CN=www.example.com"), pair.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.dNSName, "www.example.com")));
        java.security.cert.X509Certificate cert = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                .getCertificate(b.build(oiw));
        cert.verify(rsaRoot.keyPair().getPublic());
        assertEquals("1.3.14.3.2.15", cert.getSigAlgOID());
        assertEquals("SHA1withRSA", cert.getSigAlgName(), "the JDK reads it as SHA-1 with RSA, and verifies it");
        refused(standard(rsaRoot), List.of(cert), TlsErrorCode.WEAK_CRYPTO, "SHA-1 signatures are below the security floor");
        accepted(legacy(rsaRoot), List.of(cert));
    }

    @Test
    void dsaIsRefusedAsRootAndAsLeaf() throws Exception {
        HeldCertificate dsaRoot = HeldCertificate.builder().subject("O=DSA Root").dsa(2048).certificateAuthority(0).build();
        HeldCertificate underDsa = leaf().signedBy(dsaRoot).build();
        refused(standard(dsaRoot), underDsa.chain(), TlsErrorCode.WEAK_CRYPTO, "'O=DSA Root'", "DSA key (2048 bits)",
                "CA/B Forum BR 6.1.5");
        accepted(legacy(dsaRoot), underDsa.chain());
        refused(standard(root), leaf().dsa(2048).signedBy(root).build().chain(), TlsErrorCode.WEAK_CRYPTO,
                "the peer's certificate", "DSA key");
    }

    @Test
    void ecKeysOnOtherCurvesAreRefused() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
        g.initialize(new ECGenParameterSpec("brainpoolP256r1"));
        HeldCertificate brainpool = leaf().keyPair(g.generateKeyPair()).signedBy(root).build();
        TlsException e = refused(standard(root), brainpool.chain(), TlsErrorCode.WEAK_CRYPTO, "brainpoolP256r1",
                "P-256, P-384 and P-521");
        assertTrue(e.getMessage().startsWith("the peer's certificate 'CN=www.example.com'"), e.getMessage());
        for (String curve : List.of("P-256", "P-384", "P-521")) {
            accepted(standard(root), leaf().ec(curve).signedBy(root).build().chain());
        }
    }

    @Test
    void ed25519IsAcceptedAndEd448IsNot() throws Exception {
        accepted(standard(root), leaf().ed25519().signedBy(root).build().chain());
        HeldCertificate edRoot = HeldCertificate.builder().subject("O=Ed25519 Root").ed25519().certificateAuthority(0).build();
        accepted(standard(edRoot), leaf().signedBy(edRoot).build().chain());
        refused(standard(root), leaf().ed448().signedBy(root).build().chain(), TlsErrorCode.WEAK_CRYPTO,
                "Ed448", "BoringSSL does not verify");
        accepted(legacy(root), leaf().ed448().signedBy(root).build().chain());
    }

    /** A key pair whose public half is {@code key} (a leaf's key is only carried, never used, in these chains). */
    private static KeyPair carrying(RSAPublicKey key) throws Exception {
        return new KeyPair(key, rsaRoot.privateKey());
    }

    private static RSAPublicKey rsaKey(int bits, BigInteger e) throws Exception {
        BigInteger n = new BigInteger(bits, new java.security.SecureRandom()).setBit(bits - 1).setBit(0);
        return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
    }

    @Test
    void keysTooCostlyToCheckAreRefusedWhateverTheFloor() throws Exception {
        HeldCertificate huge = leaf().keyPair(carrying(rsaKey(9000, BigInteger.valueOf(65537)))).signedBy(root).build();
        refused(standard(root), huge.chain(), TlsErrorCode.CHAIN_TOO_COMPLEX, "RSA key of 9000 bits", "larger than the 8192");
        refused(legacy(root), huge.chain(), TlsErrorCode.CHAIN_TOO_COMPLEX, "9000 bits");
        HeldCertificate bigExponent = leaf().keyPair(carrying(rsaKey(2048, BigInteger.ONE.shiftLeft(40).add(BigInteger.ONE))))
                .signedBy(root).build();
        refused(standard(root), bigExponent.chain(), TlsErrorCode.CHAIN_TOO_COMPLEX, "public exponent of 41 bits");
        HeldCertificate evenExponent = leaf().keyPair(carrying(rsaKey(2048, BigInteger.valueOf(65536)))).signedBy(root).build();
        refused(standard(root), evenExponent.chain(), TlsErrorCode.WEAK_CRYPTO, "exponent of 65536");
    }

    @Test
    void aCandidateIssuerTooCostlyToCheckIsPassedOverUnverified() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0).signedBy(root).build();
        HeldCertificate decoy = HeldCertificate.builder().subject("O=Issuing CA").certificateAuthority(0)
                .keyPair(carrying(rsaKey(9000, BigInteger.valueOf(65537)))).omitExtension("2.5.29.14").signedBy(root).build();
        HeldCertificate leaf = leaf().omitExtension("2.5.29.35").signedBy(ca).build();
        accepted(standard(root), List.of(leaf.certificate(), decoy.certificate(), ca.certificate()));
        refused(standard(root), List.of(leaf.certificate(), decoy.certificate()), TlsErrorCode.UNTRUSTED_CHAIN,
                "passed over unchecked", "9000 bits");
    }

    @Test
    void aLeafThatMaySignCertificatesWithoutBeingACaIsRefused() throws Exception {
        HeldCertificate signer = leaf().keyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature).signedBy(root).build();
        refused(standard(root), signer.chain(), TlsErrorCode.PROFILE_VIOLATION, "'CN=www.example.com'",
                "keyCertSign without basicConstraints CA:TRUE", "RFC 5280 4.2.1.3");
        HeldCertificate noBasicConstraints = leaf().keyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature)
                .omitExtension("2.5.29.19").signedBy(root).build();
        refused(standard(root), noBasicConstraints.chain(), TlsErrorCode.PROFILE_VIOLATION, "RFC 5280 4.2.1.3");
        // A CA certificate as the peer's own is allowed by RFC 5280 (the WEBPKI profile refuses it).
        HeldCertificate caLeaf = leaf().certificateAuthority(0).signedBy(root).build();
        accepted(standard(root), caLeaf.chain());
    }

    @Test
    void noRememberedFactStandsInForTheFloorOrTheProfile() throws Exception {
        HeldCertificate weakCa = HeldCertificate.builder().subject("O=Weak CA").rsa(1024).certificateAuthority(0)
                .signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot).build();
        HeldCertificate leaf = leaf().signedBy(weakCa).build();
        ChainMemory memory = new ChainMemory(ChainMemory.DEFAULT_SIZE);
        Instant now = Instant.now();
        // A legacy verifier proves every signature and has PKIX accept the path: all of it remembered.
        assertNull(PeerJudge.judge(legacy(rsaRoot), new PeerContext(leaf.chain(), null, true), now, true, memory));
        assertTrue(memory.size() >= 3, "signatures and the PKIX verdict are remembered: " + memory.size());
        PeerJudge.Refusal r = PeerJudge.judge(standard(rsaRoot), new PeerContext(leaf.chain(), null, true), now, true, memory);
        assertNotNull(r, "the same facts must not accept the chain under the standard floor");
        assertEquals(TlsErrorCode.WEAK_CRYPTO, r.exception.code());
        PeerVerification webpki = trusting("www.example.com", rsaRoot).securityFloor(SecurityFloor.STANDARD)
                .profile(ValidationProfile.WEBPKI).build();
        HeldCertificate noSan = HeldCertificate.builder().commonName("www.example.com").signedBy(rsaRoot).build();
        assertNull(PeerJudge.judge(standard(rsaRoot), new PeerContext(noSan.chain(), null, true), now, true, memory));
        assertNotNull(PeerJudge.judge(webpki, new PeerContext(noSan.chain(), null, true), now, true, memory));
    }

    @Test
    void aServerGivenAKeyBelowTheFloorSaysSoWhenItsOptionsAreBuilt() throws Exception {
        HeldCertificate weak = leaf().rsa(1024).signedBy(rsaRoot).build();
        TlsException e = assertThrows(TlsException.class, () -> TlsServerOptions.builder().certificate(weak.keyMaterial()).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().contains("SSL_cert_file") && e.getMessage().contains("RSA key of 1024 bits")
                && e.getMessage().contains("securityFloor(SecurityFloor.LEGACY)"), e.getMessage());
        TlsServerOptions.builder().certificate(weak.keyMaterial()).securityFloor(SecurityFloor.LEGACY).build();

        HeldCertificate sha1Ca = HeldCertificate.builder().subject("O=SHA-1 CA").certificateAuthority(0)
                .signatureAlgorithm("SHA1withRSA").signedBy(rsaRoot).build();
        HeldCertificate underSha1 = leaf().signedBy(sha1Ca).build();
        TlsException chain = assertThrows(TlsException.class,
                () -> TlsServerOptions.builder().certificate(underSha1.keyMaterial()).build());
        assertTrue(chain.getMessage().contains("depth 1") && chain.getMessage().contains("SHA1withRSA"), chain.getMessage());

        TlsException dsa = assertThrows(TlsException.class,
                () -> TlsServerOptions.builder().certificate(leaf().dsa(2048).signedBy(root).build().keyMaterial()).build());
        assertTrue(dsa.getMessage().contains("DSA key"), dsa.getMessage());
    }

    @Test
    void theFloorIsLoweredOnlyByItsOwnOption() throws Exception {
        HeldCertificate ok = leaf().signedBy(root).build();
        TlsException seclevel = assertThrows(TlsException.class, () -> TlsServerOptions.builder()
                .certificate(ok.keyMaterial()).cipherList("ECDHE+AESGCM:@SECLEVEL=1").build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, seclevel.code());
        assertTrue(seclevel.getMessage().contains("SSL_cipher_list") && seclevel.getMessage().contains("securityFloor"),
                seclevel.getMessage());
        TlsServerOptions.builder().certificate(ok.keyMaterial()).cipherList("ECDHE+AESGCM:@SECLEVEL=2").build();
        TlsException both = assertThrows(TlsException.class, () -> TlsServerOptions.builder().certificate(ok.keyMaterial())
                .securityFloor(SecurityFloor.LEGACY).validationProfile(ValidationProfile.WEBPKI).build());
        assertTrue(both.getMessage().contains("securityFloor"), both.getMessage());
        assertEquals(SecurityFloor.STANDARD, TlsServerOptions.builder().certificate(ok.keyMaterial()).build().securityFloor());
    }
}
