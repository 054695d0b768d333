package org.nettytls.cert;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import org.nettytls.error.TlsException;
import org.nettytls.internal.DirectoryFiles;

/**
 * An immutable set of trusted CA certificates: the Java home of IO::Socket::SSL's
 * {@code SSL_ca} (certificates), {@code SSL_ca_file}, {@code SSL_ca_path} and {@code default_ca}
 * ({@link #systemDefault()}).
 *
 * <p><b>Which certificates are kept.</b> OpenSSL 3.0 ({@code openssl verify}) was asked, and
 * this class follows its answers:
 * <ul>
 *   <li>A certificate becomes a trust anchor ({@link #certificates()}, {@link #trustAnchors()})
 *       only if OpenSSL would accept it as an <em>issuer</em>: its keyUsage, when present,
 *       includes keyCertSign, and either its basicConstraints say {@code CA:TRUE}, or it has no
 *       basicConstraints and is a self-signed version 1 certificate or has a keyUsage (that
 *       includes keyCertSign). A certificate with {@code CA:FALSE}, or a version 3 certificate
 *       with neither extension, is refused as an issuer by OpenSSL ("invalid CA certificate"),
 *       even when it sits in the CA file. (OpenSSL also accepts the old Netscape cert-type CA
 *       bits; this class does not.)</li>
 *   <li>A <em>self-signed</em> certificate that may not issue is still trusted by OpenSSL when it
 *       is itself the peer's certificate (the usual "put the server's self-signed certificate in
 *       {@code SSL_ca_file}"). Such certificates are kept apart, in {@link #directlyTrusted()}:
 *       a verifier must accept a peer whose certificate is one of them, and must not use them
 *       as anchors, because Java's PKIX does not check an anchor's basicConstraints.</li>
 *   <li>Any other certificate that may not issue (a CA-signed server certificate, say) is
 *       ignored: OpenSSL without {@code -partial_chain} neither anchors on it nor lets it issue.</li>
 * </ul>
 *
 * <p><b>OpenSSL trust settings.</b> A CA file may hold {@code TRUSTED CERTIFICATE} blocks whose
 * trust list says what the CA is trusted for ({@code openssl x509 -addtrust emailProtection
 * -trustout}; distribution bundles such as RHEL's {@code ca-bundle.trust.crt} hold e-mail-only
 * CAs). OpenSSL trusts such a CA for a TLS server certificate only when the list holds
 * serverAuth or anyExtendedKeyUsage, and for a client certificate only when it holds clientAuth
 * or anyExtendedKeyUsage. So does this class: a certificate whose trust list allows neither
 * TLS purpose is skipped (and counted in {@link #description()}); one trusted for one TLS purpose
 * only is kept, and dropped by {@link #forServerCertificates()} or {@link #forClientCertificates()},
 * which the client and server options apply. Please note: a store used directly (for instance
 * given to {@code HostnameSchemeVerifier}) keeps such one-purpose CAs for both purposes.
 *
 * <p><b>Directories</b> ({@code SSL_ca_path}) are read as OpenSSL reads a hashed directory
 * ({@code 9d66eef0.0}) and also for plain {@code *.pem}, {@code *.crt} and {@code *.cer} files;
 * symbolic links are followed, CRLs ({@code 9d66eef0.r0}) and other files are skipped, and the
 * same certificate met twice is kept once. <b>A file in a directory that cannot be parsed is
 * skipped</b>, as OpenSSL's directory lookup skips it; a directory that yields no usable
 * certificate at all is an error. A file given on its own ({@code SSL_ca_file}) must parse.
 */
