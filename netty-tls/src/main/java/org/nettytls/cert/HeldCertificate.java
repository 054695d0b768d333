package org.nettytls.cert;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1GeneralizedTime;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v1CertificateBuilder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * A certificate together with its private key and the chain that signed it: the test PKI of
 * netty-tls, and the counterpart of IO::Socket::SSL::Utils' {@code CERT_create}.
 *
 * <pre>{@code
 * HeldCertificate root = HeldCertificate.builder().commonName("Test Root").certificateAuthority(1).build();
 * HeldCertificate ca = HeldCertificate.builder().commonName("Test CA").certificateAuthority(0).signedBy(root).build();
 * HeldCertificate server = HeldCertificate.builder().commonName("localhost").dns("localhost").ip("127.0.0.1")
 *         .signedBy(ca).build();
 * }</pre>
 *
 * <p>Keys are EC P-256 by default (fast to make); {@link Builder#rsa(int)} makes RSA,
 * {@link Builder#dsa(int)}, {@link Builder#ed25519()} and {@link Builder#ed448()} the others.
 * Certificates are valid from one hour ago for 365 days unless told otherwise, so clock skew
 * between a test and a peer does not matter.
 *
 * <p>It can also make the certificates a verifier must refuse or must still accept, for tests:
 * name constraints of every type ({@link Builder#permittedSubtree}, {@link Builder#excludedSubtree}),
 * weak keys and signatures ({@code rsa(1024)}, {@link Builder#signatureAlgorithm(String)}),
 * extensions added raw, dropped or marked critical ({@link Builder#addExtension},
 * {@link Builder#omitExtension}, {@link Builder#extensionCritical}), dates with fractional
 * seconds ({@link Builder#generalizedTime(boolean)}), version 1 certificates, any serial number,
 * self-issued intermediates ({@code subject(issuer's subject)} with a new key) and cross-signed
 * ones ({@link Builder#subjectAndKeyOf}).
 */
public final class HeldCertificate {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** id-pe-tlsfeature (RFC 7633). */
    private static final ASN1ObjectIdentifier TLS_FEATURE = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.24");
    /** id-pkix-ocsp-nocheck (RFC 6960 section 4.2.2.2.1). */
    private static final ASN1ObjectIdentifier OCSP_NOCHECK = new ASN1ObjectIdentifier("1.3.6.1.5.5.7.48.1.5");

    private final X509Certificate certificate;
    private final KeyPair keyPair;
    private final List<X509Certificate> chain;

    private HeldCertificate(X509Certificate certificate, KeyPair keyPair, List<X509Certificate> chain) {
        this.certificate = certificate;
        this.keyPair = keyPair;
        this.chain = chain;
    }

    /**
     * Wraps an existing certificate and its key, with the issuers that should be sent with it.
     *
     * @param certificate the certificate
     * @param keyPair its key pair
     * @param issuers the intermediates to send after it, nearest first
     * @return the held certificate
     */
    public static HeldCertificate of(X509Certificate certificate, KeyPair keyPair, List<X509Certificate> issuers) {
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(Objects.requireNonNull(certificate, "certificate"));
        chain.addAll(issuers);
        return new HeldCertificate(certificate, Objects.requireNonNull(keyPair, "keyPair"), List.copyOf(chain));
    }

    /**
     * A builder for a new key pair and certificate, self-signed unless {@link Builder#signedBy} is called.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The certificate itself, the first of {@link #chain()}.
     *
     * @return the certificate
     */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * The key pair whose public half the certificate holds.
     *
     * @return the key pair
     */
    public KeyPair keyPair() {
        return keyPair;
    }

    /**
     * The private key; keep it secret.
     *
     * @return the private half of {@link #keyPair()}
     */
    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /**
     * {@return this certificate followed by the intermediates that signed it, the chain a server sends} A self-signed
     * root at the top is left out, as servers should.
     */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** {@return the key and {@link #chain()}, ready for {@code certificate(KeyMaterial)} of the options builders} */
    public KeyMaterial keyMaterial() {
        return new KeyMaterial(keyPair.getPrivate(), chain);
    }

    /**
     * A CRL signed by this (CA) certificate that revokes {@code revoked}: serial numbers mapped
     * to an RFC 5280 CRLReason code (1 keyCompromise, 4 superseded, ...; {@code null} for none),
     * valid from {@code thisUpdate} to {@code nextUpdate}.
     *
     * @param revoked serial numbers to CRLReason codes (or {@code null})
     * @param thisUpdate the CRL's thisUpdate, also the revocation date
     * @param nextUpdate the CRL's nextUpdate
     * @return the signed CRL
     * @throws TlsException ({@code BAD_CONFIGURATION}) when the CRL cannot be signed with this
     *     certificate's key
     */
    public X509CRL crl(Map<BigInteger, Integer> revoked, Instant thisUpdate, Instant nextUpdate) throws TlsException {
        try {
            X509v2CRLBuilder b = new X509v2CRLBuilder(
                    X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            Date revokedAt = Date.from(thisUpdate);
            for (Map.Entry<BigInteger, Integer> e : revoked.entrySet()) {
                if (e.getValue() == null) {
                    b.addCRLEntry(e.getKey(), revokedAt, null);
                } else {
                    b.addCRLEntry(e.getKey(), revokedAt, e.getValue());
                }
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(keyPair.getPublic()));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(thisUpdate.getEpochSecond())));
            ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(keyPair.getPrivate()))
                    .build(keyPair.getPrivate());
            return new JcaX509CRLConverter().getCRL(b.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make a CRL for " + this + ": " + e.getMessage(), e);
        }
    }

    /**
     * The certificate alone as PEM ({@code -----BEGIN CERTIFICATE-----}), for a trust store or a peer's
     * configuration file.
     *
     * @return the PEM text
     */
    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /** {@return {@link #chain()} as PEM, leaf first} */
    public String chainPem() {
        return Pem.certificates(chain);
    }

    /** {@return the private key as unencrypted PKCS#8 PEM} */
    public String privateKeyPem() {
        return Pem.privateKey(keyPair.getPrivate());
    }

    /**
     * Writes {@code PREFIX.pem} (the chain, leaf first) and {@code PREFIX.key} (the key, readable by
     * its owner only where the file system allows) and returns the two paths.
     *
     * @param prefix the path the two files' names start with
     * @return the paths of the {@code .pem} and {@code .key} files
     * @throws TlsException ({@code BAD_INPUT}) when a file cannot be written
     */
    public List<Path> writeTo(Path prefix) throws TlsException {
        Path pem = prefix.resolveSibling(prefix.getFileName() + ".pem");
        Path key = prefix.resolveSibling(prefix.getFileName() + ".key");
        try {
            Files.writeString(pem, chainPem(), StandardCharsets.US_ASCII);
            Files.deleteIfExists(key);
            try {
                Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(key);
            }
            Files.writeString(key, privateKeyPem(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw TlsException.badInput(prefix.toString(), "cannot write certificate files: " + e.getMessage(), e);
        }
        return List.of(pem, key);
    }

    @Override
    public String toString() {
        return "HeldCertificate[" + certificate.getSubjectX500Principal().getName() + "]";
    }

    /** What kind of key a certificate gets. */
    public enum KeyType {
        /** ECDSA on a named curve (P-256 unless {@link Builder#ec(String)} says otherwise). */
        EC,
        /** RSA (2048 bits unless {@link Builder#rsa(int)} says otherwise). */
        RSA,
        /** DSA ({@link Builder#dsa(int)}); below netty-tls's security floor, for tests. */
        DSA,
        /** Ed25519. */
        ED25519,
        /** Ed448; BoringSSL does not verify it. */
        ED448
    }

    /** Extended key usages by name; {@link Builder#extendedKeyUsage(String...)} also takes dotted OIDs. */
    /** {@code serverAuth} (RFC 5280 section 4.2.1.12, id-kp-serverAuth): a TLS server certificate. */
    public static final String SERVER_AUTH = "serverAuth";
    /** {@code clientAuth} (RFC 5280 section 4.2.1.12, id-kp-clientAuth): a TLS client certificate. */
    public static final String CLIENT_AUTH = "clientAuth";
    /** {@code OCSPSigning} (id-kp-OCSPSigning): a delegated OCSP responder (RFC 6960 section 4.2.2.2). */
    public static final String OCSP_SIGNING = "OCSPSigning";
    /** {@code codeSigning} (id-kp-codeSigning). */
    public static final String CODE_SIGNING = "codeSigning";
    /** {@code emailProtection} (id-kp-emailProtection): S/MIME. */
    public static final String EMAIL_PROTECTION = "emailProtection";

    /**
     * Builds a {@link HeldCertificate}: a fresh key pair and a certificate signed by {@link #signedBy} or by
     * itself. An EC P-256 key and 365 days of validity unless set otherwise.
     */
    public static final class Builder {
        private String subject;
        private javax.security.auth.x500.X500Principal subjectPrincipal;
        private final List<SubjectAltName> altNames = new ArrayList<>();
        private KeyType keyType = KeyType.EC;
        private int rsaBits = 2048;
        private String curve = "secp256r1";
        private KeyPair keyPair;
        private Instant notBefore;
        private Instant notAfter;
        private Duration validity = Duration.ofDays(365);
        private BigInteger serial;
        private int maxIntermediates = -1;
        private HeldCertificate issuer;
        private Integer keyUsage;
        private final Set<String> extendedKeyUsages = new LinkedHashSet<>();
        private boolean extendedKeyUsageSet;
        private final List<String> ocspUrls = new ArrayList<>();
        private final List<String> crlUrls = new ArrayList<>();
        private boolean mustStaple;
        private boolean ocspNoCheck;
        private final List<GeneralSubtree> permitted = new ArrayList<>();
        private final List<GeneralSubtree> excluded = new ArrayList<>();
        private int dsaBits = 2048;
        private String signatureAlgorithm;
        private final Map<String, Extension> rawExtensions = new java.util.LinkedHashMap<>();
        private final Set<String> omitted = new LinkedHashSet<>();
        private final Map<String, Boolean> criticality = new java.util.HashMap<>();
        private boolean generalizedTime;
        private boolean version1;

        private Builder() {
        }

        /**
         * The subject as {@code CN=name}.
         *
         * @param cn the common name, escaped as RFC 4514 requires
         * @return this builder
         */
        public Builder commonName(String cn) {
            this.subject = "CN=" + escapeRdnValue(Objects.requireNonNull(cn, "cn"));
            return this;
        }

        /**
         * The whole subject as an RFC 4514 string, e.g. {@code CN=x,O=Example,C=DE}.
         *
         * @param rfc4514 the distinguished name
         * @return this builder
         */
        public Builder subject(String rfc4514) {
            this.subject = Objects.requireNonNull(rfc4514, "subject");
            this.subjectPrincipal = null;
            return this;
        }

        /**
         * The subject exactly as another certificate has it (its encoding, order and string types kept).
         *
         * @param principal the subject to copy
         * @return this builder
         */
        public Builder subject(javax.security.auth.x500.X500Principal principal) {
            this.subjectPrincipal = Objects.requireNonNull(principal, "principal");
            this.subject = null;
            return this;
        }

        /**
         * Adds a subjectAltName of any type, in the order added (RFC 5280 section 4.2.1.6).
         *
         * @param name the name
         * @return this builder
         */
        public Builder addSubjectAltName(SubjectAltName name) {
            altNames.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /**
         * Adds dNSName subjectAltNames, e.g. {@code example.org} or {@code *.example.org}.
         *
         * @param names the DNS names
         * @return this builder
         */
        public Builder dns(String... names) {
            for (String n : names) {
                altNames.add(SubjectAltName.dns(n));
            }
            return this;
        }

        /**
         * Adds iPAddress subjectAltNames, IPv4 or IPv6 literals.
         *
         * @param addresses the addresses as text
         * @return this builder
         */
        public Builder ip(String... addresses) {
            for (String a : addresses) {
                altNames.add(SubjectAltName.ip(a));
            }
            return this;
        }

        /**
         * Adds rfc822Name subjectAltNames (mail addresses).
         *
         * @param addresses the addresses
         * @return this builder
         */
        public Builder email(String... addresses) {
            for (String a : addresses) {
                altNames.add(SubjectAltName.email(a));
            }
            return this;
        }

        /**
         * Adds uniformResourceIdentifier subjectAltNames.
         *
         * @param uris the URIs
         * @return this builder
         */
        public Builder uri(String... uris) {
            for (String u : uris) {
                altNames.add(SubjectAltName.uri(u));
            }
            return this;
        }

        /**
         * The kind of key to generate; {@link KeyType#EC} (P-256) by default.
         *
         * @param type the key type
         * @return this builder
         */
        public Builder keyType(KeyType type) {
            this.keyType = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * An RSA key of {@code bits} bits (1024 to 16384; any number, so a modulus that is no
         * multiple of 8 can be made). Please note: netty-tls's default security floor refuses
         * keys below 2048 bits.
         *
         * @param bits the modulus length
         * @return this builder
         */
        public Builder rsa(int bits) {
            if (bits < 1024) {
                throw new IllegalArgumentException("RSA keys below 1024 bits are refused by every TLS stack: " + bits);
            }
            this.keyType = KeyType.RSA;
            this.rsaBits = bits;
            return this;
        }

        /**
         * A DSA key of {@code bits} bits (1024, 2048 or 3072), signed with SHA-256; refused by the default security
         * floor.
         *
         * @param bits 1024, 2048 or 3072
         * @return this builder
         */
        public Builder dsa(int bits) {
            this.keyType = KeyType.DSA;
            this.dsaBits = bits;
            return this;
        }

        /**
         * An Ed25519 key.
         *
         * @return this builder
         */
        public Builder ed25519() {
            this.keyType = KeyType.ED25519;
            return this;
        }

        /**
         * An Ed448 key (which BoringSSL does not verify).
         *
         * @return this builder
         */
        public Builder ed448() {
            this.keyType = KeyType.ED448;
            return this;
        }

        /**
         * Signs with this JCA algorithm instead of the one that fits the issuer's key
         * (SHA-256/384/512 with RSA or ECDSA, Ed25519, SHA-256 with DSA): for example
         * {@code SHA1withRSA}, {@code MD5withRSA}, {@code SHA1withECDSA}, {@code SHA256withRSAandMGF1}.
         *
         * @param jcaName the JCA signature algorithm name
         * @return this builder
         */
        public Builder signatureAlgorithm(String jcaName) {
            this.signatureAlgorithm = Objects.requireNonNull(jcaName, "jcaName");
            return this;
        }

        /**
         * The subject and key of {@code other}: a cross-signed copy of it when signed by another
         * issuer, or the same CA again with other extensions or dates.
         *
         * @param other the certificate whose subject and key are reused
         * @return this builder
         */
        public Builder subjectAndKeyOf(HeldCertificate other) {
            subject(other.certificate.getSubjectX500Principal());
            return keyPair(other.keyPair);
        }

        /**
         * An EC key on the named curve ({@code P-256}, {@code P-384}, {@code P-521} or JDK names).
         *
         * @param curveName the curve's name
         * @return this builder
         */
        public Builder ec(String curveName) {
            this.keyType = KeyType.EC;
            this.curve = curveName(curveName);
            return this;
        }

        /**
         * Uses this key pair instead of making one.
         *
         * @param pair the key pair
         * @return this builder
         */
        public Builder keyPair(KeyPair pair) {
            this.keyPair = Objects.requireNonNull(pair, "pair");
            return this;
        }

        /**
         * The exact validity window; either end may lie in the past or the future.
         *
         * @param notBefore the first instant the certificate is valid
         * @param notAfter the last instant the certificate is valid
         * @return this builder
         */
        public Builder validity(Instant notBefore, Instant notAfter) {
            if (!notAfter.isAfter(notBefore)) {
                throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
            }
            this.notBefore = notBefore;
            this.notAfter = notAfter;
            return this;
        }

        /**
         * Valid from one hour ago for {@code days} days.
         *
         * @param days a positive number of days
         * @return this builder
         */
        public Builder days(int days) {
            if (days <= 0) {
                throw new IllegalArgumentException("days must be positive: " + days);
            }
            this.notBefore = null;
            this.notAfter = null;
            this.validity = Duration.ofDays(days);
            return this;
        }

        /**
         * The serial number; a random positive 127-bit number by default.
         *
         * @param serialNumber a positive number (RFC 5280 section 4.1.2.2)
         * @return this builder
         * @throws IllegalArgumentException if {@code serialNumber} is not positive
         */
        public Builder serialNumber(BigInteger serialNumber) {
            if (serialNumber.signum() <= 0) {
                throw new IllegalArgumentException("serial numbers are positive (RFC 5280 4.1.2.2): " + serialNumber);
            }
            this.serial = serialNumber;
            return this;
        }

        /**
         * Any serial number, zero, negative or longer than RFC 5280's 20 octets: to test that a verifier refuses it.
         *
         * @param serialNumber any number
         * @return this builder
         */
        public Builder serialNumberUnchecked(BigInteger serialNumber) {
            this.serial = Objects.requireNonNull(serialNumber, "serialNumber");
            return this;
        }

        /**
         * Writes notBefore and notAfter as GeneralizedTime with their milliseconds
         * ({@code 20300101000000.5Z}), which RFC 5280 4.1.2.5.2 forbids and some CAs wrote anyway;
         * otherwise the dates are whole seconds, UTCTime before 2050.
         *
         * @param withFractionalSeconds {@code true} for the forbidden encoding
         * @return this builder
         */
        public Builder generalizedTime(boolean withFractionalSeconds) {
            this.generalizedTime = withFractionalSeconds;
            return this;
        }

        /**
         * An X.509 version 1 certificate: no extensions at all (a CA made this way is an old-style root).
         *
         * @return this builder
         */
        public Builder version1() {
            this.version1 = true;
            return this;
        }

        /**
         * Adds an extension as given ({@code value} is the DER of the extension's value), in place
         * of any the builder would add with the same OID: for malformed or unusual extensions.
         *
         * @param oid the extension's dotted OID
         * @param critical whether it is marked critical
         * @param value the DER of the extension's value
         * @return this builder
         */
        public Builder addExtension(String oid, boolean critical, byte[] value) {
            ASN1ObjectIdentifier id = new ASN1ObjectIdentifier(oid);
            rawExtensions.put(oid, new Extension(id, critical, new DEROctetString(value.clone())));
            return this;
        }

        /**
         * Leaves out an extension the builder would add (subjectKeyIdentifier {@code 2.5.29.14}, keyUsage {@code
         * 2.5.29.15}, ...).
         *
         * @param oid the extension's dotted OID
         * @return this builder
         */
        public Builder omitExtension(String oid) {
            omitted.add(new ASN1ObjectIdentifier(oid).getId());
            return this;
        }

        /**
         * Marks an extension the builder adds critical or not (a critical cRLDistributionPoints {@code 2.5.29.31},
         * say).
         *
         * @param oid the extension's dotted OID
         * @param critical whether it is marked critical
         * @return this builder
         */
        public Builder extensionCritical(String oid, boolean critical) {
            criticality.put(new ASN1ObjectIdentifier(oid).getId(), critical);
            return this;
        }

        /**
         * Makes a CA certificate that may sign {@code maxIntermediates} more levels of CAs
         * below it (0: it signs only leaves).
         *
         * @param maxIntermediates the path length constraint (RFC 5280 section 4.2.1.9)
         * @return this builder
         */
        public Builder certificateAuthority(int maxIntermediates) {
            if (maxIntermediates < 0) {
                throw new IllegalArgumentException("maxIntermediates must be >= 0: " + maxIntermediates);
            }
            this.maxIntermediates = maxIntermediates;
            return this;
        }

        /**
         * Signs with {@code issuer}'s key; without this the certificate is self-signed.
         *
         * @param issuer the issuing CA with its key
         * @return this builder
         */
        public Builder signedBy(HeldCertificate issuer) {
            this.issuer = Objects.requireNonNull(issuer, "issuer");
            return this;
        }

        /**
         * The key usage bits, as Bouncy Castle's {@link KeyUsage} constants ORed together
         * (for example {@code KeyUsage.digitalSignature | KeyUsage.keyEncipherment}).
         * Default: keyCertSign and cRLSign for a CA, digitalSignature (and keyEncipherment for RSA) for others.
         *
         * @param bits the key usage bits
         * @return this builder
         */
        public Builder keyUsage(int bits) {
            this.keyUsage = bits;
            return this;
        }

        /**
         * The extended key usages by name ({@link #SERVER_AUTH}, {@link #CLIENT_AUTH},
         * {@link #OCSP_SIGNING}, ...) or dotted OID. Default: serverAuth and clientAuth for
         * leaves, none for CAs. Called with no arguments, the extension is left out.
         *
         * @param usages usage names or dotted OIDs
         * @return this builder
         */
        public Builder extendedKeyUsage(String... usages) {
            extendedKeyUsages.clear();
            extendedKeyUsages.addAll(List.of(usages));
            extendedKeyUsageSet = true;
            return this;
        }

        /**
         * Adds an AIA OCSP responder URL ({@code authorityInfoAccess=OCSP;URI:...}).
         *
         * @param url the responder's URL
         * @return this builder
         */
        public Builder ocspUrl(String url) {
            ocspUrls.add(Objects.requireNonNull(url, "url"));
            return this;
        }

        /**
         * Adds a CRL distribution point URL.
         *
         * @param url where the CRL can be fetched
         * @return this builder
         */
        public Builder crlUrl(String url) {
            crlUrls.add(Objects.requireNonNull(url, "url"));
            return this;
        }

        /**
         * Adds the TLS feature extension with status_request (RFC 7633, "OCSP must-staple").
         *
         * @param on {@code true} to add the extension
         * @return this builder
         */
        public Builder mustStaple(boolean on) {
            this.mustStaple = on;
            return this;
        }

        /**
         * Adds id-pkix-ocsp-nocheck, as an OCSP responder certificate carries it.
         *
         * @param on {@code true} to add the extension
         * @return this builder
         */
        public Builder ocspNoCheck(boolean on) {
            this.ocspNoCheck = on;
            return this;
        }

        /**
         * Name constraints (RFC 5280 section 4.2.1.10) on DNS names, for a CA: only names in the
         * permitted subtrees (when any are given) and none in the excluded ones may be issued
         * under it. Replaces every subtree given before.
         *
         * @param permittedDnsNames DNS names whose subtrees are permitted
         * @param excludedDnsNames DNS names whose subtrees are excluded
         * @return this builder
         */
        public Builder nameConstraints(List<String> permittedDnsNames, List<String> excludedDnsNames) {
            permitted.clear();
            excluded.clear();
            for (String d : permittedDnsNames) {
                permitted.add(subtree("DNS:" + d));
            }
            for (String d : excludedDnsNames) {
                excluded.add(subtree("DNS:" + d));
            }
            return this;
        }

        /**
         * Adds a permitted subtree to the name constraints (critical, as RFC 5280 says, unless
         * {@link #extensionCritical} says otherwise): {@code DNS:example.com}, {@code DNS:.example.com},
         * {@code IP:192.0.2.0/24}, {@code IP:2001:db8::/32}, {@code email:example.com},
         * {@code email:user@example.com}, {@code URI:.example.com}, {@code DirName:C=DE,O=Example} (in
         * the order {@link #subject(String)} keeps; a subject lies within it when its RDNs begin with
         * these), or {@code IP:#hex} for the raw octets (a malformed range, say).
         *
         * @param spec a subtree, e.g. {@code DNS:.example.com}
         * @return this builder
         */
        public Builder permittedSubtree(String spec) {
            permitted.add(subtree(spec));
            return this;
        }

        /**
         * Adds an excluded subtree; the same forms as {@link #permittedSubtree(String)}.
         *
         * @param spec a subtree, e.g. {@code DNS:.example.com}
         * @return this builder
         */
        public Builder excludedSubtree(String spec) {
            excluded.add(subtree(spec));
            return this;
        }

        /**
         * Generates the key (unless one was given) and signs the certificate.
         *
         * @return the certificate with its key and chain
         * @throws TlsException ({@code BAD_CONFIGURATION}) when the key cannot be made or the
         *     certificate cannot be signed with the settings given
         */
        public HeldCertificate build() throws TlsException {
            try {
                return build0();
            } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
                throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make certificate for "
                        + subjectOrDefault() + ": " + e.getMessage(), e);
            }
        }

        private String subjectOrDefault() {
            if (subjectPrincipal != null) {
                return subjectPrincipal.getName();
            }
            if (subject != null) {
                return subject;
            }
            // A certificate must name something: the first SAN, else a random name.
            for (SubjectAltName n : altNames) {
                if (n.type() == SubjectAltName.Type.DNS || n.type() == SubjectAltName.Type.IP) {
                    return "CN=" + escapeRdnValue(n.value());
                }
            }
            return "CN=" + new BigInteger(64, RANDOM).toString(16);
        }

        private HeldCertificate build0() throws GeneralSecurityException, OperatorCreationException, IOException {
            KeyPair pair = keyPair != null ? keyPair : generateKeyPair();
            X500Name subjectName = subjectPrincipal != null ? X500Name.getInstance(subjectPrincipal.getEncoded())
                    : new X500Name(subjectOrDefault());
            KeyPair signingPair = issuer != null ? issuer.keyPair : pair;
            X500Name issuerName = issuer != null
                    ? X500Name.getInstance(issuer.certificate.getSubjectX500Principal().getEncoded())
                    : subjectName;
            Instant from = notBefore != null ? notBefore : Instant.now().minus(Duration.ofHours(1));
            Instant until = notAfter != null ? notAfter : from.plus(validity).plus(Duration.ofHours(1));
            BigInteger sn = serial != null ? serial : new BigInteger(127, RANDOM).setBit(126);

            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
            ContentSigner signer = signer(signatureAlgorithm != null ? signatureAlgorithm
                    : HeldCertificate.signatureAlgorithm(signingPair.getPrivate()), signingPair.getPrivate());
            X509CertificateHolder holder;
            if (version1) {
                holder = new X509v1CertificateBuilder(issuerName, sn, time(from), time(until), subjectName, spki)
                        .build(signer);
            } else {
                X509v3CertificateBuilder b = new X509v3CertificateBuilder(
                        issuerName, sn, time(from), time(until), subjectName, spki);
                for (Extension e : extensions(pair, signingPair)) {
                    b.addExtension(e);
                }
                holder = b.build(signer);
            }
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
            cert.verify(signingPair.getPublic());

            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            if (issuer != null) {
                for (X509Certificate c : issuer.chain) {
                    if (!CertificateFields.isSelfSigned(c)) {
                        chain.add(c);
                    }
                }
            }
            return new HeldCertificate(cert, pair, Collections.unmodifiableList(chain));
        }

        private Time time(Instant t) {
            if (!generalizedTime) {
                return new Time(Date.from(t));
            }
            String whole = java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHHmmss").withZone(java.time.ZoneOffset.UTC)
                    .format(t);
            int millis = t.getNano() / 1_000_000;
            String fraction = millis == 0 ? "" : ("." + String.format("%03d", millis)).replaceAll("0+$", "");
            return new Time(new ASN1GeneralizedTime(whole + fraction + "Z"));
        }

        /** The extensions, in the order they are written, after omissions, criticality changes and raw ones. */
        private List<Extension> extensions(KeyPair pair, KeyPair signingPair) throws GeneralSecurityException, IOException {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            List<Extension> out = new ArrayList<>();
            add(out, Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            add(out, Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(signingPair.getPublic()));
            boolean ca = maxIntermediates >= 0;
            add(out, Extension.basicConstraints, true, ca ? new BasicConstraints(maxIntermediates) : new BasicConstraints(false));
            String algorithm = pair.getPublic().getAlgorithm();
            int usage = keyUsage != null ? keyUsage
                    : ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature
                    : algorithm.equals("RSA") ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment
                    : KeyUsage.digitalSignature;
            add(out, Extension.keyUsage, true, new KeyUsage(usage));
            Set<String> ekus = extendedKeyUsageSet ? extendedKeyUsages
                    : ca ? Set.of() : new LinkedHashSet<>(List.of(SERVER_AUTH, CLIENT_AUTH));
            if (!ekus.isEmpty()) {
                List<KeyPurposeId> ids = new ArrayList<>();
                for (String u : ekus) {
                    ids.add(keyPurpose(u));
                }
                add(out, Extension.extendedKeyUsage, false, new ExtendedKeyUsage(ids.toArray(new KeyPurposeId[0])));
            }
            if (!altNames.isEmpty()) {
                GeneralName[] names = new GeneralName[altNames.size()];
                for (int i = 0; i < names.length; i++) {
                    names[i] = generalName(altNames.get(i));
                }
                add(out, Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            if (!ocspUrls.isEmpty()) {
                AccessDescription[] ad = new AccessDescription[ocspUrls.size()];
                for (int i = 0; i < ad.length; i++) {
                    ad[i] = new AccessDescription(AccessDescription.id_ad_ocsp,
                            new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrls.get(i)));
                }
                add(out, Extension.authorityInfoAccess, false, new AuthorityInformationAccess(ad));
            }
            if (!crlUrls.isEmpty()) {
                DistributionPoint[] dps = new DistributionPoint[crlUrls.size()];
                for (int i = 0; i < dps.length; i++) {
                    dps[i] = new DistributionPoint(new DistributionPointName(new GeneralNames(
                            new GeneralName(GeneralName.uniformResourceIdentifier, crlUrls.get(i)))), null, null);
                }
                add(out, Extension.cRLDistributionPoints, false, new CRLDistPoint(dps));
            }
            if (mustStaple) {
                // TLSFeatures ::= SEQUENCE OF INTEGER; status_request is 5 (RFC 6066).
                add(out, TLS_FEATURE, false, new DERSequence(new ASN1Integer(5)));
            }
            if (!permitted.isEmpty() || !excluded.isEmpty()) {
                add(out, Extension.nameConstraints, true, new NameConstraints(
                        permitted.isEmpty() ? null : permitted.toArray(new GeneralSubtree[0]),
                        excluded.isEmpty() ? null : excluded.toArray(new GeneralSubtree[0])));
            }
            if (ocspNoCheck) {
                add(out, OCSP_NOCHECK, false, DERNull.INSTANCE);
            }
            for (Extension raw : rawExtensions.values()) {
                out.removeIf(e -> e.getExtnId().equals(raw.getExtnId()));
                out.add(raw);
            }
            return out;
        }

        private void add(List<Extension> out, ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value)
                throws IOException {
            if (omitted.contains(oid.getId())) {
                return;
            }
            out.add(new Extension(oid, criticality.getOrDefault(oid.getId(), critical),
                    new DEROctetString(value.toASN1Primitive().getEncoded())));
        }

        private KeyPair generateKeyPair() throws GeneralSecurityException {
            if (keyType == KeyType.RSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(rsaBits, RANDOM);
                return g.generateKeyPair();
            }
            if (keyType == KeyType.DSA) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("DSA");
                g.initialize(dsaBits, RANDOM);
                return g.generateKeyPair();
            }
            if (keyType == KeyType.ED25519 || keyType == KeyType.ED448) {
                return KeyPairGenerator.getInstance(keyType == KeyType.ED25519 ? "Ed25519" : "Ed448").generateKeyPair();
            }
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec(curve), RANDOM);
            return g.generateKeyPair();
        }
    }

    /**
     * A signer from the JDK's providers, else from Bouncy Castle's (not registered, used for this
     * signature only): it knows what the JDK does not, RSASSA-PSS over SHA-1 or brainpool curves.
     */
    private static ContentSigner signer(String algorithm, PrivateKey key) throws OperatorCreationException {
        try {
            return new JcaContentSignerBuilder(algorithm).build(key);
        } catch (OperatorCreationException | RuntimeException notInTheJdk) {
            return new JcaContentSignerBuilder(algorithm).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                    .build(key);
        }
    }

    private static String signatureAlgorithm(PrivateKey key) {
        if (key instanceof ECKey) {
            int bits = ((ECKey) key).getParams().getOrder().bitLength();
            return bits > 384 ? "SHA512withECDSA" : bits > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
        }
        if ("RSA".equals(key.getAlgorithm())) {
            return "SHA256withRSA";
        }
        if ("DSA".equals(key.getAlgorithm())) {
            return "SHA256withDSA";
        }
        if (key instanceof java.security.interfaces.EdECKey) {
            return ((java.security.interfaces.EdECKey) key).getParams().getName();
        }
        if ("Ed25519".equals(key.getAlgorithm()) || "EdDSA".equals(key.getAlgorithm())) {
            return "Ed25519";
        }
        throw new IllegalArgumentException("cannot sign with a " + key.getAlgorithm() + " key");
    }

    private static String curveName(String name) {
        switch (name.toUpperCase(Locale.ROOT)) {
            case "P-256":
            case "PRIME256V1":
            case "SECP256R1":
                return "secp256r1";
            case "P-384":
            case "SECP384R1":
                return "secp384r1";
            case "P-521":
            case "SECP521R1":
                return "secp521r1";
            default:
                throw new IllegalArgumentException("unsupported curve '" + name + "' (expected P-256, P-384 or P-521)");
        }
    }

    /** One subtree from {@code TYPE:value}, as {@link Builder#permittedSubtree(String)} reads it. */
    private static GeneralSubtree subtree(String spec) {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("a subtree is TYPE:value (DNS, IP, email, URI, DirName): '" + spec + "'");
        }
        String type = spec.substring(0, colon);
        String value = spec.substring(colon + 1);
        switch (type.toUpperCase(Locale.ROOT)) {
            case "DNS":
                return new GeneralSubtree(new GeneralName(GeneralName.dNSName, value));
            case "EMAIL":
                return new GeneralSubtree(new GeneralName(GeneralName.rfc822Name, value));
            case "URI":
                return new GeneralSubtree(new GeneralName(GeneralName.uniformResourceIdentifier, value));
            case "DIRNAME":
                return new GeneralSubtree(new GeneralName(new X500Name(value)));
            case "IP":
                return new GeneralSubtree(new GeneralName(GeneralName.iPAddress, new DEROctetString(ipRange(value))));
            default:
                throw new IllegalArgumentException("unknown subtree type '" + type + "' (DNS, IP, email, URI, DirName)");
        }
    }

    /** {@code address/prefix} as address and mask octets, or {@code #hex} as given. */
    private static byte[] ipRange(String value) {
        if (value.startsWith("#")) {
            return java.util.HexFormat.of().parseHex(value.substring(1));
        }
        int slash = value.lastIndexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("an IP subtree is address/prefix or #hex: '" + value + "'");
        }
        byte[] address = SubjectAltName.ip(value.substring(0, slash)).rawValue();
        int prefix = Integer.parseInt(value.substring(slash + 1));
        byte[] out = new byte[address.length * 2];
        System.arraycopy(address, 0, out, 0, address.length);
        for (int i = 0; i < address.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - 8 * i));
            out[address.length + i] = (byte) (0xff << (8 - bits));
        }
        return out;
    }

    private static KeyPurposeId keyPurpose(String usage) {
        switch (usage) {
            case SERVER_AUTH:
                return KeyPurposeId.id_kp_serverAuth;
            case CLIENT_AUTH:
                return KeyPurposeId.id_kp_clientAuth;
            case OCSP_SIGNING:
                return KeyPurposeId.id_kp_OCSPSigning;
            case CODE_SIGNING:
                return KeyPurposeId.id_kp_codeSigning;
            case EMAIL_PROTECTION:
                return KeyPurposeId.id_kp_emailProtection;
            default:
                if (usage.matches("[0-9]+(\\.[0-9]+)+")) {
                    return KeyPurposeId.getInstance(new ASN1ObjectIdentifier(usage));
                }
                throw new IllegalArgumentException("unknown extended key usage '" + usage
                        + "' (expected serverAuth, clientAuth, OCSPSigning, codeSigning, emailProtection or an OID)");
        }
    }

    private static GeneralName generalName(SubjectAltName n) {
        switch (n.type()) {
            case DNS:
                return new GeneralName(GeneralName.dNSName, n.value());
            case IP:
                return new GeneralName(GeneralName.iPAddress, new DEROctetString(n.rawValue()));
            case EMAIL:
                return new GeneralName(GeneralName.rfc822Name, n.value());
            case URI:
                return new GeneralName(GeneralName.uniformResourceIdentifier, n.value());
            default:
                throw new IllegalArgumentException("cannot write subjectAltName " + n);
        }
    }

    private static String escapeRdnValue(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (",+\"\\<>;=".indexOf(c) >= 0 || (i == 0 && (c == '#' || c == ' '))
                    || (i == v.length() - 1 && c == ' ')) {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
