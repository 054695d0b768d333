package org.nettytls.verify;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAPublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.NamedParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * The rules a certificate must meet by itself, whatever path it is in: the {@link SecurityFloor}
 * (keys and signature algorithms), the RFC 5280 rule that a certificate signing certificates is a
 * CA, and the {@link ValidationProfile#WEBPKI} certificate profile. Each finding names the
 * certificate, the rule with its section, and what was found.
 */
final class CertificateRules {
    /** RSA moduli above this are refused unverified: a 16384-bit check costs 15 times a 2048-bit one. */
    static final int MAX_RSA_BITS = 8192;
    /** BoringSSL's limit: a larger public exponent makes each signature check as slow as a private-key operation. */
    static final int MAX_RSA_EXPONENT_BITS = 33;

    private static final String P256 = "1.2.840.10045.3.1.7";
    private static final String P384 = "1.3.132.0.34";
    private static final String P521 = "1.3.132.0.35";
    private static final Map<String, String> CURVE_NAMES = Map.of(P256, "P-256", P384, "P-384", P521, "P-521");
    private static final Set<String> MD = Set.of("1.2.840.113549.1.1.2", "1.2.840.113549.1.1.3", "1.2.840.113549.1.1.4");
    /** SHA-1 signature OIDs, the OIW ones too (the JDK verifies 1.3.14.3.2.15 as SHA1withRSA). */
    private static final Set<String> SHA1 = Set.of("1.2.840.113549.1.1.5", "1.3.14.3.2.29", "1.3.14.3.2.15",
            "1.2.840.10045.4.1", "1.2.840.10040.4.3", "1.3.14.3.2.13", "1.3.14.3.2.27");
    private static final Set<String> DSA_SIGNATURES = Set.of("1.2.840.10040.4.3", "1.3.14.3.2.13", "1.3.14.3.2.27",
            "2.16.840.1.101.3.4.3.1", "2.16.840.1.101.3.4.3.2", "2.16.840.1.101.3.4.3.3", "2.16.840.1.101.3.4.3.4");
    private static final String RSASSA_PSS = "1.2.840.113549.1.1.10";
    private static final String ED448_SIGNATURE = "1.3.101.113";
    private static final String SHA1_HASH = "1.3.14.3.2.26";
    private static final String MD5_HASH = "1.2.840.113549.2.5";
    /** BR 7.1.3.2: RSASSA-PKCS1-v1_5 and ECDSA with SHA-256, SHA-384, SHA-512. */
    private static final Set<String> WEBPKI_SIGNATURES = Set.of("1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12",
            "1.2.840.113549.1.1.13", "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4");
    private static final Set<String> SHA2_HASHES = Set.of("2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2",
            "2.16.840.1.101.3.4.2.3");
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final int KEY_CERT_SIGN = 5;

    private CertificateRules() {
    }

    // ---- the security floor --------------------------------------------------------------------

    /**
     * Why checking a signature with this key would cost more than a handshake may spend, or
     * {@code null}: asked of a candidate issuer before its key is used at all.
     */
    static String tooCostly(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            RSAPublicKey rsa = (RSAPublicKey) key;
            int bits = rsa.getModulus().bitLength();
            if (bits > MAX_RSA_BITS) {
                return "its RSA key of " + bits + " bits is larger than the " + MAX_RSA_BITS + " bits this verifier checks";
            }
            int e = rsa.getPublicExponent().bitLength();
            if (e > MAX_RSA_EXPONENT_BITS) {
                return "its RSA public exponent of " + e + " bits is larger than the " + MAX_RSA_EXPONENT_BITS
                        + " bits this verifier checks (as BoringSSL)";
            }
        }
        return null;
    }

    /** The key of {@code c} against the floor: {@code null}, a weak-key finding, or a too-costly one. */
    static ChainFailure key(X509Certificate c, int depth, SecurityFloor floor) {
        PublicKey key = c.getPublicKey();
        String costly = tooCostly(key);
        if (costly != null) {
            return new ChainFailure(ChainFailure.Reason.TOO_COMPLEX, depth, ChainValidator.who(depth)
                    + ChainValidator.describe(c) + ": " + costly + " (bounded work)");
        }
        String weak = weakKey(key, floor);
        return weak == null ? null : new ChainFailure(ChainFailure.Reason.WEAK_KEY, depth, ChainValidator.who(depth)
                + ChainValidator.describe(c) + " " + weak);
    }

    /** Why {@code key} is below {@code floor} (a phrase after the certificate's name), or {@code null}. */
    static String weakKey(PublicKey key, SecurityFloor floor) {
        boolean legacy = floor == SecurityFloor.LEGACY;
        if (key instanceof RSAPublicKey) {
            RSAPublicKey rsa = (RSAPublicKey) key;
            int bits = rsa.getModulus().bitLength();
            BigInteger e = rsa.getPublicExponent();
            if (!e.testBit(0) || e.compareTo(BigInteger.valueOf(3)) < 0) {
                return "has an RSA public exponent of " + e + ", which is not an odd number of 3 or more (RFC 8017 3.1)";
            }
            int min = legacy ? 1024 : 2048;
            if (bits < min) {
                return "has an RSA key of " + bits + " bits; the security floor needs at least " + min
                        + (legacy ? " even for a legacy PKI" : " (OpenSSL security level 2, CA/B Forum BR 6.1.5;"
                        + " SecurityFloor.LEGACY lowers it to 1024 for a legacy private PKI)");
            }
            return null;
        }
        if (key instanceof DSAPublicKey) {
            int bits = ((DSAPublicKey) key).getParams() == null ? 0 : ((DSAPublicKey) key).getParams().getP().bitLength();
            if (!legacy) {
                return "has a DSA key (" + bits + " bits); DSA is below the security floor (BoringSSL, Go and rustls"
                        + " dropped it, CA/B Forum BR 6.1.5 forbids it; SecurityFloor.LEGACY accepts it for a legacy private PKI)";
            }
            return bits < 1024 ? "has a DSA key of " + bits + " bits; even a legacy PKI needs at least 1024" : null;
        }
        if (key instanceof ECPublicKey) {
            String curve = curveOf(key);
            if (CURVE_NAMES.containsKey(curve) || legacy && curve != null) {
                return null;
            }
            return "has an EC key on " + (curve == null ? "explicitly given curve parameters" : "the curve " + curve)
                    + "; the security floor allows P-256, P-384 and P-521 only"
                    + (curve == null ? "" : " (SecurityFloor.LEGACY accepts other named curves)");
        }
        String algorithm = keyAlgorithm(key);
        if ("Ed25519".equals(algorithm) || legacy) {
            return null;
        }
        if ("Ed448".equals(algorithm)) {
            return "has an Ed448 key, which BoringSSL does not verify; the security floor allows RSA, EC on P-256,"
                    + " P-384 or P-521, and Ed25519";
        }
        return "has a " + algorithm + " key; the security floor allows RSA, EC on P-256, P-384 or P-521, and Ed25519";
    }

    /** The signature of {@code c} against {@code floor} (skip it for a trust anchor's own self-signature). */
    static ChainFailure signature(X509Certificate c, int depth, SecurityFloor floor) {
        String weak = weakSignature(c, floor);
        return weak == null ? null : new ChainFailure(ChainFailure.Reason.WEAK_SIGNATURE, depth,
                ChainValidator.who(depth) + ChainValidator.describe(c) + " " + weak);
    }

    static String weakSignature(X509Certificate c, SecurityFloor floor) {
        String oid = c.getSigAlgOID();
        String name = c.getSigAlgName();
        String hash = null;
        if (RSASSA_PSS.equals(oid)) {
            hash = pssHash(c.getSigAlgParams());
        }
        // The JDK's name for the algorithm as well as the OID: whatever OID it verifies as SHA-1 or MD5 is refused.
        String jdkName = name == null ? "" : name.toUpperCase(Locale.ROOT);
        if (MD.contains(oid) || MD5_HASH.equals(hash) || jdkName.startsWith("MD2WITH") || jdkName.startsWith("MD4WITH")
                || jdkName.startsWith("MD5WITH")) {
            return "is signed with " + name + "; MD2, MD4 and MD5 signatures are refused (RFC 6151, OpenSSL security level 1)";
        }
        if (floor == SecurityFloor.LEGACY) {
            return null;
        }
        if (SHA1.contains(oid) || SHA1_HASH.equals(hash) || jdkName.startsWith("SHA1WITH")) {
            return "is signed with " + (hash != null ? "RSASSA-PSS over SHA-1" : name) + "; SHA-1 signatures are below the"
                    + " security floor (SHAttered; OpenSSL security level 2; SecurityFloor.LEGACY accepts them)";
        }
        if (DSA_SIGNATURES.contains(oid) || jdkName.endsWith("WITHDSA")) {
            return "is signed with " + name + "; DSA signatures are below the security floor (SecurityFloor.LEGACY accepts them)";
        }
        if (ED448_SIGNATURE.equals(oid)) {
            return "is signed with Ed448, which BoringSSL does not verify";
        }
        return null;
    }

    /** The hash of RSASSA-PSS parameters (absent parameters mean SHA-1, RFC 4055); {@code null} if unreadable. */
    private static String pssHash(byte[] params) {
        if (params == null) {
            return SHA1_HASH;
        }
        try {
            return RSASSAPSSparams.getInstance(params).getHashAlgorithm().getAlgorithm().getId();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The own certificate chain against {@code floor} when options are built: the leaf's key and
     * every key and signature of the chain (a self-signed root's own signature aside). Returns what
     * is wrong, for a {@code bad-configuration} message, or {@code null}.
     */
    static String ownChain(List<X509Certificate> chain, SecurityFloor floor) {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            String where = (i == 0 ? "the certificate " : "the chain certificate at depth " + i + " ") + ChainValidator.describe(c);
            String costly = tooCostly(c.getPublicKey());
            if (costly != null) {
                return where + ": " + costly + "; peers of netty-tls refuse it unchecked";
            }
            String weak = weakKey(c.getPublicKey(), floor);
            if (weak == null && !(i == chain.size() - 1 && i > 0 && selfIssued(c))) {
                weak = weakSignature(c, floor);
            }
            if (weak != null) {
                return where + " " + weak + "; peers at their default security level refuse it";
            }
        }
        return null;
    }

    // ---- RFC 5280, every profile -----------------------------------------------------------------

    /**
     * RFC 5280 4.2.1.3: "If the keyCertSign bit is asserted, then the cA bit in the basic
     * constraints extension MUST also be asserted". A peer certificate that may sign certificates
     * but is no CA is both a leaf and a CA where the RFC forbids it.
     */
    static ChainFailure leafMaySign(X509Certificate leaf) {
        boolean[] ku = leaf.getKeyUsage();
        if (ku == null || ku.length <= KEY_CERT_SIGN || !ku[KEY_CERT_SIGN] || leaf.getBasicConstraints() >= 0) {
            return null;
        }
        return new ChainFailure(ChainFailure.Reason.LEAF_MAY_SIGN, 0, ChainValidator.who(0) + ChainValidator.describe(leaf)
                + " has keyUsage keyCertSign without basicConstraints CA:TRUE, which RFC 5280 4.2.1.3 forbids;"
                + " it is refused as a peer certificate");
    }

    // ---- the WEBPKI profile ------------------------------------------------------------------------

    /**
     * The CA/Browser Forum BR certificate profile for one certificate of a path.
     *
     * @param anchor whether {@code c} is the trust anchor at the top of the path
     * @param peerIsServer whether the leaf's identity rules apply and which extendedKeyUsage it needs
     * @param keyPassedFloor whether the key passed the security floor (else its WEBPKI key rules are not repeated)
     */
    static void webPki(X509Certificate c, int depth, boolean anchor, boolean peerIsServer, boolean keyPassedFloor,
            List<ChainFailure> out) {
        boolean leaf = depth == 0;
        boolean root = anchor && selfIssued(c);
        List<String> problems = new ArrayList<>();
        if (c.getVersion() != 3) {
            problems.add("is an X.509 v" + c.getVersion() + " certificate; only v3 is allowed (BR 7.1.1)");
        }
        BigInteger serial = c.getSerialNumber();
        if (serial.signum() <= 0) {
            problems.add("has the serial number " + serial + "; serial numbers are positive (RFC 5280 4.1.2.2)");
        } else if (serial.toByteArray().length > 20) {
            problems.add("has a serial number of " + serial.toByteArray().length + " octets; at most 20 are allowed"
                    + " (RFC 5280 4.1.2.2)");
        }
        if (keyPassedFloor) {
            String key = webPkiKey(c.getPublicKey());
            if (key != null) {
                problems.add(key);
            }
        }
        if (!(anchor && selfIssued(c)) && !WEBPKI_SIGNATURES.contains(c.getSigAlgOID())
                && !(RSASSA_PSS.equals(c.getSigAlgOID()) && SHA2_HASHES.contains(pssHash(c.getSigAlgParams())))) {
            problems.add("is signed with " + c.getSigAlgName() + "; BR 7.1.3.2 allows RSA (PKCS#1 v1.5 or PSS) and ECDSA"
                    + " with SHA-256, SHA-384 or SHA-512 only");
        }
        keyIdentifiers(c, leaf, root, problems);
        String aia = malformedAia(c);
        if (aia != null) {
            problems.add(aia);
        }
        nameConstraints(c, leaf, problems);
        List<String> ekus;
        try {
            ekus = c.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            ekus = null;
            problems.add("has an extendedKeyUsage that cannot be read (RFC 5280 4.2.1.12)");
        }
        if (root && ekus != null) {
            problems.add("is a root with an extendedKeyUsage extension " + ekus + ", which BR 7.1.2.1.2 forbids");
        }
        if (leaf) {
            String wanted = peerIsServer ? SERVER_AUTH : CLIENT_AUTH;
            if (ekus == null) {
                problems.add("has no extendedKeyUsage; BR 7.1.2.7.10 requires it with " + (peerIsServer ? "serverAuth" : "clientAuth"));
            } else if (ekus.contains(ANY_EKU)) {
                problems.add("has anyExtendedKeyUsage in its extendedKeyUsage, which BR 7.1.2.7.10 forbids");
            } else if (!ekus.contains(wanted)) {
                problems.add("lacks " + (peerIsServer ? "serverAuth" : "clientAuth") + " in its extendedKeyUsage (BR 7.1.2.7.10)");
            }
            if (c.getBasicConstraints() >= 0) {
                problems.add("is a CA (basicConstraints CA:TRUE); a subscriber certificate must not be (BR 7.1.2.7.8)");
            }
            if (peerIsServer) {
                identity(c, problems);
            }
        }
        for (String p : problems) {
            out.add(new ChainFailure(ChainFailure.Reason.PROFILE, depth, ChainValidator.who(depth) + ChainValidator.describe(c)
                    + " " + p + " [WEBPKI profile]"));
        }
    }

    private static String webPkiKey(PublicKey key) {
        if (key instanceof RSAPublicKey) {
            int bits = ((RSAPublicKey) key).getModulus().bitLength();
            return bits % 8 == 0 ? null : "has an RSA modulus of " + bits + " bits, not a multiple of 8 (BR 6.1.5)";
        }
        if (key instanceof ECPublicKey && CURVE_NAMES.containsKey(curveOf(key))) {
            return null;
        }
        return "has a " + keyAlgorithm(key) + (key instanceof ECPublicKey ? " key on " + curveOf(key) : " key")
                + "; BR 6.1.5 allows RSA of 2048 bits or more and ECDSA on P-256, P-384 or P-521 only";
    }

    private static void keyIdentifiers(X509Certificate c, boolean leaf, boolean root, List<String> problems) {
        byte[] ski = null;
        byte[] skiExt = ChainValidator.extension(c, Extension.subjectKeyIdentifier.getId());
        if (skiExt != null) {
            try {
                ski = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(skiExt).getOctets()).getKeyIdentifier();
            } catch (RuntimeException e) {
                problems.add("has a subjectKeyIdentifier that cannot be read (RFC 5280 4.2.1.2)");
            }
        } else if (!leaf) {
            problems.add("is a CA without a subjectKeyIdentifier, which RFC 5280 4.2.1.2 requires of CA certificates");
        }
        byte[] akiExt = ChainValidator.extension(c, Extension.authorityKeyIdentifier.getId());
        if (akiExt == null) {
            if (!root) {
                problems.add("has no authorityKeyIdentifier, which RFC 5280 4.2.1.1 and BR 7.1.2 require in every"
                        + " certificate but a self-signed root");
            }
            return;
        }
        AuthorityKeyIdentifier aki;
        try {
            aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(akiExt).getOctets());
        } catch (RuntimeException e) {
            problems.add("has an authorityKeyIdentifier that cannot be read (RFC 5280 4.2.1.1)");
            return;
        }
        if (aki.getKeyIdentifier() == null) {
            problems.add("has an authorityKeyIdentifier without keyIdentifier (RFC 5280 4.2.1.1, BR 7.1.2.1.3)");
        } else if (root && ski != null && !Arrays.equals(ski, aki.getKeyIdentifier())) {
            problems.add("is a root whose authorityKeyIdentifier differs from its subjectKeyIdentifier (BR 7.1.2.1.3)");
        }
        if (root && (aki.getAuthorityCertIssuer() != null || aki.getAuthorityCertSerialNumber() != null)) {
            problems.add("is a root whose authorityKeyIdentifier names an issuer or serial number, which BR 7.1.2.1.3 forbids");
        }
    }

    private static String malformedAia(X509Certificate c) {
        byte[] ext = ChainValidator.extension(c, Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return null;
        }
        try {
            byte[] value = ASN1OctetString.getInstance(ext).getOctets();
            org.bouncycastle.asn1.ASN1Primitive parsed = org.bouncycastle.asn1.ASN1Primitive.fromByteArray(value);
            if (parsed instanceof org.bouncycastle.asn1.ASN1Sequence
                    && ((org.bouncycastle.asn1.ASN1Sequence) parsed).size() == 0) {
                return "has an empty authorityInformationAccess (RFC 5280 4.2.2.1: one or more access descriptions)";
            }
            AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(parsed);
            if (aia.getAccessDescriptions().length == 0) {
                return "has an empty authorityInformationAccess (RFC 5280 4.2.2.1: one or more access descriptions)";
            }
            return null;
        } catch (java.io.IOException | RuntimeException e) {
            return "has an authorityInformationAccess that cannot be read (RFC 5280 4.2.2.1): " + e.getMessage();
        }
    }

    private static void nameConstraints(X509Certificate c, boolean leaf, List<String> problems) {
        byte[] ext = ChainValidator.extension(c, Extension.nameConstraints.getId());
        if (ext == null) {
            return;
        }
        if (leaf) {
            problems.add("has nameConstraints, which RFC 5280 4.2.1.10 allows in CA certificates only");
            return;
        }
        NameConstraints nc;
        try {
            nc = NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
        } catch (RuntimeException e) {
            return; // NameConstraintsCheck reports it, in every profile.
        }
        GeneralSubtree[] permitted = nc.getPermittedSubtrees();
        GeneralSubtree[] excluded = nc.getExcludedSubtrees();
        if ((permitted == null || permitted.length == 0) && (excluded == null || excluded.length == 0)) {
            problems.add("has nameConstraints with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10, BR 7.1.2.5.2)");
            return;
        }
        for (GeneralSubtree[] subtrees : new GeneralSubtree[][] {permitted, excluded}) {
            if (subtrees == null) {
                continue;
            }
            for (GeneralSubtree s : subtrees) {
                String bad = malformedSubtree(s);
                if (bad != null) {
                    problems.add("has a malformed name constraint: " + bad + " (RFC 5280 4.2.1.10)");
                    return;
                }
            }
        }
    }

    private static String malformedSubtree(GeneralSubtree s) {
        if (s.getMinimum() != null && s.getMinimum().signum() != 0 || s.getMaximum() != null) {
            return "a subtree with minimum " + s.getMinimum() + " and maximum " + s.getMaximum()
                    + " (minimum must be 0 and maximum absent)";
        }
        GeneralName g = s.getBase();
        if (g.getTagNo() == GeneralName.iPAddress) {
            byte[] b = ASN1OctetString.getInstance(g.getName()).getOctets();
            if (b.length != 8 && b.length != 32) {
                return "an iPAddress subtree of " + b.length + " octets (8 or 32: an address and its mask)";
            }
            boolean zeros = false;
            for (int i = b.length / 2; i < b.length; i++) {
                for (int bit = 7; bit >= 0; bit--) {
                    boolean one = (b[i] >> bit & 1) == 1;
                    if (one && zeros) {
                        return "the iPAddress subtree " + NameConstraintsCheck.range(b) + " whose mask is not contiguous";
                    }
                    zeros |= !one;
                }
            }
        } else if (g.getTagNo() == GeneralName.dNSName && text(g.getName()).indexOf('*') >= 0) {
            return "the dNSName subtree " + HostnameVerification.printable(text(g.getName())) + " with a wildcard";
        }
        return null;
    }

    /** BR 7.1.2.7.12 and 7.1.4.3: the subjectAltName carries the identity; the CN only repeats one entry. */
    private static void identity(X509Certificate c, List<String> problems) {
        byte[] sanExt = ChainValidator.extension(c, Extension.subjectAlternativeName.getId());
        X500Name subject = X500Name.getInstance(c.getSubjectX500Principal().getEncoded());
        if (sanExt == null) {
            problems.add("has no subjectAltName; BR 7.1.2.7.12 requires one, and the WEBPKI profile takes identity"
                    + " from it alone");
            return;
        }
        boolean critical = c.getCriticalExtensionOIDs() != null
                && c.getCriticalExtensionOIDs().contains(Extension.subjectAlternativeName.getId());
        boolean emptySubject = subject.getRDNs().length == 0;
        if (critical != emptySubject) {
            problems.add("has a " + (critical ? "critical" : "non-critical") + " subjectAltName with " + (emptySubject
                    ? "an empty" : "a non-empty") + " subject; it is critical exactly when the subject is empty (RFC 5280"
                    + " 4.2.1.6, BR 7.1.2.7.12)");
        }
        List<String> dns = new ArrayList<>();
        List<byte[]> ips = new ArrayList<>();
        try {
            for (GeneralName g : GeneralNames.getInstance(ASN1OctetString.getInstance(sanExt).getOctets()).getNames()) {
                if (g.getTagNo() == GeneralName.dNSName) {
                    dns.add(text(g.getName()));
                } else if (g.getTagNo() == GeneralName.iPAddress) {
                    ips.add(ASN1OctetString.getInstance(g.getName()).getOctets());
                }
            }
        } catch (RuntimeException e) {
            problems.add("has a subjectAltName that cannot be read (RFC 5280 4.2.1.6)");
            return;
        }
        if (dns.isEmpty() && ips.isEmpty()) {
            problems.add("has a subjectAltName with neither a dNSName nor an iPAddress (BR 7.1.2.7.12)");
        }
        for (String d : dns) {
            String bad = badWildcard(d);
            if (bad != null) {
                problems.add(bad);
            }
        }
        RDN[] cns = subject.getRDNs(BCStyle.CN);
        if (cns.length > 1) {
            problems.add("has " + cns.length + " common names; BR 7.1.4.3 allows one");
        } else if (cns.length == 1) {
            String cn = text(cns[0].getFirst().getValue());
            if (!dns.contains(cn) && !inIpSans(cn, ips)) {
                problems.add("has the common name '" + HostnameVerification.printable(cn) + "', which is not written"
                        + " exactly as one of its subjectAltName entries (BR 7.1.4.3)");
            }
        }
    }

    /** Why a dNSName's wildcard breaks BR 3.2.2.6 / the definition of a Wildcard Domain Name, or {@code null}. */
    static String badWildcard(String dns) {
        if (dns.indexOf('*') < 0) {
            return null;
        }
        if (!dns.startsWith("*.") || dns.indexOf('*', 1) >= 0) {
            return "has the dNSName " + HostnameVerification.printable(dns) + ", a wildcard that is not a whole leftmost"
                    + " label (BR 1.6.1 Wildcard Domain Name)";
        }
        List<String> labels = new ArrayList<>();
        for (String l : dns.substring(2).split("\\.")) {
            if (!l.isEmpty()) {
                labels.add(l.toLowerCase(Locale.ROOT));
            }
        }
        PublicSuffix full = PublicSuffix.builtInWithPrivateSection();
        if (labels.isEmpty() || full.suffixLength(labels, 0) >= labels.size()) {
            return "has the dNSName " + HostnameVerification.printable(dns) + ", a wildcard directly under a public suffix"
                    + " (BR 3.2.2.6; public suffix list, ICANN and private sections)";
        }
        return null;
    }

    /** Whether {@code cn} is an IPv4 address in dotted decimal or an IPv6 address as RFC 5952 writes it, among {@code ips}. */
    private static boolean inIpSans(String cn, List<byte[]> ips) {
        for (byte[] ip : ips) {
            if (canonicalIp(ip).equals(cn)) {
                return true;
            }
        }
        return false;
    }

    /** RFC 3986's IPv4address, or RFC 5952 4 for IPv6: lower case, no leading zeros, the first longest zero run as {@code ::}. */
    static String canonicalIp(byte[] ip) {
        if (ip.length == 4) {
            return (ip[0] & 0xff) + "." + (ip[1] & 0xff) + "." + (ip[2] & 0xff) + "." + (ip[3] & 0xff);
        }
        if (ip.length != 16) {
            return "";
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (ip[2 * i] & 0xff) << 8 | ip[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    // ---- helpers -------------------------------------------------------------------------------

    static boolean selfIssued(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal());
    }

    /** The three NIST curves' parameters as the JDK has them, to recognise a key's curve without parsing its encoding. */
    private static final Map<String, java.security.spec.ECParameterSpec> NIST = nist();

    private static Map<String, java.security.spec.ECParameterSpec> nist() {
        Map<String, java.security.spec.ECParameterSpec> m = new java.util.HashMap<>();
        for (String[] c : new String[][] {{P256, "secp256r1"}, {P384, "secp384r1"}, {P521, "secp521r1"}}) {
            try {
                java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("EC");
                p.init(new java.security.spec.ECGenParameterSpec(c[1]));
                m.put(c[0], p.getParameterSpec(java.security.spec.ECParameterSpec.class));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks " + c[1], e);
            }
        }
        return Map.copyOf(m);
    }

    /** The named curve's OID (or name, for curves outside the three NIST ones) of an EC key; {@code null} for explicit parameters. */
    static String curveOf(PublicKey key) {
        if (key instanceof ECPublicKey) {
            // On the handshake path: comparing parameters costs nothing next to parsing the key's encoding again.
            java.security.spec.ECParameterSpec params = ((ECPublicKey) key).getParams();
            for (Map.Entry<String, java.security.spec.ECParameterSpec> e : NIST.entrySet()) {
                java.security.spec.ECParameterSpec n = e.getValue();
                if (n.getOrder().equals(params.getOrder()) && n.getCurve().equals(params.getCurve())
                        && n.getGenerator().equals(params.getGenerator()) && n.getCofactor() == params.getCofactor()) {
                    return e.getKey();
                }
            }
        }
        try {
            ASN1Encodable params = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
            if (params instanceof ASN1ObjectIdentifier) {
                String oid = ((ASN1ObjectIdentifier) params).getId();
                if (CURVE_NAMES.containsKey(oid)) {
                    return oid;
                }
                String name = org.bouncycastle.asn1.x9.ECNamedCurveTable.getName((ASN1ObjectIdentifier) params);
                return name != null ? name : oid;
            }
            return null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** {@code Ed25519} or {@code Ed448} for EdDSA keys, else the JCA algorithm name. */
    static String keyAlgorithm(PublicKey key) {
        if (key instanceof java.security.interfaces.EdECKey) {
            NamedParameterSpec p = ((java.security.interfaces.EdECKey) key).getParams();
            return p.getName();
        }
        if (key instanceof ECPublicKey) {
            return "EC";
        }
        return key.getAlgorithm();
    }

    private static String text(ASN1Encodable value) {
        return value instanceof ASN1String ? ((ASN1String) value).getString() : value.toString();
    }
}
