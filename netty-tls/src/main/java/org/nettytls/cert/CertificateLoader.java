package org.nettytls.cert;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CRLException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.nettytls.error.TlsException;

/**
 * The one loader of certificates and private keys, for every format, recognised by content and
 * never by file name: PEM (any number of blocks), DER, and PKCS#12. It is the Java home of
 * IO::Socket::SSL's {@code SSL_cert_file}, {@code SSL_key_file} and {@code SSL_passwd_cb}.
 *
 * <p>Certificates: PEM {@code CERTIFICATE} (also {@code X509 CERTIFICATE}), OpenSSL's
 * {@code TRUSTED CERTIFICATE}, a single DER certificate, and the certificates of a PKCS#12 file.
 * A {@code TRUSTED CERTIFICATE}'s trust list (the purposes OpenSSL trusts it for, as
 * {@code openssl x509 -addtrust} writes them) is read and honoured by {@link CaStore}, which
 * does not anchor TLS on a CA trusted for other purposes only; a reject list ({@code -addreject})
 * is refused rather than silently widened.
 *
 * <p>Keys: PEM {@code PRIVATE KEY} (PKCS#8), {@code RSA PRIVATE KEY} (PKCS#1),
 * {@code EC PRIVATE KEY} (SEC1, optionally after {@code EC PARAMETERS}),
 * {@code ENCRYPTED PRIVATE KEY} (PKCS#8 with PBES2 or PBES1), OpenSSL's legacy encrypted PEM
 * ({@code Proc-Type: 4,ENCRYPTED} with {@code DEK-Info}), DER PKCS#8, PKCS#1, SEC1 and encrypted
 * PKCS#8, and the key of a PKCS#12 file (legacy RC2/3DES and OpenSSL 3's AES/PBKDF2, with or
 * without password and MAC). When a source holds several keys, the first is used, as OpenSSL does.
 * What decrypting costs is bounded before any key is derived: iteration counts and scrypt
 * parameters above the limits of {@code KdfBudget} (2,000,000 iterations per derivation, scrypt
 * within 32 MiB, 10,000,000 iterations per source) refuse the source.
 *
 * <p>CRLs ({@code SSL_crl_file}): every PEM {@code X509 CRL} block of a file, or one DER CRL.
 *
 * <p>Every failure is a {@link TlsException} with code {@code BAD_INPUT} whose message starts
 * with the file (or in-memory source name) and says what is wrong with it.
 */
public final class CertificateLoader {
    private static final String PKCS1 = "RSA PRIVATE KEY";
    private static final String PKCS8 = "PRIVATE KEY";
    private static final String SEC1 = "EC PRIVATE KEY";
    private static final String ENCRYPTED_PKCS8 = "ENCRYPTED PRIVATE KEY";
    private static final String EC_PARAMETERS = "EC PARAMETERS";

    private CertificateLoader() {
    }

    /**
     * The certificates in {@code file}, in file order; a PKCS#12 file must not need a password.
     *
     * @param file a PEM, DER or PKCS#12 file
     * @return the certificates, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming the file) when it cannot be read or holds no
     *     certificate
     */
    public static List<X509Certificate> certificates(Path file) throws TlsException {
        return certificates(file, null);
    }

    /**
     * The certificates in {@code file}, in file order; {@code passwords} opens an encrypted PKCS#12 file.
     *
     * @param file a PEM, DER or PKCS#12 file
     * @param passwords gives the PKCS#12 password
     * @return the certificates, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming the file) when it cannot be read, decrypted or
     *     holds no certificate
     */
    public static List<X509Certificate> certificates(Path file, PasswordCallback passwords) throws TlsException {
        return certificates(read(file), file.toString(), passwords);
    }

    /**
     * The certificates in {@code data}; {@code sourceName} names it in errors.
     *
     * @param data PEM, DER or PKCS#12 bytes
     * @param sourceName what the data is called in error messages
     * @return the certificates, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming {@code sourceName}) when the data holds no
     *     certificate
     */
    public static List<X509Certificate> certificates(byte[] data, String sourceName) throws TlsException {
        return certificates(data, sourceName, null);
    }

    /**
     * The certificates in {@code data}; {@code passwords} opens an encrypted PKCS#12.
     *
     * @param data PEM, DER or PKCS#12 bytes
     * @param sourceName what the data is called in error messages
     * @param passwords gives the PKCS#12 password
     * @return the certificates, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming {@code sourceName}) when the data cannot be
     *     decrypted or holds no certificate
     */
    public static List<X509Certificate> certificates(byte[] data, String sourceName, PasswordCallback passwords)
            throws TlsException {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(sourceName, "sourceName");
        return certificateContents(data, sourceName, passwords).certificates;
    }

