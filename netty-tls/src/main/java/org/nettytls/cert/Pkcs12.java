package org.nettytls.cert;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.ContentInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.InputDecryptorProvider;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagFactory;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.jcajce.JcePKCS12MacCalculatorBuilderProvider;
import org.nettytls.TlsException;

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
            if (pfx.hasMac()) {
                if (macValid(pfx, empty, source)) {
                    return decode(pfx, empty, source, wantKey);
                }
                char[] password = passwords.get(NO_CALLBACK);
                if (!macValid(pfx, password, source)) {
                    throw TlsException.badInput(source, "wrong password for PKCS#12 file (its MAC does not verify)", null);
                }
                return decode(pfx, password, source, wantKey);
            }
            // Without a MAC only decryption can tell whether a password is right.
            try {
                return decode(pfx, empty, source, wantKey);
            } catch (TlsException e) {
                if (!passwords.hasCallback()) {
                    throw TlsException.badInput(source, NO_CALLBACK, null);
                }
            }
            return decode(pfx, passwords.get(NO_CALLBACK), source, wantKey);
        }
    }

    private static boolean macValid(PKCS12PfxPdu pfx, char[] password, String source) throws TlsException {
        try {
            return pfx.isMacValid(new JcePKCS12MacCalculatorBuilderProvider().setProvider(Keys.BC), password);
        } catch (Exception e) {
            throw TlsException.badInput(source, "PKCS#12 MAC cannot be checked (" + e.getMessage() + ")", e);
        }
    }

    private static Contents decode(PKCS12PfxPdu pfx, char[] password, String source, boolean wantKey) throws TlsException {
        List<X509Certificate> certificates = new ArrayList<>();
        List<byte[]> certificateIds = new ArrayList<>();
        List<PrivateKeyInfo> keys = new ArrayList<>();
        List<byte[]> keyIds = new ArrayList<>();
        InputDecryptorProvider decryptor = Keys.decryptor(password);
        try {
            for (ContentInfo info : pfx.getContentInfos()) {
                PKCS12SafeBagFactory factory = PKCSObjectIdentifiers.encryptedData.equals(info.getContentType())
                        ? new PKCS12SafeBagFactory(info, decryptor)
                        : new PKCS12SafeBagFactory(info);
                for (PKCS12SafeBag bag : factory.getSafeBags()) {
                    Object value = bag.getBagValue();
                    if (value instanceof X509CertificateHolder) {
                        certificates.add(CertificateLoader.toCertificate(((X509CertificateHolder) value).getEncoded(), source));
                        certificateIds.add(localKeyId(bag));
                    } else if (value instanceof PKCS8EncryptedPrivateKeyInfo && wantKey) {
                        keys.add(((PKCS8EncryptedPrivateKeyInfo) value).decryptPrivateKeyInfo(decryptor));
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
        for (Attribute attribute : bag.getAttributes()) {
            if (PKCSObjectIdentifiers.pkcs_9_at_localKeyId.equals(attribute.getAttrType())) {
                ASN1Encodable value = attribute.getAttrValues().getObjectAt(0);
                return org.bouncycastle.asn1.ASN1OctetString.getInstance(value).getOctets();
            }
        }
        return null;
    }
}
