package org.nettytls.examples.cli;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.ocsp.OcspStaplerEvent;
import org.nettytls.ocsp.OcspStatus;
import picocli.CommandLine.Option;

/**
 * {@code serve}'s OCSP stapling options: every certificate of every {@code --cert} gets its own
 * staple from netty-tls-ocsp's {@link OcspStapler}, handed to each connection through
 * {@code TlsServerOptions.ocspStaples}, so that a name's RSA and ECDSA certificates each go out
 * with their own response. The same options serve {@code --echo} and {@code --upstream}. With
 * {@code --watch}, each reload of the certificate files hands the stapler the certificates now
 * served ({@link #follow}): a renewed certificate is fetched for and stapled without a restart.
 */
final class OcspStapleOptions {
    @Option(names = "--ocsp-staple", description = "Staple an OCSP response to every certificate served (each name's, each key "
            + "type's, the default's), fetched from the certificate's OCSP URL (authorityInfoAccess), verified, and refreshed "
            + "at half its validity. Each CERT file must hold the certificate followed by its issuer.")
    boolean staple;

    @Option(names = "--ocsp-url", paramLabel = "URL", description = "Ask this OCSP responder instead of each certificate's own.")
    URI url;

    @Option(names = "--ocsp-dir", paramLabel = "DIR", description = "Keep good responses in DIR and start from them, so a "
            + "restart staples at once even with the responder down (a revoked answer deletes the file).")
    Path dir;

    @Option(names = "--ocsp-wait", paramLabel = "SECONDS", description = "How long to wait at start for the first responses "
            + "before accepting connections (default: ${DEFAULT-VALUE}); handshakes before a certificate's first good "
            + "response go out without a staple, and the log says which.")
    int waitSeconds = 10;

    /** Each certificate to staple and the {@code --cert} name it came with, one entry per certificate; guarded by this. */
    private Map<X509Certificate, String> leaves = new LinkedHashMap<>();
    private List<List<X509Certificate>> chains = new ArrayList<>();
    private volatile OcspStapler stapler;
    private Consumer<String> log;

    /**
     * Checks that the OCSP options go together and reads the certificates to staple, with their
     * issuers; call before anything starts, so that a bad file is the only thing said.
     */
    void check(List<CertSpecs.Entry> entries) throws TlsException {
        if (!staple && (url != null || dir != null)) {
            throw new UsageException((url != null ? "--ocsp-url" : "--ocsp-dir") + " needs --ocsp-staple");
        }
        if (waitSeconds < 0) {
            throw UsageException.of("--ocsp-wait", "must not be negative: " + waitSeconds);
        }
        if (url != null && !"http".equalsIgnoreCase(url.getScheme())) {
            throw UsageException.of("--ocsp-url", "OCSP is asked over http://, not '" + url + "'");
        }
        if (!staple) {
            return;
        }
        synchronized (this) {
            read(entries, leaves, chains);
        }
    }

    /** Reads each certificate of {@code entries} (once, whatever the names sharing it) and its issuer. */
    private static void read(List<CertSpecs.Entry> entries, Map<X509Certificate, String> leaves,
            List<List<X509Certificate>> chains) throws TlsException {
        for (CertSpecs.Entry e : entries) {
            List<X509Certificate> chain = CertificateLoader.certificates(e.cert);
            if (chain.isEmpty() || leaves.containsKey(chain.get(0))) {
                continue;
            }
            if (chain.size() < 2) {
                throw TlsException.badConfiguration("--ocsp-staple", e.cert + " holds only the certificate of '" + e.name
                        + "'; stapling needs its issuer after it in the same file, to ask the responder and check the answer");
            }
            leaves.put(chain.get(0), e.name);
            chains.add(chain.subList(0, 2));
        }
    }

    /**
     * After the certificate files were read again (a {@code --watch} reload), makes the stapler
     * follow the certificates now served: a new one (a renewal) is fetched for at once and stapled
     * when its good response arrives, and logged as unstapled until then; one no longer served is
     * no longer refreshed. Nothing before {@link #start}, which staples what {@link #check} read.
     * On {@link TlsException} (a file now without its issuer) nothing changes, and the reload fails.
     */
    void follow(List<CertSpecs.Entry> entries) throws TlsException {
        OcspStapler s = stapler;
        if (s == null) {
            return;
        }
        Map<X509Certificate, String> nowLeaves = new LinkedHashMap<>();
        List<List<X509Certificate>> nowChains = new ArrayList<>();
        read(entries, nowLeaves, nowChains);
        synchronized (this) {
            s.follow(nowChains);
            for (Map.Entry<X509Certificate, String> gone : leaves.entrySet()) {
                if (!nowLeaves.containsKey(gone.getKey())) {
                    log.accept("ocsp: no longer served, not refreshed any more: " + named(gone));
                }
            }
            for (Map.Entry<X509Certificate, String> added : nowLeaves.entrySet()) {
                if (!leaves.containsKey(added.getKey())) {
                    log.accept("ocsp: new certificate " + named(added) + (s.currentStaple(added.getKey()) != null
                            ? ": stapled" : ": handshakes go out without a staple until a good "
                            + "response arrives"));
                }
            }
            leaves = nowLeaves;
            chains = nowChains;
        }
    }

