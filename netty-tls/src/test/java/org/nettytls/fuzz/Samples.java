package org.nettytls.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemWriter;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.cert.Pem;
import org.nettytls.cert.PasswordCallback;

/**
 * Real inputs to mutate, minted once per JVM by the project's own PKI utilities: certificates,
 * chains and keys in every format the loader reads, and CRLs. Nothing here is committed; the keys
 * live only in memory.
 */
public final class Samples {
    public static final String PASSWORD = "fuzz";
    public static final PasswordCallback PASSWORDS = source -> PASSWORD.toCharArray();

    public final HeldCertificate ca;
    public final HeldCertificate leaf;
    public final HeldCertificate rsaLeaf;
    public final HeldCertificate otherLeaf;
    public final byte[] chainPem;
    public final byte[] leafDer;
    public final byte[] caPem;
    public final byte[] keyPkcs8Pem;
    public final byte[] keyPkcs8Der;
    public final byte[] ecSec1Pem;
    public final byte[] rsaPkcs1Pem;
    public final byte[] encryptedPkcs8Pem;
    public final byte[] legacyEncryptedPem;
    public final byte[] pkcs12;
    public final byte[] crlPem;
    public final byte[] crlDer;

    private static volatile Samples instance;

    private Samples() throws Exception {
        Provider bc = new BouncyCastleProvider();
        ca = HeldCertificate.builder().commonName("fuzz CA").certificateAuthority(0).build();
        leaf = HeldCertificate.builder().commonName("fuzz.test").dns("fuzz.test", "*.fuzz.test").ip("192.0.2.7")
                .signedBy(ca).crlUrl("http://crl.fuzz.test/ca.crl").build();
        rsaLeaf = HeldCertificate.builder().commonName("rsa.fuzz.test").dns("rsa.fuzz.test").rsa(2048).signedBy(ca).build();
        otherLeaf = HeldCertificate.builder().commonName("other.fuzz.test").dns("other.fuzz.test").signedBy(ca).build();
        chainPem = utf8(leaf.chainPem());
        leafDer = leaf.certificate().getEncoded();
        caPem = utf8(ca.certificatePem());
        PrivateKey ecKey = leaf.privateKey();
        PrivateKey rsaKey = rsaLeaf.privateKey();
        keyPkcs8Pem = utf8(Pem.privateKey(ecKey));
        keyPkcs8Der = ecKey.getEncoded();
        // SEC1 as openssl ecparam -genkey writes it: with the curve inside (PKCS#8 keeps it outside).
        PrivateKeyInfo ecInfo = PrivateKeyInfo.getInstance(ecKey.getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(ecInfo.parsePrivateKey());
        ecSec1Pem = utf8(Pem.encode("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                inner.getPublicKey(), ecInfo.getPrivateKeyAlgorithm().getParameters()).getEncoded()));
        rsaPkcs1Pem = utf8(Pem.encode("RSA PRIVATE KEY",
                PrivateKeyInfo.getInstance(rsaKey.getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded()));
        // Few iterations: every mutated try derives the key again.
        encryptedPkcs8Pem = utf8(Pem.encode("ENCRYPTED PRIVATE KEY", new JcaPKCS8Generator(ecKey,
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_128_CBC).setProvider(bc).setIterationCount(8)
                        .setPassword(PASSWORD.toCharArray()).build()).generate().getContent()));
        StringWriter legacy = new StringWriter();
        try (PemWriter w = new PemWriter(legacy)) {
            w.writeObject(new JcaMiscPEMGenerator(rsaKey, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(bc)
                    .build(PASSWORD.toCharArray())));
        }
        legacyEncryptedPem = utf8(legacy.toString());
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        p12.load(null, null);
        p12.setKeyEntry("fuzz", ecKey, PASSWORD.toCharArray(), leaf.chain().toArray(new Certificate[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p12.store(out, PASSWORD.toCharArray());
        pkcs12 = out.toByteArray();
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X509CRL crl = ca.crl(Map.of(otherLeaf.certificate().getSerialNumber(), 1, BigInteger.valueOf(77), 0),
                now.minus(1, ChronoUnit.HOURS), now.plus(1, ChronoUnit.DAYS));
        crlDer = crl.getEncoded();
        crlPem = utf8(Pem.encode("X509 CRL", crlDer));
    }

    /** The samples, minted on first use. */
    public static Samples get() {
        Samples s = instance;
        if (s == null) {
            synchronized (Samples.class) {
                s = instance;
                if (s == null) {
                    try {
                        s = new Samples();
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot mint the fuzzing samples", e);
                    }
                    instance = s;
                }
            }
        }
        return s;
    }

    /** Every certificate, key and PKCS#12 sample, for mutation. */
    public List<byte[]> certificatesAndKeys() {
        return List.of(chainPem, leafDer, caPem, keyPkcs8Pem, keyPkcs8Der, ecSec1Pem, rsaPkcs1Pem, encryptedPkcs8Pem,
                legacyEncryptedPem, pkcs12, concat(chainPem, keyPkcs8Pem));
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
