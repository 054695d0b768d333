package org.nettytls.cert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.misc.MiscObjectIdentifiers;
import org.bouncycastle.asn1.misc.ScryptParams;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.EncryptionScheme;
import org.bouncycastle.asn1.pkcs.KeyDerivationFunc;
import org.bouncycastle.asn1.pkcs.MacData;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.Pfx;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.operator.MacCalculator;
import org.bouncycastle.pkcs.bc.BcPKCS12MacCalculatorBuilder;
import org.nettytls.fuzz.Samples;

/**
 * Files whose key derivations would cost minutes, made the way an attacker makes them: a real
 * encrypted file with its cost parameters rewritten and nothing recomputed but, where it must
 * verify first, the PKCS#12 MAC.
 */
final class CostlyInputs {
    /** More than 2<sup>31</sup>: half an hour and more of PBKDF2 in Java. */
    static final BigInteger HUGE = BigInteger.valueOf(Integer.MAX_VALUE);

    private CostlyInputs() {
    }

    /**
     * {@code der} with every INTEGER equal to {@code from} set to {@code to}, also inside OCTET
     * STRINGs that hold DER (a PKCS#12 file keeps its contents and key bags in them).
     */
    static byte[] withInteger(byte[] der, long from, BigInteger to) {
        byte[] out = rewrite(der, BigInteger.valueOf(from), to);
        if (out == null) {
            throw new IllegalArgumentException("not DER");
        }
        if (Arrays.equals(out, der)) {
            throw new IllegalArgumentException("no INTEGER " + from + " in the input");
        }
        return out;
    }

