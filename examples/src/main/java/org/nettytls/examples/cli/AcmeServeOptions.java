package org.nettytls.examples.cli;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerOptions;
import org.nettytls.acme.AcmeCertificates;
import org.nettytls.acme.AcmeChallengeType;
import org.nettytls.acme.AcmeKeyType;
import org.nettytls.acme.AcmeOptions;
import org.nettytls.examples.HostPort;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.SniSelectorOptions;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s ACME options, a thin layer over netty-tls-acme's {@link AcmeCertificates}: the
 * names managed come from {@code --cert NAME=acme[:KEYS]} entries and {@code --acme-domain
 * NAME[:KEYS]}; the selector answers tls-alpn-01 for them; a renewed certificate goes into service
 * through the same reload as {@code --watch}, and (with {@code --ocsp-staple}) is stapled like
 * any other. Every step is one {@code acme:} line.
 */
final class AcmeServeOptions {
    @Option(names = "--acme", paramLabel = "DIRECTORY_URL", description = "Get and renew certificates from this ACME server "
            + "(RFC 8555), e.g. https://acme-v02.api.letsencrypt.org/directory, for the names of --cert NAME=acme and "
            + "--acme-domain; using it agrees to that CA's terms of service (the log names them).")
    URI directory;

    @Option(names = "--acme-email", paramLabel = "ADDRESS", description = "Contact address of the ACME account; repeatable.")
    List<String> emails = new ArrayList<>();

    @Option(names = "--acme-dir", paramLabel = "DIR", description = "Where the account key (created on first use) and the "
            + "certificates live (NAME/ecdsa.pem, NAME/rsa.pem: chain and key, replaced atomically). Keep it private.")
    Path dir;

    @Option(names = "--acme-ca", paramLabel = "FILE", description = "CAs that verify the ACME server's own HTTPS certificate "
            + "(default: the system's).")
    Path ca;

    @Option(names = "--acme-domain", paramLabel = "NAME[:KEYS]", description = "A name to get a certificate for (repeatable); "
            + "KEYS is ecdsa (default), rsa, or rsa+ecdsa for both, BoringSSL choosing per client.")
    List<String> domains = new ArrayList<>();

    @Option(names = "--acme-challenge", paramLabel = "TYPE", split = ",", description = "Challenges to answer, in order of "
            + "preference: tls-alpn-01 (on the TLS port itself), http-01 (needs --acme-http). Default: tls-alpn-01, then "
            + "http-01 when --acme-http is given.")
    List<String> challenges = new ArrayList<>();

    @Option(names = "--acme-http", paramLabel = "HOST:PORT", description = "Answer http-01 on this plain port (port 80 as the "
            + "ACME server sees it); nothing else is served there.")
    HostPort http;

    private final Map<String, Set<AcmeKeyType>> managed = new LinkedHashMap<>();
    private AcmeCertificates acme;
    private Channel httpChannel;

    boolean enabled() {
        return directory != null;
    }

    /**
     * Takes the managed {@code --cert NAME=acme[:KEYS]} entries out of {@code entries} (only with
     * {@code --acme}), checks the options, and returns the file entries.
     */
    List<CertSpecs.Entry> split(List<CertSpecs.Entry> entries) {
        if (!enabled()) {
            if (dir != null || !emails.isEmpty() || ca != null || !domains.isEmpty() || http != null || !challenges.isEmpty()) {
                throw new UsageException("--acme-dir, --acme-email, --acme-ca, --acme-domain, "
                        + "--acme-challenge and --acme-http need --acme DIRECTORY_URL");
            }
            return entries;
        }
        List<CertSpecs.Entry> files = new ArrayList<>();
        for (CertSpecs.Entry e : entries) {
            String value = e.cert.toString();
            if (e.key == null && (value.equals("acme") || value.startsWith("acme:"))) {
                if (e.name.contains("%") || e.name.equals("default")) {
                    throw new UsageException("--cert " + e.name + "=" + value + ": a managed certificate "
                            + "needs a name the ACME server can validate (not 'default' nor 'NAME%...'; use acme:rsa+ecdsa for "
                            + "both key types)");
                }
                manage(e.name, value.equals("acme") ? "" : value.substring("acme:".length()));
            } else {
                files.add(e);
            }
        }
        for (String d : domains) {
            int colon = d.indexOf(':');
            manage(colon < 0 ? d : d.substring(0, colon), colon < 0 ? "" : d.substring(colon + 1));
        }
        if (managed.isEmpty()) {
            throw new UsageException("--acme needs names: --cert NAME=acme or --acme-domain NAME");
        }
        if (dir == null) {
            throw new UsageException("--acme needs --acme-dir DIR for the account key and certificates");
        }
        for (CertSpecs.Entry e : files) {
            String base = e.name.contains("%") ? e.name.substring(0, e.name.indexOf('%')) : e.name;
            if (managed.containsKey(base.toLowerCase(java.util.Locale.ROOT))) {
                throw new UsageException("--cert " + e.name + "=" + e.cert + ": '" + base
                        + "' is managed by ACME; give its certificates either from files or from ACME");
            }
        }
        return files;
    }

