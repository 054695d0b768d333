package org.nettytls.cert;

import java.io.IOException;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.pkcs.MacData;
import org.bouncycastle.asn1.x509.DigestInfo;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.PBEParametersGenerator;
import org.bouncycastle.crypto.generators.PKCS12ParametersGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcDefaultDigestProvider;
import org.bouncycastle.asn1.pkcs.ContentInfo;
import org.bouncycastle.asn1.pkcs.EncryptedData;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagFactory;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.nettytls.error.TlsException;

/**
 * Reads PKCS#12 files the way OpenSSL's {@code PKCS12_parse} does: first without a password (an
 * empty one), then with the callback's. Neither the JDK's nor Bouncy Castle's PKCS#12
 * {@code KeyStore} will do: the first drops certificates that carry no trust attribute, the
 * second refuses empty passwords and files without a MAC, and both hide the bag order.
 */
final class Pkcs12 {
    static final String NO_CALLBACK = "PKCS#12 file is protected by a password and no password callback (SSL_passwd_cb) was given";

    private Pkcs12() {
    }

    static boolean looksLikePkcs12(byte[] der) {
        try {
            new PKCS12PfxPdu(der);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The certificates (leaf of the key first, when there is a key) and, when {@code wantKey}, the key. */
    static Contents read(byte[] der, String source, PasswordCallback callback, boolean wantKey) throws TlsException {
        PKCS12PfxPdu pfx;
        try {
            pfx = new PKCS12PfxPdu(der);
        } catch (IOException | RuntimeException e) {
            throw TlsException.badInput(source, "not a valid PKCS#12 file", e);
        }
        try (Keys.Passwords passwords = new Keys.Passwords(callback, source)) {
            char[] empty = new char[0];
            KdfBudget budget = passwords.budget;
            if (pfx.hasMac()) {
                if (macValid(pfx, empty, source, budget)) {
                    return decode(pfx, empty, source, wantKey, budget);
                }
                char[] password = passwords.get(NO_CALLBACK);
                if (!macValid(pfx, password, source, budget)) {
                    throw TlsException.badInput(source, "wrong password for PKCS#12 file (its MAC does not verify)", null);
                }
                return decode(pfx, password, source, wantKey, budget);
            }
            // Without a MAC only decryption can tell whether a password is right.
            try {
                return decode(pfx, empty, source, wantKey, budget);
            } catch (TlsException e) {
                if (budget.refused()) {
                    throw e;
                }
                if (!passwords.hasCallback()) {
                    throw TlsException.badInput(source, NO_CALLBACK, null);
                }
            }
            return decode(pfx, passwords.get(NO_CALLBACK), source, wantKey, budget);
        }
    }

    /**
     * Whether the MAC verifies with {@code password}. The empty password is tried in both forms
     * the PKCS#12 key derivation may have been given: OpenSSL's two-byte BMPString terminator
     * and no bytes at all, Bouncy Castle's ({@code PKCS12_parse} tries both as well).
     */
    private static boolean macValid(PKCS12PfxPdu pfx, char[] password, String source, KdfBudget budget) throws TlsException {
        BigInteger iterations = pfx.toASN1Structure().getMacData().getIterationCount();
        if (password.length == 0) {
            budget.iterations(iterations, "PKCS#12 MAC");
            if (macMatches(pfx, new byte[2], source)) {
                return true;
            }
            budget.iterations(iterations, "PKCS#12 MAC");
            return macMatches(pfx, new byte[0], source);
        }
        budget.iterations(iterations, "PKCS#12 MAC");
        byte[] bytes = PBEParametersGenerator.PKCS12PasswordToBytes(password);
        try {
            return macMatches(pfx, bytes, source);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Computes the MAC and compares its value only, as OpenSSL and the JDK do. Bouncy Castle's
     * {@code isMacValid} compares the whole {@code MacData} encoding instead, so it refuses a
     * right password when the file writes its digest algorithm without the NULL parameters
     * (GnuTLS's {@code certtool --to-p12} does).
     */
    private static boolean macMatches(PKCS12PfxPdu pfx, byte[] password, String source) throws TlsException {
        try {
            MacData macData = pfx.toASN1Structure().getMacData();
            DigestInfo mac = macData.getMac();
            Digest digest = BcDefaultDigestProvider.INSTANCE.get(mac.getAlgorithmId());
            PKCS12ParametersGenerator generator = new PKCS12ParametersGenerator(BcDefaultDigestProvider.INSTANCE.get(mac.getAlgorithmId()));
            generator.init(password, macData.getSalt(), macData.getIterationCount().intValueExact());
            HMac hmac = new HMac(digest);
            hmac.init(generator.generateDerivedMacParameters(digest.getDigestSize() * 8));
            byte[] content = ASN1OctetString.getInstance(pfx.toASN1Structure().getAuthSafe().getContent()).getOctets();
            hmac.update(content, 0, content.length);
            byte[] out = new byte[hmac.getMacSize()];
            hmac.doFinal(out, 0);
            return org.bouncycastle.util.Arrays.constantTimeAreEqual(out, mac.getDigest());
        } catch (OperatorCreationException | RuntimeException e) {
            throw TlsException.badInput(source, "PKCS#12 MAC cannot be checked (" + e.getMessage() + ")", e);
        }
    }

    private static Contents decode(PKCS12PfxPdu pfx, char[] password, String source, boolean wantKey, KdfBudget budget)
            throws TlsException {
        List<X509Certificate> certificates = new ArrayList<>();
        List<byte[]> certificateIds = new ArrayList<>();
        List<PrivateKeyInfo> keys = new ArrayList<>();
        List<byte[]> keyIds = new ArrayList<>();
        InputDecryptorProvider decryptor = Keys.decryptor(password);
        try {
            for (ContentInfo info : pfx.getContentInfos()) {
                PKCS12SafeBagFactory factory;
                if (PKCSObjectIdentifiers.encryptedData.equals(info.getContentType())) {
                    budget.charge(EncryptedData.getInstance(info.getContent()).getEncryptionAlgorithm(), "PKCS#12 encrypted contents");
                    factory = new PKCS12SafeBagFactory(info, decryptor);
                } else {
                    factory = new PKCS12SafeBagFactory(info);
                }
                for (PKCS12SafeBag bag : factory.getSafeBags()) {
                    Object value = bag.getBagValue();
                    if (value instanceof X509CertificateHolder) {
                        certificates.add(CertificateLoader.toCertificate(((X509CertificateHolder) value).getEncoded(), source));
                        certificateIds.add(localKeyId(bag));
                    } else if (value instanceof PKCS8EncryptedPrivateKeyInfo && wantKey) {
                        PKCS8EncryptedPrivateKeyInfo encrypted = (PKCS8EncryptedPrivateKeyInfo) value;
                        budget.charge(encrypted.getEncryptionAlgorithm(), "PKCS#12 key");
                        keys.add(encrypted.decryptPrivateKeyInfo(decryptor));
                        keyIds.add(localKeyId(bag));
                    } else if (value instanceof PrivateKeyInfo && wantKey) {
                        keys.add((PrivateKeyInfo) value);
                        keyIds.add(localKeyId(bag));
                    }
                }
            }
        } catch (TlsException e) {
            throw e;
        } catch (Exception e) {
            throw TlsException.badInput(source, password.length == 0
                    ? "PKCS#12 contents cannot be decrypted without a password"
                    : "wrong password for PKCS#12 file (or it is corrupt): its contents cannot be decrypted", e);
        }
        if (keys.size() > 1) {
            throw TlsException.badInput(source, "PKCS#12 file holds " + keys.size() + " private keys; give a file with one", null);
        }
        if (keys.isEmpty()) {
            return new Contents(certificates, null, List.of());
        }
        // The key's own certificate goes first: found by localKeyId, else the first certificate (as OpenSSL falls back).
        int leaf = 0;
        for (int i = 0; i < certificates.size(); i++) {
            if (keyIds.get(0) != null && Arrays.equals(keyIds.get(0), certificateIds.get(i))) {
                leaf = i;
                break;
            }
        }
        List<X509Certificate> ordered = new ArrayList<>(certificates);
        if (!ordered.isEmpty()) {
            ordered.add(0, ordered.remove(leaf));
        }
        return new Contents(CertificateLoader.chainOrder(ordered), Keys.toPrivateKey(keys.get(0), source), List.of());
    }

    private static byte[] localKeyId(PKCS12SafeBag bag) {
        Attribute[] attributes = bag.getAttributes();
        if (attributes == null) {
            return null;
        }
        for (Attribute attribute : attributes) {
            if (PKCSObjectIdentifiers.pkcs_9_at_localKeyId.equals(attribute.getAttrType())) {
                ASN1Encodable value = attribute.getAttrValues().getObjectAt(0);
                return ASN1OctetString.getInstance(value).getOctets();
            }
        }
        return null;
    }
}