    /** A PEM block's DER rewritten as by {@link #withInteger(byte[], long, BigInteger)}, as PEM again. */
    static byte[] pemWithInteger(byte[] pem, long from, BigInteger to) {
        PemBlock block;
        try {
            block = PemBlock.parse(pem, "sample").get(0);
        } catch (org.nettytls.error.TlsException e) {
            throw new IllegalArgumentException(e);
        }
        return Pem.encode(block.label, withInteger(block.der, from, to)).getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code pfx} with a new SHA-256 MAC of {@code iterations} for {@code password}, over its contents as they are. */
    static byte[] withNewMac(byte[] pfx, char[] password, int iterations) {
        try {
            Pfx parsed = Pfx.getInstance(pfx);
            byte[] content = ASN1OctetString.getInstance(parsed.getAuthSafe().getContent()).getOctets();
            AlgorithmIdentifier sha256 = new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256, DERNull.INSTANCE);
            MacCalculator mac = new BcPKCS12MacCalculatorBuilder(new SHA256Digest(), sha256).setIterationCount(iterations)
                    .build(password);
            try (OutputStream out = mac.getOutputStream()) {
                out.write(content);
            }
            byte[] salt = org.bouncycastle.asn1.pkcs.PKCS12PBEParams.getInstance(mac.getAlgorithmIdentifier().getParameters()).getIV();
            return new Pfx(parsed.getAuthSafe(), new MacData(new DigestInfo(sha256, mac.getMac()), salt, iterations))
                    .getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An {@code ENCRYPTED PRIVATE KEY} with PBES2/scrypt of the given parameters (its ciphertext is random: it is never reached). */
    static byte[] scryptKey(BigInteger n, BigInteger r, BigInteger p) {
        SecureRandom random = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] iv = new byte[16];
        byte[] ciphertext = new byte[160];
        random.nextBytes(salt);
        random.nextBytes(iv);
        random.nextBytes(ciphertext);
        KeyDerivationFunc kdf = new KeyDerivationFunc(MiscObjectIdentifiers.id_scrypt,
                new ScryptParams(salt, n, r, p, BigInteger.valueOf(32)));
        EncryptionScheme aes = new EncryptionScheme(NISTObjectIdentifiers.id_aes256_CBC, new DEROctetString(iv));
        try {
            byte[] der = new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_PBES2,
                    new PBES2Parameters(kdf, aes)), ciphertext).getEncoded(ASN1Encoding.DER);
            return Pem.encode("ENCRYPTED PRIVATE KEY", der).getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The crafted inputs of the regression examples and the fuzzing corpus, from the in-memory
     * samples (the JDK's PKCS#12 with 10000 iterations everywhere, an encrypted PKCS#8 key with 8),
     * by name, each with the phrase its refusal must contain.
     */
    static Map<String, Map.Entry<byte[], String>> examples() {
        Samples s = Samples.get();
        Map<String, Map.Entry<byte[], String>> examples = new LinkedHashMap<>();
        examples.put("pkcs12-mac-iterations.p12", Map.entry(withInteger(s.pkcs12, 10000, HUGE),
                "PKCS#12 MAC asks for 2147483647 iterations, more than the 2000000 allowed"));
        examples.put("pkcs12-contents-iterations.p12", Map.entry(
                withNewMac(withInteger(s.pkcs12, 10000, HUGE), Samples.PASSWORD.toCharArray(), 2048),
                "PKCS#12 encrypted contents (PBES2/PBKDF2) asks for 2147483647 iterations"));
        examples.put("pkcs8-pbkdf2-iterations.pem", Map.entry(pemWithInteger(s.encryptedPkcs8Pem, 8, HUGE),
                "encrypted private key (PBES2/PBKDF2) asks for 2147483647 iterations"));
        examples.put("pkcs8-pbkdf2-iterations-beyond-64-bits.pem", Map.entry(
                pemWithInteger(s.encryptedPkcs8Pem, 8, BigInteger.TWO.pow(100)), "asks for " + BigInteger.TWO.pow(100)));
        examples.put("pkcs8-scrypt-memory.pem", Map.entry(scryptKey(BigInteger.TWO.pow(20), BigInteger.valueOf(8), BigInteger.ONE),
                "(PBES2/scrypt N=1048576, r=8, p=1) asks for 1073744896 bytes of memory, more than the 33554432 allowed"));
        examples.put("pkcs8-scrypt-parallel.pem", Map.entry(scryptKey(BigInteger.valueOf(1024), BigInteger.ONE, BigInteger.valueOf(200_000)),
                "(PBES2/scrypt N=1024, r=1, p=200000) asks for N·r·p = 204800000, more than the 2000000 allowed"));
        return examples;
    }

    private static byte[] rewrite(byte[] in, BigInteger from, BigInteger to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            if (in.length - i < 2 || (in[i] & 0x1f) == 0x1f) {
                return null;
            }
            int tag = in[i] & 0xff;
            long length = in[i + 1] & 0xff;
            int header = 2;
            if (length == 0x80) {
                return null;
            }
            if (length > 0x80) {
                int n = (int) (length & 0x7f);
                if (n > 4 || in.length - i < 2 + n) {
                    return null;
                }
                length = 0;
                for (int k = 0; k < n; k++) {
                    length = length << 8 | (in[i + 2 + k] & 0xff);
                }
                header += n;
            }
            if (length > in.length - i - header) {
                return null;
            }
            byte[] content = Arrays.copyOfRange(in, i + header, i + header + (int) length);
            if (tag == 0x02 && content.length > 0 && new BigInteger(content).equals(from)) {
                content = to.toByteArray();
            } else if ((tag & 0x20) != 0) {
                content = rewrite(content, from, to);
                if (content == null) {
                    return null;
                }
            } else if (tag == 0x04) {
                byte[] inner = rewrite(content, from, to);
                content = inner == null ? content : inner;
            }
            out.write(tag);
            writeLength(out, content.length);
            out.writeBytes(content);
            i += header + (int) length;
        }
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int length) {
        if (length < 0x80) {
            out.write(length);
            return;
        }
        int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
        out.write(0x80 | bytes);
        for (int k = bytes - 1; k >= 0; k--) {
            out.write(length >>> (8 * k));
        }
    }
}