public final class CaStore {
    /** The usual distribution CA bundles, in the order {@link #systemDefault()} tries them. */
    static final List<Path> DISTRIBUTION_BUNDLES = List.of(
            Path.of("/etc/ssl/certs/ca-certificates.crt"),
            Path.of("/etc/pki/tls/certs/ca-bundle.crt"),
            Path.of("/etc/ssl/ca-bundle.pem"),
            Path.of("/etc/pki/tls/cacert.pem"),
            Path.of("/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
            Path.of("/etc/ssl/cert.pem"));
    static final Path DISTRIBUTION_DIRECTORY = Path.of("/etc/ssl/certs");

    private static final Pattern HASHED = Pattern.compile("[0-9a-f]{8}\\.[0-9]+");
    private static final Pattern PLAIN = Pattern.compile("(?i).+\\.(pem|crt|cer)");
    private static final String BASIC_CONSTRAINTS = "2.5.29.19";
    private static final int KEY_CERT_SIGN = 5;

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EKU = "2.5.29.37.0";
    private static final Map<String, String> PURPOSE_NAMES = Map.of(SERVER_AUTH, "serverAuth",
            CLIENT_AUTH, "clientAuth", "1.3.6.1.5.5.7.3.3", "codeSigning", "1.3.6.1.5.5.7.3.4", "emailProtection",
            "1.3.6.1.5.5.7.3.8", "timeStamping", "1.3.6.1.5.5.7.3.9", "OCSPSigning", ANY_EKU, "anyExtendedKeyUsage");

    /** Everything given, each once, so that {@link #forServerCertificates()} can sort again. */
    private final List<X509Certificate> all;
    /** Trust lists of certificates that came as {@code TRUSTED CERTIFICATE} with one. */
    private final Map<X509Certificate, List<String>> trustLists;
    private final List<String> sources;
    private final List<X509Certificate> certificates;
    private final List<X509Certificate> directlyTrusted;
    private final Set<TrustAnchor> trustAnchors;
    private final String description;

    private CaStore(Collection<X509Certificate> all, List<String> sources) {
        this(all, Map.of(), sources, null);
    }

    /**
     * @param purpose {@link #SERVER_AUTH} or {@link #CLIENT_AUTH} to keep only what the trust
     *        lists allow for it, or null to keep what they allow for either
     */
    private CaStore(Collection<X509Certificate> all, Map<X509Certificate, List<String>> trustLists,
            List<String> sources, String purpose) {
        this.all = List.copyOf(new LinkedHashSet<>(all));
        this.trustLists = Map.copyOf(trustLists);
        this.sources = List.copyOf(sources);
        List<X509Certificate> cas = new ArrayList<>();
        List<X509Certificate> direct = new ArrayList<>();
        List<String> untrusted = new ArrayList<>();
        int dropped = 0;
        for (X509Certificate c : this.all) {
            List<String> trust = trustLists.get(c);
            if (trust != null && !allows(trust, purpose)) {
                untrusted.add(c.getSubjectX500Principal().getName() + " (" + trust.stream()
                        .map(oid -> PURPOSE_NAMES.getOrDefault(oid, oid)).collect(Collectors.joining(", ")) + ")");
            } else if (mayIssue(c)) {
                cas.add(c);
            } else if (CertificateFields.isSelfSigned(c)) {
                direct.add(c);
            } else {
                dropped++;
            }
        }
        this.certificates = List.copyOf(cas);
        this.directlyTrusted = List.copyOf(direct);
        this.trustAnchors = cas.stream().map(c -> new TrustAnchor(c, null)).collect(Collectors.toUnmodifiableSet());
        StringBuilder sb = new StringBuilder().append(cas.size()).append(cas.size() == 1 ? " CA certificate" : " CA certificates");
        if (!direct.isEmpty()) {
            sb.append(" and ").append(direct.size()).append(" self-signed certificate(s) trusted as themselves");
        }
        if (purpose != null) {
            sb.append(" for ").append(PURPOSE_NAMES.get(purpose));
        }
        if (!sources.isEmpty()) {
            sb.append(" from ").append(String.join(", ", sources));
        }
        if (dropped > 0) {
            sb.append(" (").append(dropped).append(" certificate(s) that may not issue ignored)");
        }
        if (!untrusted.isEmpty()) {
            sb.append(" (").append(untrusted.size()).append(" certificate(s) skipped: their TRUSTED CERTIFICATE trust settings do not allow ")
                    .append(purpose == null ? "serverAuth or clientAuth" : PURPOSE_NAMES.get(purpose)).append(": ")
                    .append(String.join("; ", untrusted.subList(0, Math.min(3, untrusted.size()))))
                    .append(untrusted.size() > 3 ? "; ..." : "").append(")");
        }
        this.description = sb.toString();
    }

    /** OpenSSL's {@code obj_trust} for a trust list: the purpose itself or anyExtendedKeyUsage; either TLS purpose when {@code purpose} is null. */
    private static boolean allows(List<String> trust, String purpose) {
        if (trust.contains(ANY_EKU)) {
            return true;
        }
        return purpose == null ? trust.contains(SERVER_AUTH) || trust.contains(CLIENT_AUTH) : trust.contains(purpose);
    }

    /**
     * {@return this store as a client verifies servers with: without the CAs whose {@code TRUSTED CERTIFICATE} trust
     * list lacks serverAuth (and anyExtendedKeyUsage), as OpenSSL's {@code ssl_server} purpose}
     */
    public CaStore forServerCertificates() {
        return forPurpose(SERVER_AUTH);
    }

    /**
     * {@return this store as a server verifies clients with: without the CAs whose trust list lacks clientAuth (and
     * anyExtendedKeyUsage)}
     */
    public CaStore forClientCertificates() {
        return forPurpose(CLIENT_AUTH);
    }

    private CaStore forPurpose(String purpose) {
        boolean narrows = trustLists.values().stream().anyMatch(t -> allows(t, null) && !allows(t, purpose));
        return narrows ? new CaStore(all, trustLists, sources, purpose) : this;
    }

    /** {@return a builder for a store from several certificates, files and directories} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A store of the given certificates ({@code SSL_ca}); those that may not issue are sorted as the class describes.
     *
     * @param certificates the CA certificates
     * @return the store
     */
    public static CaStore of(X509Certificate... certificates) {
        return new CaStore(Arrays.asList(certificates.clone()), List.of("given certificates"));
    }

    /**
     * The system's CAs ({@code default_ca}), from the first of: the file named by the
     * environment variable {@code SSL_CERT_FILE}; the directories in {@code SSL_CERT_DIR}
     * (colon-separated, as OpenSSL reads it); the usual distribution bundles
     * ({@code /etc/ssl/certs/ca-certificates.crt}, {@code /etc/pki/tls/certs/ca-bundle.crt},
     * {@code /etc/ssl/ca-bundle.pem}, {@code /etc/pki/tls/cacert.pem},
     * {@code /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem}, {@code /etc/ssl/cert.pem});
     * the directory {@code /etc/ssl/certs}; and last the JDK's default trust store.
     *
     * <p>Please note: a variable that is set is taken as the user's choice, so a variable that
     * names something unusable is an error (naming the variable), not a reason to fall back to
     * another set of CAs. Distribution locations that are missing or unusable are skipped.
     *
     * @return the system's CAs
     * @throws TlsException ({@code BAD_INPUT}) when {@code SSL_CERT_FILE} or {@code SSL_CERT_DIR} is
     *     set but names nothing usable
     */
    public static CaStore systemDefault() throws TlsException {
        return systemDefault(System.getenv(), DISTRIBUTION_BUNDLES, DISTRIBUTION_DIRECTORY, CaStore::jdkDefault);
    }

    /** {@link #systemDefault()} with the environment, the places to look and the JDK's store supplied. */
    static CaStore systemDefault(Map<String, String> env, List<Path> bundles, Path directory,
            Supplier<List<X509Certificate>> jdk) throws TlsException {
        String file = env.get("SSL_CERT_FILE");
        if (file != null && !file.isEmpty()) {
            try {
                return builder().addFile(Path.of(file)).build();
            } catch (TlsException e) {
                throw TlsException.badInput("SSL_CERT_FILE", e.getMessage(), e);
            }
        }
        String dirs = env.get("SSL_CERT_DIR");
        if (dirs != null && !dirs.isEmpty()) {
            Builder b = builder();
            for (String d : dirs.split(":")) {
                // OpenSSL skips entries of the list that are not there.
                if (!d.isEmpty() && Files.isDirectory(Path.of(d))) {
                    b.addDirectory(Path.of(d));
                }
            }
            try {
                if (b.sources.isEmpty()) {
                    throw TlsException.badInput(dirs, "none of these directories exists", null);
                }
                return b.build();
            } catch (TlsException e) {
                throw TlsException.badInput("SSL_CERT_DIR", e.getMessage(), e);
            }
        }
        for (Path bundle : bundles) {
            if (Files.isRegularFile(bundle)) {
                try {
                    return builder().addFile(bundle).build();
                } catch (TlsException e) {
                    // An unusable distribution bundle is not the user's choice: try the next place.
                }
            }
        }
        if (directory != null && Files.isDirectory(directory)) {
            try {
                return builder().addDirectory(directory).build();
            } catch (TlsException e) {
                // As above: fall through to the JDK's store.
            }
        }
        return new CaStore(jdk.get(), List.of("the JDK's default trust store"));
    }

    static List<X509Certificate> jdkDefault() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init((KeyStore) null);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    return Arrays.asList(((X509TrustManager) tm).getAcceptedIssuers());
                }
            }
            return List.of();
        } catch (GeneralSecurityException e) {
            return List.of();
        }
    }

    /** {@return the trusted CA certificates, in the order they were added, each once} */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /** {@return {@link #certificates()} as PKIX trust anchors} */
    public Set<TrustAnchor> trustAnchors() {
        return trustAnchors;
    }

    /** {@return the subjects of {@link #certificates()}, in the same order (a server's client-CA list)} */
    public List<X500Principal> subjects() {
        return certificates.stream().map(X509Certificate::getSubjectX500Principal).collect(Collectors.toUnmodifiableList());
    }

    /**
     * {@return self-signed certificates that may not issue but are trusted when they are exactly the peer's
     * certificate, as OpenSSL trusts them; never anchors for other certificates}
     */
    public List<X509Certificate> directlyTrusted() {
        return directlyTrusted;
    }

    /** {@return whether nothing at all is trusted} */
    public boolean isEmpty() {
        return certificates.isEmpty() && directlyTrusted.isEmpty();
    }

    /** {@return where the certificates came from, such as {@code 3 CA certificates from /tmp/x/ca.pem}} */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "CaStore[" + description + "]";
    }

    /** OpenSSL's rule ({@code X509_check_ca}, without the Netscape cert type) for who may issue. */
    static boolean mayIssue(X509Certificate c) {
        boolean[] keyUsage = c.getKeyUsage();
        if (keyUsage != null && (keyUsage.length <= KEY_CERT_SIGN || !keyUsage[KEY_CERT_SIGN])) {
            return false;
        }
        if (c.getExtensionValue(BASIC_CONSTRAINTS) != null) {
            return c.getBasicConstraints() >= 0;
        }
        if (c.getVersion() == 1 && CertificateFields.isSelfSigned(c)) {
            return true;
        }
        return keyUsage != null;
    }

    /** Collects certificates, files and directories; loading happens in {@link #build()}. */
    public static final class Builder {
        private final List<Object> sources = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds certificates ({@code SSL_ca}).
         *
         * @param certificates the CA certificates
         * @return this builder
         */
        public Builder addCertificates(Collection<X509Certificate> certificates) {
            sources.add(List.copyOf(certificates));
            return this;
        }

        /**
         * Adds everything another store was built from, with its {@code TRUSTED CERTIFICATE} trust settings.
         *
         * @param store another store
         * @return this builder
         */
        public Builder addStore(CaStore store) {
            sources.add(Objects.requireNonNull(store, "store"));
            return this;
        }

        /**
         * Adds every certificate of a file, PEM, DER or PKCS#12 without password ({@code SSL_ca_file}).
         *
         * @param file the file
         * @return this builder
         */
        public Builder addFile(Path file) {
            sources.add(new FileSource(Objects.requireNonNull(file, "file"), false));
            return this;
        }

        /**
         * Adds the certificates of a directory ({@code SSL_ca_path}), read as the class describes.
         *
         * @param directory the directory
         * @return this builder
         */
        public Builder addDirectory(Path directory) {
            sources.add(new FileSource(Objects.requireNonNull(directory, "directory"), true));
            return this;
        }

        /**
         * Loads everything added; a file or directory that yields no usable certificate is an error naming it.
         *
         * @return the store, immutable
         * @throws TlsException ({@code BAD_INPUT}) when a file or directory cannot be read or holds
         *     no certificate
         */
        public CaStore build() throws TlsException {
            Set<X509Certificate> all = new LinkedHashSet<>();
            Map<X509Certificate, List<String>> trustLists = new HashMap<>();
            List<String> names = new ArrayList<>();
            int given = 0;
            for (Object source : sources) {
                if (source instanceof FileSource) {
                    FileSource fs = (FileSource) source;
                    Contents loaded = fs.directory ? directory(fs.path) : CertificateLoader.certificateContents(fs.path);
                    if (new CaStore(loaded.certificates, loaded.trustLists, List.of(), null).isEmpty()) {
                        throw TlsException.badInput(fs.path.toString(), "no usable CA certificate: "
                                + (fs.directory ? "the directory's" : "its") + " " + loaded.certificates.size()
                                + " certificate(s) may not issue (basicConstraints CA:FALSE, or no CA marking) and none is self-signed"
                                + (loaded.trustLists.isEmpty() ? "" : ", or their TRUSTED CERTIFICATE trust settings allow neither serverAuth nor clientAuth"),
                                null);
                    }
                    add(loaded.certificates, loaded.trustLists, all, trustLists);
                    names.add(fs.path.toString());
                } else if (source instanceof CaStore) {
                    CaStore store = (CaStore) source;
                    add(store.all, store.trustLists, all, trustLists);
                    names.addAll(store.sources);
                } else {
                    @SuppressWarnings("unchecked")
                    List<X509Certificate> certificates = (List<X509Certificate>) source;
                    all.addAll(certificates);
                    given += certificates.size();
                }
            }
            if (given > 0) {
                names.add(given + " given certificate(s)");
            }
            return new CaStore(all, trustLists, new ArrayList<>(new LinkedHashSet<>(names)), null);
        }

        /** The first trust list met for a certificate wins, as OpenSSL's store keeps the first copy added. */
        private static void add(List<X509Certificate> certificates, Map<X509Certificate, List<String>> lists,
                Set<X509Certificate> all, Map<X509Certificate, List<String>> trustLists) {
            for (X509Certificate c : certificates) {
                if (all.add(c) && lists.containsKey(c)) {
                    trustLists.put(c, lists.get(c));
                }
            }
        }

        private static Contents directory(Path dir) throws TlsException {
            List<Path> files;
            try {
                files = DirectoryFiles.list(dir, name -> HASHED.matcher(name).matches() || PLAIN.matcher(name).matches());
            } catch (java.io.IOException e) {
                throw TlsException.badInput(dir.toString(), e.getMessage(), e.getCause());
            }
            Set<X509Certificate> found = new LinkedHashSet<>();
            Map<X509Certificate, List<String>> trustLists = new HashMap<>();
            for (Path file : files) {
                try {
                    Contents contents = CertificateLoader.certificateContents(file);
                    add(contents.certificates, contents.trustLists, found, trustLists);
                } catch (TlsException e) {
                    // Skipped, as OpenSSL's hashed-directory lookup skips what it cannot parse.
                }
            }
            if (found.isEmpty()) {
                throw TlsException.badInput(dir.toString(), "directory holds no usable CA certificate ("
                        + files.size() + " candidate file(s) named like NNNNNNNN.0, *.pem, *.crt or *.cer)", null);
            }
            return new Contents(new ArrayList<>(found), null, List.of(), trustLists);
        }
    }

    private static final class FileSource {
        final Path path;
        final boolean directory;

        FileSource(Path path, boolean directory) {
            this.path = path;
            this.directory = directory;
        }
    }
}
