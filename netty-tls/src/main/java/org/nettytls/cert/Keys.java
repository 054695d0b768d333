package org.nettytls.cert;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.CipherInputStream;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PBKDF2Params;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.PBEParametersGenerator;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA224Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMDecryptorProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.InputDecryptor;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.encoders.Hex;
import org.nettytls.error.TlsException;

/** Private-key decoding, decryption and the key-matches-certificate check behind {@link CertificateLoader}. */
final class Keys {
    /**
     * Bouncy Castle, used through this instance only: registering it with {@code Security} would
     * change every other user of the JVM's providers.
     */
    static final Provider BC = new BouncyCastleProvider();

    static final String NO_CALLBACK = "key is encrypted and no password callback (SSL_passwd_cb) was given";

    private static final Map<ASN1ObjectIdentifier, String> JDK_NAMES = Map.of(
            PKCSObjectIdentifiers.rsaEncryption, "RSA",
            PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
            X9ObjectIdentifiers.id_ecPublicKey, "EC",
            X9ObjectIdentifiers.id_dsa, "DSA",
            new ASN1ObjectIdentifier("1.3.101.112"), "Ed25519",
            new ASN1ObjectIdentifier("1.3.101.113"), "Ed448");

    private Keys() {
    }

    /** The JCA key for a PKCS#8 structure: the JDK's own classes where it knows the algorithm, Bouncy Castle's otherwise. */
    static PrivateKey toPrivateKey(PrivateKeyInfo info, String source) throws TlsException {
        String name = JDK_NAMES.get(info.getPrivateKeyAlgorithm().getAlgorithm());
        try {
            byte[] encoded = info.getEncoded();
            if (name != null) {
                try {
                    return KeyFactory.getInstance(name).generatePrivate(new PKCS8EncodedKeySpec(encoded));
                } catch (GeneralSecurityException e) {
                    // Explicit EC curve parameters and the like: Bouncy Castle below understands them.
                }
            }
            return new JcaPEMKeyConverter().setProvider(BC).getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "private key cannot be decoded ("
                    + info.getPrivateKeyAlgorithm().getAlgorithm() + ")", e);
        }
    }

    /** PKCS#1 {@code RSAPrivateKey} as PKCS#8. */
    static PrivateKeyInfo fromPkcs1(byte[] der, String source) throws TlsException {
        try {
            RSAPrivateKey rsa = RSAPrivateKey.getInstance(ASN1Primitive.fromByteArray(der));
            return new PrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption,
                    org.bouncycastle.asn1.DERNull.INSTANCE), rsa);
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "RSA PRIVATE KEY (PKCS#1) is malformed", e);
        }
    }

    /**
     * SEC1 {@code ECPrivateKey} as PKCS#8; the curve comes from the key itself or, when it leaves
     * it out, from the {@code EC PARAMETERS} block before it (as {@code openssl ecparam -genkey} writes).
     */
    static PrivateKeyInfo fromSec1(byte[] der, byte[] separateParams, String source) throws TlsException {
        try {
            ECPrivateKey ec = ECPrivateKey.getInstance(ASN1Primitive.fromByteArray(der));
            ASN1Encodable params = ec.getParametersObject();
            if (params == null && separateParams != null) {
                params = ASN1Primitive.fromByteArray(separateParams);
            }
            if (params == null) {
                throw TlsException.badInput(source, "EC PRIVATE KEY names no curve and no EC PARAMETERS block precedes it", null);
            }
            return new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, params), ec);
        } catch (TlsException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "EC PRIVATE KEY (SEC1) is malformed", e);
        }
    }

    /** PKCS#8 {@code PrivateKeyInfo}. */
    static PrivateKeyInfo fromPkcs8(byte[] der, String source) throws TlsException {
        try {
            return PrivateKeyInfo.getInstance(ASN1Primitive.fromByteArray(der));
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "PRIVATE KEY (PKCS#8) is malformed", e);
        }
    }

    /** An {@code ENCRYPTED PRIVATE KEY} (PKCS#8, PBES2 or PBES1), decrypted with the callback's password. */
    static PrivateKeyInfo decryptPkcs8(byte[] der, String source, Passwords passwords) throws TlsException {
        PKCS8EncryptedPrivateKeyInfo encrypted;
        try {
            encrypted = new PKCS8EncryptedPrivateKeyInfo(der);
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "ENCRYPTED PRIVATE KEY is malformed", e);
        }
        // Refused before the callback is asked: no one is prompted for a key that will not be opened.
        passwords.budget.charge(encrypted.getEncryptionAlgorithm(), "encrypted private key");
        char[] password = passwords.get(NO_CALLBACK);
        try {
            return encrypted.decryptPrivateKeyInfo(decryptor(password));
        } catch (Exception e) {
            throw TlsException.badInput(source, "wrong password for encrypted private key (or the key is corrupt)", e);
        }
    }

    /**
     * A legacy OpenSSL encrypted PEM key ({@code Proc-Type: 4,ENCRYPTED} and {@code DEK-Info}, as
     * {@code openssl rsa -aes256 -traditional} writes), decrypted to the DER of its label.
     */
    static byte[] decryptLegacyPem(PemBlock block, String source, Passwords passwords) throws TlsException {
        String dekInfo = block.headers.get("DEK-Info");
        int comma = dekInfo == null ? -1 : dekInfo.indexOf(',');
        if (comma < 0) {
            throw TlsException.badInput(source, block.label + " is encrypted but its DEK-Info header is missing or malformed", null);
        }
        String algorithm = dekInfo.substring(0, comma).strip();
        byte[] iv;
        try {
            iv = Hex.decode(dekInfo.substring(comma + 1).strip());
        } catch (RuntimeException e) {
            throw TlsException.badInput(source, block.label + " has a malformed DEK-Info IV", null);
        }
        char[] password = passwords.get(NO_CALLBACK);
        PEMDecryptorProvider provider = new JcePEMDecryptorProviderBuilder().setProvider(BC).build(password);
        try {
            byte[] plain = provider.get(algorithm).decrypt(block.der, iv);
            // A wrong password usually fails the padding check; when it happens to pass, the DER is garbage.
            ASN1Primitive.fromByteArray(plain);
            return plain;
        } catch (Exception e) {
            if (e.getMessage() != null && e.getMessage().contains("unknown encryption")) {
                throw TlsException.badInput(source, block.label + " is encrypted with unsupported " + algorithm, null);
            }
            throw TlsException.badInput(source, "wrong password for encrypted " + block.label + " (or the key is corrupt)", e);
        }
    }

    /**
     * A decryptor for PKCS#8 and PKCS#12 contents. Bouncy Castle's PBKDF2 refuses an empty password,
     * which OpenSSL accepts and {@code openssl pkcs12 -export -passout pass:} uses with PBES2/AES;
     * that one case derives the key here.
     */
    static InputDecryptorProvider decryptor(char[] password) throws TlsException {
        InputDecryptorProvider bc;
        try {
            bc = new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(password);
        } catch (Exception e) {
            throw TlsException.badInput("password", "cannot set up decryption", e);
        }
        if (password.length > 0) {
            return bc;
        }
        return algorithm -> {
            ASN1ObjectIdentifier oid = algorithm.getAlgorithm();
            if (PKCSObjectIdentifiers.id_PBES2.equals(oid)) {
                return emptyPasswordPbes2(algorithm);
            }
            if (oid.on(PKCSObjectIdentifiers.pkcs_12PbeIds)) {
                return emptyPasswordPkcs12Pbe(algorithm);
            }
            return bc.get(algorithm);
        };
    }

    /**
     * PKCS#12 PBE ({@code openssl pkcs12 -legacy}: RC2 or 3DES with SHA-1) for the empty password,
     * which OpenSSL feeds to the key derivation as the two-byte BMPString terminator.
     */
    private static InputDecryptor emptyPasswordPkcs12Pbe(AlgorithmIdentifier algorithm)
            throws org.bouncycastle.operator.OperatorCreationException {
        ASN1ObjectIdentifier oid = algorithm.getAlgorithm();
        org.bouncycastle.crypto.BlockCipher engine;
        int keyBits;
        if (PKCSObjectIdentifiers.pbeWithSHAAnd40BitRC2_CBC.equals(oid)) {
            engine = new org.bouncycastle.crypto.engines.RC2Engine();
            keyBits = 40;
        } else if (PKCSObjectIdentifiers.pbeWithSHAAnd128BitRC2_CBC.equals(oid)) {
            engine = new org.bouncycastle.crypto.engines.RC2Engine();
            keyBits = 128;
        } else if (PKCSObjectIdentifiers.pbeWithSHAAnd3_KeyTripleDES_CBC.equals(oid)) {
            engine = new org.bouncycastle.crypto.engines.DESedeEngine();
            keyBits = 192;
        } else if (PKCSObjectIdentifiers.pbeWithSHAAnd2_KeyTripleDES_CBC.equals(oid)) {
            engine = new org.bouncycastle.crypto.engines.DESedeEngine();
            keyBits = 128;
        } else {
            throw new org.bouncycastle.operator.OperatorCreationException("unsupported PKCS#12 PBE " + oid);
        }
        org.bouncycastle.asn1.pkcs.PKCS12PBEParams params =
                org.bouncycastle.asn1.pkcs.PKCS12PBEParams.getInstance(algorithm.getParameters());
        org.bouncycastle.crypto.generators.PKCS12ParametersGenerator generator =
                new org.bouncycastle.crypto.generators.PKCS12ParametersGenerator(new SHA1Digest());
        generator.init(new byte[2], params.getIV(), params.getIterations().intValueExact());
        org.bouncycastle.crypto.BufferedBlockCipher cipher = new org.bouncycastle.crypto.paddings.PaddedBufferedBlockCipher(
                org.bouncycastle.crypto.modes.CBCBlockCipher.newInstance(engine));
        cipher.init(false, generator.generateDerivedParameters(keyBits, 64));
        return new InputDecryptor() {
            @Override
            public AlgorithmIdentifier getAlgorithmIdentifier() {
                return algorithm;
            }

            @Override
            public InputStream getInputStream(InputStream in) {
                return new org.bouncycastle.crypto.io.CipherInputStream(in, cipher);
            }
        };
    }

    private static InputDecryptor emptyPasswordPbes2(AlgorithmIdentifier algorithm) throws org.bouncycastle.operator.OperatorCreationException {
        try {
            PBES2Parameters pbes2 = PBES2Parameters.getInstance(algorithm.getParameters());
            PBKDF2Params kdf = PBKDF2Params.getInstance(pbes2.getKeyDerivationFunc().getParameters());
            ASN1ObjectIdentifier cipherOid = pbes2.getEncryptionScheme().getAlgorithm();
            int keyBytes;
            if (NISTObjectIdentifiers.id_aes128_CBC.equals(cipherOid)) {
                keyBytes = 16;
            } else if (NISTObjectIdentifiers.id_aes192_CBC.equals(cipherOid)) {
                keyBytes = 24;
            } else if (NISTObjectIdentifiers.id_aes256_CBC.equals(cipherOid)) {
                keyBytes = 32;
            } else {
                throw new org.bouncycastle.operator.OperatorCreationException("unsupported PBES2 cipher " + cipherOid);
            }
            PKCS5S2ParametersGenerator generator = new PKCS5S2ParametersGenerator(prfDigest(kdf.getPrf().getAlgorithm()));
            generator.init(PBEParametersGenerator.PKCS5PasswordToUTF8Bytes(new char[0]), kdf.getSalt(),
                    kdf.getIterationCount().intValueExact());
            byte[] key = ((KeyParameter) generator.generateDerivedParameters(keyBytes * 8)).getKey();
            byte[] iv = ASN1OctetString.getInstance(pbes2.getEncryptionScheme().getParameters()).getOctets();
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding", BC);
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            Arrays.fill(key, (byte) 0);
            return new InputDecryptor() {
                @Override
                public AlgorithmIdentifier getAlgorithmIdentifier() {
                    return algorithm;
                }

                @Override
                public InputStream getInputStream(InputStream in) {
                    return new CipherInputStream(in, cipher);
                }
            };
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new org.bouncycastle.operator.OperatorCreationException("PBES2 with an empty password: " + e.getMessage(), e);
        }
    }

    private static org.bouncycastle.crypto.Digest prfDigest(ASN1ObjectIdentifier prf) {
        if (PKCSObjectIdentifiers.id_hmacWithSHA256.equals(prf)) {
            return new SHA256Digest();
        } else if (PKCSObjectIdentifiers.id_hmacWithSHA384.equals(prf)) {
            return new SHA384Digest();
        } else if (PKCSObjectIdentifiers.id_hmacWithSHA512.equals(prf)) {
            return new SHA512Digest();
        } else if (PKCSObjectIdentifiers.id_hmacWithSHA224.equals(prf)) {
            return new SHA224Digest();
        } else if (PKCSObjectIdentifiers.id_hmacWithSHA1.equals(prf)) {
            return new SHA1Digest();
        }
        throw new IllegalArgumentException("unsupported PBKDF2 PRF " + prf);
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: it signs random bytes and
     * the public key verifies them, which proves the pair for RSA, EC, DSA and EdDSA alike
     * (comparing encodings would miss, for instance, an EC key on the same curve but another point).
     */
    static boolean matches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = signatureAlgorithm(key.getAlgorithm());
        byte[] data = new byte[32];
        new SecureRandom().nextBytes(data);
        Signature signer = Signature.getInstance(algorithm, BC);
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm, BC);
        try {
            verifier.initVerify(publicKey);
        } catch (java.security.InvalidKeyException e) {
            // A public key of another type (RSA certificate, EC key) cannot be the pair.
            return false;
        }
        verifier.update(data);
        return verifier.verify(signature);
    }

    private static String signatureAlgorithm(String keyAlgorithm) throws GeneralSecurityException {
        switch (keyAlgorithm) {
            case "RSA":
                return "SHA256withRSA";
            case "RSASSA-PSS":
                return "SHA256withRSAandMGF1";
            case "EC":
            case "ECDSA":
                return "SHA256withECDSA";
            case "DSA":
                return "SHA256withDSA";
            case "Ed25519":
            case "Ed448":
            case "EdDSA":
                return keyAlgorithm;
            default:
                throw new GeneralSecurityException("cannot check whether a " + keyAlgorithm + " key matches a certificate");
        }
    }

    /**
     * Asks the callback at most once per source and zeroes what it gave when the source is done;
     * carries the source's {@link KdfBudget}, which bounds what decrypting with it may cost.
     */
    static final class Passwords implements AutoCloseable {
        final KdfBudget budget;
        private final PasswordCallback callback;
        private final String source;
        private char[] password;

        Passwords(PasswordCallback callback, String source) {
            this.callback = callback;
            this.source = source;
            this.budget = new KdfBudget(source);
        }

        boolean hasCallback() {
            return callback != null;
        }

        /** The password, asking the callback the first time; {@code missing} is the error when there is none. */
        char[] get(String missing) throws TlsException {
            if (password == null) {
                if (callback == null) {
                    throw TlsException.badInput(source, missing, null);
                }
                char[] given = callback.password(source);
                if (given == null) {
                    throw TlsException.badInput(source, "the password callback (SSL_passwd_cb) gave no password", null);
                }
                password = given;
            }
            return password;
        }

        @Override
        public void close() {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }
}
