package org.nettytls.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.sni.SniMapping;

/**
 * The servers' {@code --cert NAME=CERT[,KEY]} (repeatable): {@code default=} for clients with no
 * or an unknown name, {@code *.example.org=} for a wildcard, {@code NAME%ecc=} for a second
 * certificate of another key type. The one parser for {@code serve} and the STARTTLS servers.
 */
final class CertSpecs {
    /** One {@code --cert} entry. */
    static final class Entry {
        final String name;
        final Path cert;
        final Path key;

        Entry(String name, Path cert, Path key) {
            this.name = name;
            this.cert = cert;
            this.key = key;
        }
    }

    private CertSpecs() {
    }

    /** Parses the entries; a malformed one is a {@link UsageException}. */
    static List<Entry> parse(List<String> specs) {
        List<Entry> out = new ArrayList<>();
        for (String c : specs) {
            int eq = c.indexOf('=');
            if (eq <= 0 || eq == c.length() - 1) {
                throw UsageException.of("--cert", "'" + c + "': expected NAME=CERT[,KEY] (default=CERT[,KEY] for any name)");
            }
            String name = c.substring(0, eq);
            String[] files = c.substring(eq + 1).split(",", -1);
            if (files.length > 2 || files[0].isEmpty() || files.length == 2 && files[1].isEmpty()) {
                throw UsageException.of("--cert", "'" + c + "': expected NAME=CERT[,KEY] (default=CERT[,KEY] for any name)");
            }
            out.add(new Entry(name, Path.of(files[0]), files.length == 2 ? Path.of(files[1]) : null));
        }
        return out;
    }

    /** Every certificate and key file named, for watching. */
    static List<Path> files(List<Entry> entries) {
        List<Path> files = new ArrayList<>();
        for (Entry e : entries) {
            files.add(e.cert);
            if (e.key != null) {
                files.add(e.key);
            }
        }
        return files;
    }

    /** Loads the entries into a mapping; {@code settings} adds what every name shares (ALPN, client CAs, ...). */
    static SniMapping load(List<Entry> entries, UnaryOperator<TlsServerOptions.Builder> settings) throws TlsException {
        return builder(entries, settings).build();
    }

    /** {@link #load}, as a builder to which more names can be added (certificates from ACME, say). */
    static SniMapping.Builder builder(List<Entry> entries, UnaryOperator<TlsServerOptions.Builder> settings)
            throws TlsException {
        // 'name%ecc' adds a certificate to name's options: each name's certificates go on one builder.
        Map<String, TlsServerOptions.Builder> names = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!e.name.contains("%")) {
                names.put(e.name, TlsServerOptions.builder().certificateFile(e.cert, e.key));
            }
        }
        for (Entry e : entries) {
            if (e.name.contains("%")) {
                String base = e.name.substring(0, e.name.indexOf('%'));
                TlsServerOptions.Builder owner = names.get(base);
                if (owner == null) {
                    throw TlsException.badConfiguration("--cert", "'" + e.name + "' gives an additional certificate but '"
                            + base + "' has no entry");
                }
                owner.addCertificate(CertificateLoader.keyMaterial(e.cert, e.key, null));
            }
        }
        SniMapping.Builder b = SniMapping.builder();
        for (Map.Entry<String, TlsServerOptions.Builder> n : names.entrySet()) {
            TlsServerOptions options = settings.apply(n.getValue()).build();
            try {
                if (n.getKey().equals("default")) {
                    b.addDefault(options);
                } else {
                    b.add(n.getKey(), options);
                }
            } catch (IllegalArgumentException ex) {
                throw UsageException.of("--cert", ex.getMessage());
            }
        }
        return b;
    }
}
