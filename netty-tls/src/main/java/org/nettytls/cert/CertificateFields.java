package org.nettytls.cert;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * A certificate's fields: the counterpart of IO::Socket::SSL::Utils' {@code CERT_asHash}, and
 * the typed accessors the rest of netty-tls uses (common name, subjectAltNames, OCSP and CRL
 * URLs, must-staple).
 *
 * <p>Names follow OpenSSL, as the reference reports them: RDN keys are OpenSSL's long names
 * ({@code commonName}, {@code organizationalUnitName}, ...; a dotted OID when OpenSSL has no
 * name), {@link #oneline(X500Principal)} uses the short names ({@code /C=DE/O=Ex/CN=host}).
 */
public final class CertificateFields {
    /** id-pe-tlsfeature (RFC 7633). */
    private static final String TLS_FEATURE = "1.3.6.1.5.5.7.1.24";
    /** The status_request TLS extension number, the only feature "must-staple" asks for. */
    private static final int STATUS_REQUEST = 5;

    /** RDN attribute OIDs to OpenSSL's {short name, long name}. */
    private static final Map<String, String[]> RDN_NAMES = table(
            "2.5.4.3", "CN", "commonName",
            "2.5.4.4", "SN", "surname",
            "2.5.4.5", "serialNumber", "serialNumber",
            "2.5.4.6", "C", "countryName",
            "2.5.4.7", "L", "localityName",
            "2.5.4.8", "ST", "stateOrProvinceName",
            "2.5.4.9", "street", "streetAddress",
            "2.5.4.10", "O", "organizationName",
            "2.5.4.11", "OU", "organizationalUnitName",
            "2.5.4.12", "title", "title",
            "2.5.4.15", "businessCategory", "businessCategory",
            "2.5.4.17", "postalCode", "postalCode",
            "2.5.4.42", "GN", "givenName",
            "2.5.4.46", "dnQualifier", "dnQualifier",
            "2.5.4.65", "pseudonym", "pseudonym",
            "2.5.4.97", "organizationIdentifier", "organizationIdentifier",
            "1.2.840.113549.1.9.1", "emailAddress", "emailAddress",
            "0.9.2342.19200300.100.1.1", "UID", "userId",
            "0.9.2342.19200300.100.1.25", "DC", "domainComponent",
            "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC", "jurisdictionCountryName");

    /** Extension OIDs to OpenSSL's {short name, long name}. */
    private static final Map<String, String[]> EXTENSION_NAMES = table(
            "2.5.29.14", "subjectKeyIdentifier", "X509v3 Subject Key Identifier",
            "2.5.29.15", "keyUsage", "X509v3 Key Usage",
            "2.5.29.17", "subjectAltName", "X509v3 Subject Alternative Name",
            "2.5.29.18", "issuerAltName", "X509v3 Issuer Alternative Name",
            "2.5.29.19", "basicConstraints", "X509v3 Basic Constraints",
            "2.5.29.30", "nameConstraints", "X509v3 Name Constraints",
            "2.5.29.31", "crlDistributionPoints", "X509v3 CRL Distribution Points",
            "2.5.29.32", "certificatePolicies", "X509v3 Certificate Policies",
            "2.5.29.35", "authorityKeyIdentifier", "X509v3 Authority Key Identifier",
            "2.5.29.36", "policyConstraints", "X509v3 Policy Constraints",
            "2.5.29.37", "extendedKeyUsage", "X509v3 Extended Key Usage",
            "2.5.29.54", "inhibitAnyPolicy", "X509v3 Inhibit Any Policy",
            "1.3.6.1.5.5.7.1.1", "authorityInfoAccess", "Authority Information Access",
            TLS_FEATURE, "tlsfeature", "TLS Feature",
            "1.3.6.1.5.5.7.48.1.5", "noCheck", "OCSP No Check",
            "1.3.6.1.4.1.11129.2.4.2", "ct_precert_scts", "CT Precertificate SCTs");

    /** Extended key usage OIDs to OpenSSL's {short name, long name}. */
    private static final Map<String, String[]> EKU_NAMES = table(
            "1.3.6.1.5.5.7.3.1", "serverAuth", "TLS Web Server Authentication",
            "1.3.6.1.5.5.7.3.2", "clientAuth", "TLS Web Client Authentication",
            "1.3.6.1.5.5.7.3.3", "codeSigning", "Code Signing",
            "1.3.6.1.5.5.7.3.4", "emailProtection", "E-mail Protection",
            "1.3.6.1.5.5.7.3.8", "timeStamping", "Time Stamping",
            "1.3.6.1.5.5.7.3.9", "OCSPSigning", "OCSP Signing",
            "2.5.29.37.0", "anyExtendedKeyUsage", "Any Extended Key Usage");

    /** Signature algorithm OIDs to the name OpenSSL prints. */
    private static final Map<String, String[]> SIGNATURE_NAMES = table(
            "1.2.840.113549.1.1.5", "RSA-SHA1", "sha1WithRSAEncryption",
            "1.2.840.113549.1.1.10", "RSASSA-PSS", "rsassaPss",
            "1.2.840.113549.1.1.11", "RSA-SHA256", "sha256WithRSAEncryption",
            "1.2.840.113549.1.1.12", "RSA-SHA384", "sha384WithRSAEncryption",
            "1.2.840.113549.1.1.13", "RSA-SHA512", "sha512WithRSAEncryption",
            "1.2.840.10045.4.1", "ecdsa-with-SHA1", "ecdsa-with-SHA1",
            "1.2.840.10045.4.3.2", "ecdsa-with-SHA256", "ecdsa-with-SHA256",
            "1.2.840.10045.4.3.3", "ecdsa-with-SHA384", "ecdsa-with-SHA384",
            "1.2.840.10045.4.3.4", "ecdsa-with-SHA512", "ecdsa-with-SHA512",
            "1.3.101.112", "ED25519", "ED25519",
            "1.3.101.113", "ED448", "ED448");

    /** keyUsage bit names in bit order (RFC 5280 4.2.1.3), as OpenSSL and the reference name them. */
    private static final List<String> KEY_USAGE_NAMES = List.of("digitalSignature", "nonRepudiation",
            "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly",
            "decipherOnly");

    private CertificateFields() {
    }

    /**
     * The certificate as a map of its fields, like {@code CERT_asHash($cert)} with SHA-256.
     * See {@link #asMap(X509Certificate, String)} for the keys.
     *
     * @param certificate the certificate
     * @return its fields, unmodifiable, in a fixed key order
     */
    public static Map<String, Object> asMap(X509Certificate certificate) {
        try {
            return asMap(certificate, Fingerprint.DEFAULT_ALGORITHM);
        } catch (TlsException e) {
            // SHA-256 is in every JDK and the certificate was already parsed; nothing else can fail.
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * The certificate as a map of its fields, the counterpart of
     * {@code IO::Socket::SSL::Utils::CERT_asHash($cert, $digest)}. The map is unmodifiable and
     * its keys always come in this order (keys of the reference, values as Java types):
     * <ul>
     * <li>{@code subject}, {@code issuer}: {@code Map<String, Object>} from the RDN's OpenSSL long
     *     name ({@code commonName}, {@code countryName}, ...) to its value, a {@code String}, or a
     *     {@code List<String>} in certificate order when the name occurs more than once;</li>
     * <li>{@code subjectAltNames}: {@code List<SubjectAltName>} in certificate order, present only
     *     when the certificate has the extension (as in the reference);</li>
     * <li>{@code not_before}, {@code not_after}: {@link Instant} (the reference gives a time_t);</li>
     * <li>{@code serial}: the serial number in decimal, a {@code String};</li>
     * <li>{@code version}: {@code Integer}, OpenSSL's zero-based version ({@code 2} for X.509 v3);</li>
     * <li>{@code signature_alg}: OpenSSL's name, e.g. {@code ecdsa-with-SHA256},
     *     {@code sha256WithRSAEncryption}, else the dotted OID;</li>
     * <li>{@code crl_uri}, {@code ocsp_uri}: {@code List<String>}, see {@link #crlUrls} and {@link #ocspUrls};</li>
     * <li>{@code keyusage}: {@code List<String>} of bit names such as {@code digitalSignature};</li>
     * <li>{@code extkeyusage}: {@code Map<String, List<String>>} with keys {@code oid}, {@code sn}
     *     and {@code ln} (the reference also has {@code nid}, an OpenSSL-internal number we leave out);</li>
     * <li>{@code ext}: {@code List<Map<String, Object>>}, one per extension in certificate order,
     *     with {@code oid} (dotted), {@code sn} (OpenSSL's short name or {@code null}), {@code ln}
     *     (OpenSSL's long name or {@code null}) and {@code critical} ({@code Boolean}); the
     *     reference's {@code nid} and OpenSSL's printed {@code data} are left out;</li>
     * <li>{@code pubkey_digest_ALGO}, {@code x509_digest_ALGO}: {@code byte[]}, as
     *     {@link Fingerprint#binary} computes them;</li>
     * <li>{@code fingerprint_ALGO}: upper-case hex with colons, as {@code openssl x509 -fingerprint} prints it.</li>
     * </ul>
     *
     * @param digest the digest for the last three keys, in the reference's spelling ({@code sha256}, {@code sha1}, ...)
     * @param certificate the certificate
     * @return its fields, unmodifiable, in a fixed key order
     * @throws TlsException with {@link TlsErrorCode#BAD_CONFIGURATION} when the digest is unknown
     */
    public static Map<String, Object> asMap(X509Certificate certificate, String digest) throws TlsException {
        String algo = digest.toLowerCase(Locale.ROOT);
        byte[] pub = Fingerprint.binary(certificate, algo, true);
        byte[] whole = Fingerprint.binary(certificate, algo, false);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", nameAsMap(certificate.getSubjectX500Principal()));
        m.put("issuer", nameAsMap(certificate.getIssuerX500Principal()));
        if (certificate.getExtensionValue(Extension.subjectAlternativeName.getId()) != null) {
            m.put("subjectAltNames", subjectAltNames(certificate));
        }
        m.put("not_before", certificate.getNotBefore().toInstant());
        m.put("not_after", certificate.getNotAfter().toInstant());
        m.put("serial", certificate.getSerialNumber().toString());
        m.put("version", certificate.getVersion() - 1);
        m.put("signature_alg", name(SIGNATURE_NAMES, certificate.getSigAlgOID(), 1));
        m.put("crl_uri", crlUrls(certificate));
        m.put("ocsp_uri", ocspUrls(certificate));
        m.put("keyusage", keyUsage(certificate));
        m.put("extkeyusage", extendedKeyUsage(certificate));
        m.put("ext", extensions(certificate));
        m.put("pubkey_digest_" + algo, pub);
        m.put("x509_digest_" + algo, whole);
        m.put("fingerprint_" + algo, HexFormat.ofDelimiter(":").withUpperCase().formatHex(whole));
        return Collections.unmodifiableMap(m);
    }

    /**
     * Whether {@code certificate} names itself as issuer and its own key verifies its signature.
     *
     * @param certificate the certificate
     * @return {@code true} for a self-signed certificate
     */
    public static boolean isSelfSigned(X509Certificate certificate) {
        if (!certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal())) {
            return false;
        }
        try {
            certificate.verify(certificate.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The first commonName of the subject, or {@code null}: the reference's
     * {@code peer_certificate('commonName')} (also {@code 'cn'}). Decoded for people: hostname
     * verification picks the same CN itself because it compares its raw content bytes, which
     * decoding loses.
     *
     * @param certificate the certificate
     * @return the first commonName, or {@code null}
     */
    public static String commonName(X509Certificate certificate) {
        for (RDN rdn : x500Name(certificate.getSubjectX500Principal()).getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                if (atv.getType().getId().equals("2.5.4.3")) {
                    return valueText(atv.getValue());
                }
            }
        }
        return null;
    }

    /**
     * The name in OpenSSL's one-line form, {@code /C=DE/O=Example/CN=host}: what the reference's
     * {@code peer_certificate('subject')} and {@code peer_certificate('issuer')} return.
     *
     * @param name a subject or issuer
     * @return the one-line form
     */
    public static String oneline(X500Principal name) {
        return oneline(x500Name(name));
    }

    private static String oneline(X500Name name) {
        StringBuilder sb = new StringBuilder();
        for (RDN rdn : name.getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                sb.append('/').append(name(RDN_NAMES, atv.getType().getId(), 0)).append('=')
                        .append(valueText(atv.getValue()));
            }
        }
        return sb.toString();
    }

    /**
     * The subjectAltNames in certificate order, typed: the reference's
     * {@code peer_certificate('subjectAltNames')}, and what hostname verification compares. They
     * are read from the certificate's own DER with nothing decoded or validated on the way, so each
     * entry keeps the exact bytes the peer sent ({@link SubjectAltName#rawValue()}).
     *
     * @param certificate the certificate
     * @return the names, empty when there are none
     * @throws IllegalArgumentException when the extension cannot be read
     */
    public static List<SubjectAltName> subjectAltNames(X509Certificate certificate) {
        try {
            return subjectAltNames(extensionsAsSent(certificate));
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal()
                    + " has a malformed extension " + Extension.subjectAlternativeName.getId() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@link #subjectAltNames(X509Certificate)} from extensions already parsed with Bouncy Castle
     * (from {@code Certificate.getInstance(der).getTBSCertificate().getExtensions()}, say), for a
     * caller that reads more of the certificate and parses it once: the whole parse allocates
     * several kilobytes, the hostname check's main cost.
     *
     * @param extensions the extensions as sent, or {@code null} for none
     * @return the names, empty when there are none
     * @throws IllegalArgumentException or {@link IllegalStateException} when the subjectAltName
     *         extension is malformed
     */
    @SuppressWarnings("exports") // for callers that parse with Bouncy Castle already, and so require it themselves
    public static List<SubjectAltName> subjectAltNames(org.bouncycastle.asn1.x509.Extensions extensions) {
        Extension ext = extensions == null ? null : extensions.getExtension(Extension.subjectAlternativeName);
        if (ext == null) {
            return List.of();
        }
        List<SubjectAltName> out = new ArrayList<>();
        for (GeneralName n : GeneralNames.getInstance(ext.getParsedValue()).getNames()) {
            out.add(subjectAltName(n));
        }
        return List.copyOf(out);
    }

    /**
     * The OCSP responder URLs from authorityInfoAccess, in order: {@code CERT_asHash}'s {@code ocsp_uri}.
     *
     * @param certificate the certificate
     * @return the URLs, empty when there are none
     */
    public static List<String> ocspUrls(X509Certificate certificate) {
        ASN1Primitive value = extension(certificate, Extension.authorityInfoAccess.getId());
        if (value == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (AccessDescription d : AuthorityInformationAccess.getInstance(value).getAccessDescriptions()) {
            GeneralName n = d.getAccessLocation();
            if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    && n.getTagNo() == GeneralName.uniformResourceIdentifier) {
                out.add(valueText(n.getName()));
            }
        }
        return List.copyOf(out);
    }

    /**
     * The URIs of the CRL distribution points' full names, in order: {@code CERT_asHash}'s {@code crl_uri}.
     *
     * @param certificate the certificate
     * @return the URIs, empty when there are none
     */
    public static List<String> crlUrls(X509Certificate certificate) {
        ASN1Primitive value = extension(certificate, Extension.cRLDistributionPoints.getId());
        if (value == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (DistributionPoint dp : CRLDistPoint.getInstance(value).getDistributionPoints()) {
            DistributionPointName name = dp.getDistributionPoint();
            if (name == null || name.getType() != DistributionPointName.FULL_NAME) {
                continue;
            }
            for (GeneralName n : GeneralNames.getInstance(name.getName()).getNames()) {
                if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    out.add(valueText(n.getName()));
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Whether the certificate carries the TLS feature extension with status_request ("OCSP must-staple", RFC 7633).
     *
     * @param certificate the certificate
     * @return {@code true} when a staple is required
     */
    public static boolean mustStaple(X509Certificate certificate) {
        ASN1Primitive value = extension(certificate, TLS_FEATURE);
        if (value == null) {
            return false;
        }
        for (ASN1Encodable e : ASN1Sequence.getInstance(value)) {
            if (ASN1Integer.getInstance(e).intValueExact() == STATUS_REQUEST) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> nameAsMap(X500Principal name) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (RDN rdn : x500Name(name).getRDNs()) {
            for (AttributeTypeAndValue atv : rdn.getTypesAndValues()) {
                String key = name(RDN_NAMES, atv.getType().getId(), 1);
                String v = valueText(atv.getValue());
                Object old = m.get(key);
                if (old == null) {
                    m.put(key, v);
                } else if (old instanceof String) {
                    m.put(key, new ArrayList<>(List.of((String) old, v)));
                } else {
                    @SuppressWarnings("unchecked")
                    List<String> list = (List<String>) old;
                    list.add(v);
                }
            }
        }
        m.replaceAll((k, v) -> v instanceof List ? List.copyOf((List<?>) v) : v);
        return Collections.unmodifiableMap(m);
    }

    private static List<String> keyUsage(X509Certificate certificate) {
        boolean[] bits = certificate.getKeyUsage();
        if (bits == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < bits.length && i < KEY_USAGE_NAMES.size(); i++) {
            if (bits[i]) {
                out.add(KEY_USAGE_NAMES.get(i));
            }
        }
        return List.copyOf(out);
    }

    private static Map<String, List<String>> extendedKeyUsage(X509Certificate certificate) {
        List<String> oids = new ArrayList<>();
        ASN1Primitive value = extension(certificate, Extension.extendedKeyUsage.getId());
        if (value != null) {
            for (ASN1Encodable e : ASN1Sequence.getInstance(value)) {
                oids.add(ASN1ObjectIdentifier.getInstance(e).getId());
            }
        }
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("oid", List.copyOf(oids));
        m.put("sn", oids.stream().map(o -> name(EKU_NAMES, o, 0)).toList());
        m.put("ln", oids.stream().map(o -> name(EKU_NAMES, o, 1)).toList());
        return Collections.unmodifiableMap(m);
    }

    private static List<Map<String, Object>> extensions(X509Certificate certificate) {
        // The JDK hands out extension OIDs as unordered sets, so read the order from the DER.
        org.bouncycastle.asn1.x509.Extensions exts = extensionsAsSent(certificate);
        if (exts == null) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (ASN1ObjectIdentifier oid : exts.getExtensionOIDs()) {
            String[] names = EXTENSION_NAMES.get(oid.getId());
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("oid", oid.getId());
            e.put("sn", names == null ? null : names[0]);
            e.put("ln", names == null ? null : names[1]);
            e.put("critical", exts.getExtension(oid).isCritical());
            out.add(Collections.unmodifiableMap(e));
        }
        return List.copyOf(out);
    }

    private static org.bouncycastle.asn1.x509.Extensions extensionsAsSent(X509Certificate certificate) {
        return org.bouncycastle.asn1.x509.Certificate.getInstance(encoded(certificate)).getTBSCertificate().getExtensions();
    }

    private static SubjectAltName subjectAltName(GeneralName n) {
        ASN1Encodable name = n.getName();
        switch (n.getTagNo()) {
            case GeneralName.dNSName:
                return SubjectAltName.ia5(SubjectAltName.Type.DNS, ASN1IA5String.getInstance(name).getOctets());
            case GeneralName.rfc822Name:
                return SubjectAltName.ia5(SubjectAltName.Type.EMAIL, ASN1IA5String.getInstance(name).getOctets());
            case GeneralName.uniformResourceIdentifier:
                return SubjectAltName.ia5(SubjectAltName.Type.URI, ASN1IA5String.getInstance(name).getOctets());
            case GeneralName.iPAddress:
                return SubjectAltName.ip(ASN1OctetString.getInstance(name).getOctets());
            case GeneralName.directoryName:
                return new SubjectAltName(SubjectAltName.Type.DIRECTORY_NAME, oneline(X500Name.getInstance(name)), der(name));
            case GeneralName.registeredID:
                return new SubjectAltName(SubjectAltName.Type.REGISTERED_ID,
                        ASN1ObjectIdentifier.getInstance(name).getId(), der(name));
            default:
                return new SubjectAltName(SubjectAltName.Type.values()[n.getTagNo()], "<unsupported>", der(name));
        }
    }

    private static byte[] der(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalArgumentException("name value cannot be encoded", e);
        }
    }

    private static ASN1Primitive extension(X509Certificate certificate, String oid) {
        byte[] wrapped = certificate.getExtensionValue(oid);
        if (wrapped == null) {
            return null;
        }
        try {
            return ASN1Primitive.fromByteArray(ASN1OctetString.getInstance(wrapped).getOctets());
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("certificate " + certificate.getSubjectX500Principal()
                    + " has a malformed extension " + oid + ": " + e.getMessage(), e);
        }
    }

    private static X500Name x500Name(X500Principal principal) {
        return X500Name.getInstance(principal.getEncoded());
    }

    private static String valueText(ASN1Encodable value) {
        if (value instanceof ASN1String) {
            return ((ASN1String) value).getString();
        }
        return "#" + HexFormat.of().formatHex(der(value));
    }

    private static byte[] encoded(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    private static String name(Map<String, String[]> table, String oid, int which) {
        String[] names = table.get(oid);
        return names == null ? oid : names[which];
    }

    private static Map<String, String[]> table(String... rows) {
        Map<String, String[]> m = new LinkedHashMap<>();
        for (int i = 0; i < rows.length; i += 3) {
            m.put(rows[i], new String[] {rows[i + 1], rows[i + 2]});
        }
        return Collections.unmodifiableMap(m);
    }
}