    /** The certificates of {@code file} with the trust lists of its {@code TRUSTED CERTIFICATE} blocks, for {@link CaStore}. */
    static Contents certificateContents(Path file) throws TlsException {
        return certificateContents(read(file), file.toString(), null);
    }

    private static Contents certificateContents(byte[] data, String sourceName, PasswordCallback passwords)
            throws TlsException {
        Contents contents = decode(data, sourceName, passwords, false);
        requireCertificate(contents, sourceName);
        return contents;
    }

    /**
     * The key and chain of {@code SSL_cert_file} and {@code SSL_key_file}. The chain is every
     * certificate in {@code certFile}, the first being the leaf. When {@code keyFile} is null
     * the key is taken from {@code certFile} (PEM holding both, or PKCS#12). The key must belong
     * to the leaf.
     *
     * @param passwords the {@code SSL_passwd_cb}; may be null when nothing is encrypted
     * @param certFile the certificate file ({@code SSL_cert_file})
     * @param keyFile the key file ({@code SSL_key_file}), or {@code null}
     * @return the key and its chain
     * @throws TlsException ({@code BAD_INPUT}) when a file cannot be read or decrypted; ({@code
     *     BAD_CONFIGURATION}) when the key does not match the certificate
     */
    public static KeyMaterial keyMaterial(Path certFile, Path keyFile, PasswordCallback passwords) throws TlsException {
        Objects.requireNonNull(certFile, "certFile");
        return keyMaterial(read(certFile), certFile.toString(),
                keyFile == null ? null : read(keyFile), keyFile == null ? null : keyFile.toString(), passwords);
    }