    private static String named(Map.Entry<X509Certificate, String> leaf) {
        return leaf.getValue() + " (" + subject(leaf.getKey()) + ", serial " + leaf.getKey().getSerialNumber().toString(16) + ")";
    }

    /** The current good staple of {@code leaf}, for {@code TlsServerOptions.ocspStaples}; none before {@link #start}. */
    byte[] currentStaple(X509Certificate leaf) {
        OcspStapler s = stapler;
        return s == null ? null : s.currentStaple(leaf);
    }

    /**
     * With {@code --ocsp-staple}, starts the stapler for the certificates {@link #check} read,
     * logs its events, and waits up to {@code --ocsp-wait} for the first round, saying what is
     * stapled and what is not yet.
     */
    void start(EventLoopGroup group, Class<? extends SocketChannel> channelType, Consumer<String> log)
            throws TlsException, InterruptedException {
        start(group, channelType, log, e -> { }, null);
    }

    /**
     * {@link #start(EventLoopGroup, Class, Consumer)}, with {@code also} told of every stapler event
     * (metrics) and the staples shared through {@code store} (a fleet's), when it is not {@code null}.
     */
    void start(EventLoopGroup group, Class<? extends SocketChannel> channelType, Consumer<String> log,
               Consumer<OcspStaplerEvent> also, org.nettytls.ocsp.OcspStapleStore store) throws TlsException, InterruptedException {
        if (!staple) {
            return;
        }
        OcspStapler.Builder b = OcspStapler.builder(group).channelType(channelType).listener(e -> {
            log.accept(describe(e));
            also.accept(e);
        });
        if (store != null) {
            b.store(store);
        }
        Map<X509Certificate, String> first;
        synchronized (this) {
            chains.forEach(b::certificate);
            first = new LinkedHashMap<>(leaves);
            this.log = log;
        }
        if (url != null) {
            b.responderUrl(url);
        }
        if (dir != null) {
            b.persistTo(dir);
        }
        OcspStapler started = b.start();
        stapler = started;
        boolean done = started.ready().await(waitSeconds, TimeUnit.SECONDS);
        List<String> unstapled = new ArrayList<>();
        for (Map.Entry<X509Certificate, String> leaf : first.entrySet()) {
            if (started.currentStaple(leaf.getKey()) == null) {
                unstapled.add(leaf.getValue() + " (" + subject(leaf.getKey()) + ")");
            }
        }
        if (unstapled.isEmpty()) {
            log.accept("ocsp: stapling all " + first.size() + " certificate(s)");
        } else {
            log.accept("ocsp: " + (done ? "" : "no answer within " + waitSeconds + " s; ") + "handshakes go out without a "
                    + "staple for " + String.join(", ", unstapled) + " until a good response arrives");
        }
    }

    /** The stapler, once started; {@code null} before or without {@code --ocsp-staple}. */
    OcspStapler stapler() {
        return stapler;
    }

    /** Stops the refreshes. */
    void close() {
        OcspStapler s = stapler;
        if (s != null) {
            s.close();
        }
    }

    private static String describe(OcspStaplerEvent e) {
        String what = subject(e.certificate()) + " (serial " + e.certificate().getSerialNumber().toString(16) + ")";
        OcspStatus s = e.status();
        switch (e.kind()) {
            case FETCHED:
                return "ocsp: fetched " + what + (e.fromStore() ? " from the fleet" : "") + ": " + s + nextRefresh(s);
            case REFRESHED:
                return "ocsp: refreshed " + what + (e.fromStore() ? " from the fleet" : "") + ": " + s + nextRefresh(s);
            default:
                return "ocsp: failed " + what + ": " + (e.cause() != null ? e.cause() : String.valueOf(s))
                        + (s != null && s.isHardFailure() ? "; not stapled" : "; the last good response, if any, stays until its nextUpdate");
        }
    }

    private static String nextRefresh(OcspStatus s) {
        return s.validUntil() == null ? "" : "; valid until " + s.validUntil() + ", refreshed at half its validity";
    }

    private static String subject(X509Certificate c) {
        return c.getSubjectX500Principal().getName();
    }
}