    private void manage(String name, String keys) {
        Set<AcmeKeyType> types = EnumSet.noneOf(AcmeKeyType.class);
        for (String k : keys.isEmpty() ? new String[] {"ecdsa"} : keys.split("\\+")) {
            AcmeKeyType t = AcmeKeyType.byId(k);
            if (t == null) {
                throw new UsageException("'" + name + ":" + keys + "': key types are ecdsa, rsa or rsa+ecdsa, not '"
                        + k + "'");
            }
            types.add(t);
        }
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (managed.containsKey(n)) {
            throw new UsageException("'" + name + "' is managed twice (--cert NAME=acme and --acme-domain)");
        }
        managed.put(n, types);
    }

    /** Builds the manager (account key read or created, certificates on disk loaded); contacts no one. */
    void create() throws TlsException {
        if (!enabled()) {
            return;
        }
        AcmeOptions.Builder b = AcmeOptions.builder(directory).stateDirectory(dir).agreeToTermsOfService(true);
        emails.forEach(b::email);
        try {
            managed.forEach((name, types) -> b.domain(name, types.toArray(new AcmeKeyType[0])));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        List<AcmeChallengeType> order = new ArrayList<>();
        if (challenges.isEmpty()) {
            order.add(AcmeChallengeType.TLS_ALPN_01);
            if (http != null) {
                order.add(AcmeChallengeType.HTTP_01);
            }
        }
        for (String c : challenges) {
            AcmeChallengeType t = AcmeChallengeType.byId(c.trim());
            if (t == null) {
                throw new UsageException("--acme-challenge: '" + c + "' is not tls-alpn-01 or http-01");
            }
            order.add(t);
        }
        if (order.contains(AcmeChallengeType.HTTP_01) && http == null) {
            throw new UsageException("--acme-challenge http-01 needs --acme-http HOST:PORT to answer on");
        }
        b.challenges(order.toArray(new AcmeChallengeType[0]));
        if (ca != null) {
            b.acmeServerTrust(TlsClientOptions.builder().caFile(ca).build());
        }
        acme = AcmeCertificates.create(b.build());
    }

    /** Adds the managed certificates that exist now to {@code mapping}. */
    void addTo(SniMapping.Builder mapping, UnaryOperator<TlsServerOptions.Builder> settings) throws TlsException {
        if (acme != null) {
            acme.addTo(mapping, settings);
        }
    }

    /** The managed certificate files in service, as {@code --cert} entries (for OCSP stapling). */
    List<CertSpecs.Entry> entries() {
        List<CertSpecs.Entry> out = new ArrayList<>();
        if (acme != null) {
            acme.files().forEach((file, name) -> out.add(new CertSpecs.Entry(name, file, null)));
        }
        return out;
    }

    /** {@code selector}, answering tls-alpn-01 for the managed names. */
    SniSelectorOptions.Builder selectorOptions(SniSelectorOptions.Builder selector) {
        return acme == null ? selector : selector.tlsAlpnChallenges(acme);
    }

    /**
     * Once the TLS port accepts: binds the http-01 port, logs every ACME step through {@code log},
     * reloads {@code reloader} after each new certificate, and starts ordering and renewing.
     */
    void start(EventLoopGroup group, Class<? extends ServerChannel> channel, SniReloader reloader,
            Consumer<String> log) throws InterruptedException {
        if (acme == null) {
            return;
        }
        acme.attach(reloader).onEvent(e -> log.accept(e.toString()));
        if (http != null) {
            HostPort at = http;
            httpChannel = new ServerBootstrap().group(group).channel(channel).childHandler(acme.http01Handler())
                    .bind(at.host(), at.port()).sync().channel();
            log.accept("acme: answering http-01 on " + HostPort.of((InetSocketAddress) httpChannel.localAddress()));
        }
        acme.start();
    }

    void close() {
        if (acme != null) {
            acme.close();
        }
        if (httpChannel != null) {
            httpChannel.close().awaitUninterruptibly();
        }
    }
}