    /**
     * As {@link #keyMaterial(Path, Path, PasswordCallback)}, from memory; {@code keyData} and
     * {@code keySource} are null when the key is in {@code certData}.
     *
     * @param certData the certificate bytes
     * @param certSource what the certificate data is called in error messages
     * @param keyData the key bytes, or {@code null}
     * @param keySource what the key data is called in error messages, or {@code null}
     * @param passwords gives the password of an encrypted key or PKCS#12
     * @return the key and its chain
     * @throws TlsException ({@code BAD_INPUT}) when the data cannot be decoded or decrypted; ({@code
     *     BAD_CONFIGURATION}) when the key does not match the certificate
     */
    public static KeyMaterial keyMaterial(byte[] certData, String certSource, byte[] keyData, String keySource,
            PasswordCallback passwords) throws TlsException {
        Objects.requireNonNull(certData, "certData");
        Objects.requireNonNull(certSource, "certSource");
        Contents certs = decode(certData, certSource, passwords, keyData == null);
        requireCertificate(certs, certSource);
        PrivateKey key;
        String from;
        if (keyData == null) {
            key = certs.key;
            from = certSource;
            if (key == null) {
                throw TlsException.badInput(certSource, "no private key found (it holds only certificates; give SSL_key_file)", null);
            }
        } else {
            from = Objects.requireNonNull(keySource, "keySource");
            Contents keys = decode(keyData, keySource, passwords, true);
            key = keys.key;
            if (key == null) {
                throw TlsException.badInput(keySource, "no private key found" + (keys.certificates.isEmpty()
                        ? "" : " (it holds " + keys.certificates.size() + " certificate(s))"), null);
            }
        }
        X509Certificate leaf = certs.certificates.get(0);
        boolean matches;
        try {
            matches = Keys.matches(key, leaf.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw TlsException.badInput(from, e.getMessage(), e);
        }
        if (!matches) {
            throw TlsException.badInput(from, "key does not match certificate: the " + key.getAlgorithm()
                    + " key is not the key of the first certificate in " + certSource + " ("
                    + leaf.getSubjectX500Principal().getName() + ")", null);
        }
        return new KeyMaterial(key, certs.certificates);
    }

    /**
     * Every CRL in {@code file}: all its PEM {@code X509 CRL} blocks in file order (OpenSSL's
     * {@code PEM_read_bio_X509_CRL}, which IO::Socket::SSL calls, reads only the first), or the
     * one CRL of a DER file. Other PEM blocks are ignored; a file without a CRL is an error.
     *
     * @param file a PEM or DER file ({@code SSL_crl_file})
     * @return the CRLs, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming the file) when it cannot be read or holds no
     *     CRL
     */
    public static List<X509CRL> crls(Path file) throws TlsException {
        return crls(read(file), file.toString());
    }

    /**
     * As {@link #crls(Path)}, from memory; {@code sourceName} names it in errors.
     *
     * @param data PEM or DER bytes
     * @param sourceName what the data is called in error messages
     * @return the CRLs, at least one
     * @throws TlsException ({@code BAD_INPUT}, naming {@code sourceName}) when the data holds no CRL
     */
    public static List<X509CRL> crls(byte[] data, String sourceName) throws TlsException {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(sourceName, "sourceName");
        if (new String(data, java.nio.charset.StandardCharsets.ISO_8859_1).isBlank()) {
            throw TlsException.badInput(sourceName, "file is empty", null);
        }
        if (data[0] == 0x30 && parseDer(data) != null) {
            try {
                return List.of(toCrl(data));
            } catch (CRLException | RuntimeException e) {
                String what = looksLikeCertificate(data) ? "it holds a certificate" : e.getMessage();
                throw TlsException.badInput(sourceName, "DER data is not a CRL (" + what + ")", e);
            }
        }
        if (!PemBlock.looksLikePem(data)) {
            throw TlsException.badInput(sourceName, "neither PEM nor DER: not a CRL file", null);
        }
        List<X509CRL> crls = new ArrayList<>();
        Set<String> others = new LinkedHashSet<>();
        for (PemBlock block : PemBlock.parse(data, sourceName)) {
            if (!block.label.equals("X509 CRL")) {
                others.add(block.label);
                continue;
            }
            try {
                crls.add(toCrl(block.der));
            } catch (CRLException | RuntimeException e) {
                throw TlsException.badInput(sourceName, "PEM X509 CRL block " + (crls.size() + 1)
                        + " is not a valid CRL (" + e.getMessage() + ")", e);
            }
        }
        if (crls.isEmpty()) {
            throw TlsException.badInput(sourceName, others.isEmpty() ? "not a CRL: no PEM block found"
                    : "not a CRL: it holds " + String.join(", ", others) + " but no X509 CRL", null);
        }
        return List.copyOf(crls);
    }

    private static X509CRL toCrl(byte[] der) throws CRLException {
        try {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new CRLException("no X.509 support: " + e.getMessage(), e);
        }
    }

    private static boolean looksLikeCertificate(byte[] der) {
        try {
            toCertificate(der, "");
            return true;
        } catch (TlsException e) {
            return false;
        }
    }

    /** The bytes of {@code file}, or an error that says why there are none. */
    static byte[] read(Path file) throws TlsException {
        Objects.requireNonNull(file, "file");
        String source = file.toString();
        if (Files.isDirectory(file)) {
            throw TlsException.badInput(source, "is a directory, not a file", null);
        }
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw TlsException.badInput(source, "no such file", e);
        } catch (AccessDeniedException e) {
            throw TlsException.badInput(source, "cannot read file: permission denied", e);
        } catch (IOException e) {
            throw TlsException.badInput(source, "cannot read file: " + e.getMessage(), e);
        }
        return data;
    }

    /** Decodes whatever {@code data} holds; keys are decoded (and passwords asked for) only when {@code wantKey}. */
    static Contents decode(byte[] data, String source, PasswordCallback passwords, boolean wantKey) throws TlsException {
        if (new String(data, java.nio.charset.StandardCharsets.ISO_8859_1).isBlank()) {
            throw TlsException.badInput(source, "file is empty", null);
        }
        ASN1Primitive der = data[0] == 0x30 ? parseDer(data) : null;
        if (der != null) {
            return decodeDer(der, data, source, passwords, wantKey);
        }
        if (PemBlock.looksLikePem(data)) {
            return decodePem(PemBlock.parse(data, source), source, passwords, wantKey);
        }
        throw TlsException.badInput(source, "neither PEM nor DER: not a certificate, key or PKCS#12 file", null);
    }

    private static ASN1Primitive parseDer(byte[] data) {
        try {
            // fromByteArray refuses trailing bytes, so a text file starting with '0' is not mistaken for DER.
            return ASN1Primitive.fromByteArray(data);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Contents decodePem(List<PemBlock> blocks, String source, PasswordCallback callback, boolean wantKey)
            throws TlsException {
        if (blocks.isEmpty()) {
            throw TlsException.badInput(source, "no PEM block found", null);
        }
        List<X509Certificate> certificates = new ArrayList<>();
        Map<X509Certificate, List<String>> trustLists = new HashMap<>();
        List<String> others = new ArrayList<>();
        PrivateKey key = null;
        byte[] ecParameters = null;
        try (Keys.Passwords passwords = new Keys.Passwords(callback, source)) {
            for (PemBlock block : blocks) {
                switch (block.label) {
                    case "CERTIFICATE":
                    case "X509 CERTIFICATE":
                        certificates.add(toCertificate(block.der, source));
                        break;
                    case "TRUSTED CERTIFICATE":
                        trustedCertificate(block.der, source, certificates, trustLists);
                        break;
                    case EC_PARAMETERS:
                        ecParameters = block.der;
                        break;
                    case PKCS1:
                    case PKCS8:
                    case SEC1:
                    case ENCRYPTED_PKCS8:
                        others.add(block.label);
                        if (wantKey && key == null) {
                            key = pemKey(block, ecParameters, source, passwords);
                        }
                        break;
                    default:
                        others.add(block.label);
                        break;
                }
            }
        }
        return new Contents(certificates, key, others, trustLists);
    }

    private static PrivateKey pemKey(PemBlock block, byte[] ecParameters, String source, Keys.Passwords passwords)
            throws TlsException {
        byte[] der = block.der;
        if ("4,ENCRYPTED".equals(block.headers.get("Proc-Type"))) {
            der = Keys.decryptLegacyPem(block, source, passwords);
        }
        switch (block.label) {
            case PKCS1:
                return Keys.toPrivateKey(Keys.fromPkcs1(der, source), source);
            case SEC1:
                return Keys.toPrivateKey(Keys.fromSec1(der, ecParameters, source), source);
            case ENCRYPTED_PKCS8:
                return Keys.toPrivateKey(Keys.decryptPkcs8(der, source, passwords), source);
            default:
                return Keys.toPrivateKey(Keys.fromPkcs8(der, source), source);
        }
    }

    private static Contents decodeDer(ASN1Primitive der, byte[] data, String source, PasswordCallback callback,
            boolean wantKey) throws TlsException {
        ASN1Sequence seq = der instanceof ASN1Sequence ? (ASN1Sequence) der : null;
        int size = seq == null ? 0 : seq.size();
        ASN1Encodable first = size > 0 ? seq.getObjectAt(0) : null;
        ASN1Encodable second = size > 1 ? seq.getObjectAt(1) : null;
        if (first instanceof ASN1Integer && ((ASN1Integer) first).hasValue(3) && second instanceof ASN1Sequence
                && Pkcs12.looksLikePkcs12(data)) {
            return Pkcs12.read(data, source, callback, wantKey);
        }
        if (size == 3 && first instanceof ASN1Sequence && second instanceof ASN1Sequence
                && seq.getObjectAt(2) instanceof ASN1BitString) {
            return new Contents(List.of(toCertificate(data, source)), null, List.of());
        }
        String label;
        if (first instanceof ASN1Integer && second instanceof ASN1Sequence && size >= 3
                && seq.getObjectAt(2) instanceof ASN1OctetString) {
            label = PKCS8;
        } else if (size == 2 && first instanceof ASN1Sequence && second instanceof ASN1OctetString) {
            label = ENCRYPTED_PKCS8;
        } else if (size >= 9 && first instanceof ASN1Integer && ((ASN1Integer) first).hasValue(0) && second instanceof ASN1Integer) {
            label = PKCS1;
        } else if (size >= 2 && first instanceof ASN1Integer && ((ASN1Integer) first).hasValue(1)
                && second instanceof ASN1OctetString) {
            label = SEC1;
        } else {
            throw TlsException.badInput(source, "DER data is not a certificate, private key or PKCS#12 file", null);
        }
        if (!wantKey) {
            return new Contents(List.of(), null, List.of(label));
        }
        try (Keys.Passwords passwords = new Keys.Passwords(callback, source)) {
            PrivateKeyInfo info;
            switch (label) {
                case PKCS8:
                    info = Keys.fromPkcs8(data, source);
                    break;
                case ENCRYPTED_PKCS8:
                    info = Keys.decryptPkcs8(data, source, passwords);
                    break;
                case PKCS1:
                    info = Keys.fromPkcs1(data, source);
                    break;
                default:
                    info = Keys.fromSec1(data, null, source);
                    break;
            }
            return new Contents(List.of(), Keys.toPrivateKey(info, source), List.of(label));
        }
    }

    static X509Certificate toCertificate(byte[] der, String source) throws TlsException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw TlsException.badInput(source, "not a valid X.509 certificate (" + e.getMessage() + ")", e);
        }
    }

    /**
     * OpenSSL's {@code TRUSTED CERTIFICATE}: the certificate followed by an {@code X509_CERT_AUX}
     * ({@code SEQUENCE { trust SEQUENCE OF OBJECT OPTIONAL, reject [0] SEQUENCE OF OBJECT OPTIONAL,
     * alias, keyid, other }}). The certificate is added to {@code certificates}; its trust list,
     * when there is one, to {@code trustLists}, for {@link CaStore} to honour. A reject list would
     * narrow what the certificate is trusted for in ways nothing here models, so such a
     * certificate is refused.
     */
    private static void trustedCertificate(byte[] der, String source, List<X509Certificate> certificates,
            Map<X509Certificate, List<String>> trustLists) throws TlsException {
        try (ASN1InputStream in = new ASN1InputStream(der)) {
            ASN1Primitive certificate = in.readObject();
            ASN1Primitive aux = in.readObject();
            List<String> trust = null;
            if (aux instanceof ASN1Sequence) {
                for (ASN1Encodable e : (ASN1Sequence) aux) {
                    if (e instanceof ASN1TaggedObject && ((ASN1TaggedObject) e).getTagNo() == 0) {
                        throw TlsException.badInput(source, "TRUSTED CERTIFICATE rejects some purposes; "
                                + "such trust settings are not supported (convert it with openssl x509 -trustout off)", null);
                    }
                    if (e instanceof ASN1Sequence) {
                        trust = purposes((ASN1Sequence) e, source);
                    }
                }
            } else if (aux != null) {
                throw TlsException.badInput(source, "TRUSTED CERTIFICATE trust settings are not a SEQUENCE", null);
            }
            if (certificate == null) {
                throw TlsException.badInput(source, "TRUSTED CERTIFICATE block is empty", null);
            }
            X509Certificate c = toCertificate(certificate.getEncoded(), source);
            // The first copy of a certificate decides its trust, as OpenSSL's store keeps the first copy added.
            if (trust != null && !certificates.contains(c)) {
                trustLists.putIfAbsent(c, trust);
            }
            certificates.add(c);
        } catch (TlsException e) {
            throw e;
        } catch (IOException e) {
            throw TlsException.badInput(source, "TRUSTED CERTIFICATE block is malformed", e);
        }
    }

    /** The OIDs of a trust list; anything but OBJECT IDENTIFIERs is malformed (OpenSSL would not load it). */
    private static List<String> purposes(ASN1Sequence list, String source) throws TlsException {
        List<String> oids = new ArrayList<>();
        for (ASN1Encodable e : list) {
            if (!(e instanceof ASN1ObjectIdentifier)) {
                throw TlsException.badInput(source, "TRUSTED CERTIFICATE trust list holds something that is not a purpose OID", null);
            }
            oids.add(((ASN1ObjectIdentifier) e).getId());
        }
        return List.copyOf(oids);
    }

    private static void requireCertificate(Contents contents, String source) throws TlsException {
        if (!contents.certificates.isEmpty()) {
            return;
        }
        String problem = contents.others.isEmpty()
                ? "not a certificate: it holds no certificate"
                : "not a certificate: it holds " + String.join(", ", new LinkedHashSet<>(contents.others)) + " but no certificate";
        throw TlsException.badInput(source, problem, null);
    }

    /**
     * {@code certificates} with the first kept first and the rest ordered by issuer from it;
     * certificates outside that path keep their relative order at the end.
     */
    static List<X509Certificate> chainOrder(List<X509Certificate> certificates) {
        if (certificates.size() < 3) {
            return certificates;
        }
        List<X509Certificate> rest = new ArrayList<>(certificates.subList(1, certificates.size()));
        List<X509Certificate> chain = new ArrayList<>();
        X509Certificate current = certificates.get(0);
        chain.add(current);
        Set<X509Certificate> used = new java.util.HashSet<>();
        boolean found = true;
        while (found) {
            found = false;
            for (X509Certificate c : rest) {
                if (!used.contains(c) && c.getSubjectX500Principal().equals(current.getIssuerX500Principal())
                        && !c.equals(current)) {
                    chain.add(c);
                    used.add(c);
                    current = c;
                    found = true;
                    break;
                }
            }
        }
        for (X509Certificate c : rest) {
            if (!used.contains(c)) {
                chain.add(c);
            }
        }
        return chain;
    }
}
