package org.nettytls.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsHandshakeEvent;
import org.nettytls.TlsObserver;
import org.nettytls.TlsServerContext;
import org.nettytls.VerifyMode;
import org.nettytls.cert.CaStore;
import org.nettytls.cert.CertificateLoader;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.ocsp.OcspStapler;
import org.nettytls.ocsp.OcspStaplerEvent;
import org.nettytls.ocsp.OcspStatus;
import org.nettytls.ocsp.OcspVerdictEvent;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.starttls.StartTlsEvent;
import org.nettytls.TlsCompletionEvent;

/**
 * netty-tls in Micrometer: one binder that counts and times what the library does. Bind it to a
 * registry, then attach it where each kind of event happens:
 *
 * <pre>{@code
 * TlsMetrics metrics = TlsMetrics.of(registry);
 * TlsServerOptions.builder()...observer(metrics)                 // handshakes (server contexts)
 * TlsClientOptions.builder()...observer(metrics)                 // handshakes (client contexts), STARTTLS,
 *                                                                // client OCSP and CRL verdicts
 * SniSelectorOptions.builder().observer(metrics)                 // SNI selections, selector failures
 * OcspStapler.builder(group).listener(metrics.staplerListener())  // staple fetches and failures
 * metrics.monitor(sniReloader);                                  // certificate expiry, SNI names; follows reloads
 * metrics.monitor(stapler);                                      // staple age and status per certificate
 * }</pre>
 *
 * <p>Meters ({@code README} lists them with their tags): {@value #HANDSHAKE} (timer),
 * {@value #SNI}, {@value #CERT_EXPIRY} and {@value #CA_EXPIRY} (gauges, seconds until notAfter),
 * {@value #STAPLE_AGE} and {@value #STAPLE_STATUS} (gauges), {@value #STAPLE_FETCHES},
 * {@value #OCSP_VERDICTS}, {@value #STARTTLS} and {@value #STOPTLS}. Names and tags follow
 * Micrometer's dotted style and OpenTelemetry's {@code tls.*} attribute names
 * ({@code tls.protocol.version}, {@code tls.cipher}, {@code tls.curve}, {@code tls.resumed}, and
 * {@code error.type} for the netty-tls failure code). Every tag value comes from a bounded set:
 * names a client sends are never used as tags, only the names configured in a monitored mapping.
 *
 * <p>Recording costs a map lookup and an increment on the event loop; meters are made once per
 * combination of tag values. Thread-safe.
 */
public final class TlsMetrics implements MeterBinder, TlsObserver {
    /** Timer: each handshake's duration, tagged with its version, cipher, group, resumption and outcome. */
    public static final String HANDSHAKE = "tls.handshake";
    /** Counter: certificate selections by configured name (never a name a client sent). */
    public static final String SNI = "tls.sni.selections";
    /** Gauge: seconds until a monitored server certificate's notAfter. */
    public static final String CERT_EXPIRY = "tls.certificate.expiry";
    /** Gauge: seconds until a monitored CA certificate's notAfter. */
    public static final String CA_EXPIRY = "tls.ca.expiry";
    /** Gauge: the age of the OCSP staple a certificate is served with, in seconds since its thisUpdate. */
    public static final String STAPLE_AGE = "tls.ocsp.staple.age";
    /** Gauge: the status of the OCSP staple a certificate is served with. */
    public static final String STAPLE_STATUS = "tls.ocsp.staple.status";
    /** Counter: the stapler's fetches by outcome. */
    public static final String STAPLE_FETCHES = "tls.ocsp.staple.fetches";
    /** Counter: the OCSP client's verdicts by result and source. */
    public static final String OCSP_VERDICTS = "tls.ocsp.client.verdicts";
    /** Counter: STARTTLS upgrades by protocol and outcome. */
    public static final String STARTTLS = "tls.starttls";
    /** Counter: STOPTLS downgrades by outcome. */
    public static final String STOPTLS = "tls.stoptls";

    /** The value of a tag that does not apply (a failed handshake's cipher, say). */
    static final String NONE = "none";
    /** The states of {@value #STAPLE_STATUS}: each certificate has one series per state, 1 for the current one. */
    static final List<String> STAPLE_STATES = List.of("good", "revoked", "unknown", "soft-failure", NONE);

    private final Clock clock;
    private volatile MeterRegistry registry;
    private final Map<HandshakeKey, Timer> handshakes = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    /**
     * The configured SNI name of each context of the monitored mappings: each monitor's current
     * contexts and those of its previous mapping (connections that looked up just before a
     * reload), never older ones, so that a reloading server does not keep every context it had.
     */
    private volatile Map<TlsServerContext, String> contextNames = new IdentityHashMap<>();
    private final Map<String, Map<TlsServerContext, String>> namesNow = new HashMap<>();
    private final Map<String, Map<TlsServerContext, String>> namesBefore = new HashMap<>();
    /** Every monitor's gauge sync, run again on {@link #bindTo}. */
    private final List<Runnable> resyncs = new CopyOnWriteArrayList<>();
    /** The staplers' gauge syncs, run again after each fetch (a certificate may have come or gone). */
    private final List<Runnable> stapleSyncs = new CopyOnWriteArrayList<>();
    private final Object gaugeLock = new Object();
    /** Gauges by their tag values, so that a reload can drop those no longer served. */
    private final Map<String, Map<List<String>, Meter>> gauges = new HashMap<>();

    private TlsMetrics(Clock clock) {
        this.clock = clock;
    }

    /** {@return a binder not yet bound: nothing is recorded until {@link #bindTo}} */
    public static TlsMetrics create() {
        return new TlsMetrics(Clock.systemUTC());
    }

    /**
     * A binder bound to {@code registry}.
     *
     * @param registry the registry
     * @return the binder
     */
    public static TlsMetrics of(MeterRegistry registry) {
        TlsMetrics m = create();
        m.bindTo(registry);
        return m;
    }

    static TlsMetrics of(MeterRegistry registry, Clock clock) {
        TlsMetrics m = new TlsMetrics(clock);
        m.bindTo(registry);
        return m;
    }

    /** Binds to {@code registry} (once: a binder records into one registry; compose registries for more). */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (gaugeLock) {
            if (this.registry != null && this.registry != registry) {
                throw new IllegalStateException("TlsMetrics is bound to a registry already; use a CompositeMeterRegistry for several");
            }
            this.registry = registry;
        }
        resyncs.forEach(Runnable::run);
    }

    // ---- handshakes, SNI, STARTTLS: the core's observer ----

    @Override
    public void handshakeCompleted(Channel channel, TlsHandshakeEvent event) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        HandshakeKey key = new HandshakeKey(event);
        Timer t = handshakes.get(key);
        if (t == null) {
            t = handshakes.computeIfAbsent(key, k -> Timer.builder(HANDSHAKE)
                    .description("TLS handshakes, from TLS on the channel to the verdict of every check")
                    .tags(k.tags()).register(r));
        }
        t.record(event.durationNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void sniSelected(Channel channel, String serverName, TlsServerContext context) {
        String name;
        String match;
        if (context == null) {
            name = NONE;
            match = NONE;
        } else {
            String configured = contextNames.get(context);
            if (configured == null) {
                name = "other";
                match = "other";
            } else if (configured.isEmpty()) {
                name = "default";
                match = serverName == null ? "no-name" : "default";
            } else {
                name = configured;
                match = configured.startsWith("*.") ? "wildcard" : "exact";
            }
        }
        count(SNI, "SNI selections by the configured name that served them", "tls.sni.name", name, "tls.sni.match", match);
    }

    @Override
    public void startTlsCompleted(Channel channel, String protocol, boolean client, TlsCompletionEvent event) {
        TlsException cause = event.cause();
        if (event instanceof StartTlsEvent && !((StartTlsEvent) event).isUpgrade()) {
            count(STOPTLS, "STOPTLS downgrades by protocol and outcome", "tls.starttls.protocol", protocol,
                    "outcome", event.isSuccess() ? "success" : "failure", "error.type", code(cause));
            return;
        }
        String outcome = cause == null ? "upgraded" : cause.code() == TlsErrorCode.STARTTLS_REFUSED ? "refused" : "failed";
        count(STARTTLS, "STARTTLS upgrades by protocol and outcome", "tls.starttls.protocol", protocol,
                "tls.role", client ? "client" : "server", "outcome", outcome, "error.type", code(cause));
    }

    // ---- OCSP ----

    /** Client-side OCSP verdicts ({@link OcspVerdictEvent}), which reach the options' observer. */
    @Override
    public void eventFired(Channel channel, TlsCompletionEvent event) {
        if (!(event instanceof OcspVerdictEvent)) {
            return;
        }
        OcspStatus status = ((OcspVerdictEvent) event).status();
        count(OCSP_VERDICTS, "client-side OCSP and CRL verdicts on servers' certificates",
                "tls.ocsp.result", status == null ? NONE : status.result().toString().replace(' ', '-'),
                "tls.ocsp.source", status == null ? NONE : status.source().name().toLowerCase(java.util.Locale.ROOT),
                "outcome", event.isSuccess() ? "passed" : "refused");
    }

    /**
     * {@return a listener for {@code OcspStapler.Builder.listener} that counts fetches and failures, and refreshes
     * the staple
     * gauges}
     */
    public Consumer<OcspStaplerEvent> staplerListener() {
        return e -> {
            String outcome = e.kind().name().toLowerCase(java.util.Locale.ROOT);
            count(STAPLE_FETCHES, "a server's OCSP staple fetches by outcome and where the response came from",
                    "outcome", outcome, "source", e.fromStore() ? "store" : "responder");
            if (e.kind() != OcspStaplerEvent.Kind.FAILED) {
                stapleSyncs.forEach(Runnable::run);
            }
        };
    }

    /**
     * Staple age and status gauges for every certificate {@code stapler} staples, following its changes.
     *
     * @param stapler the stapler
     * @return this {@code TlsMetrics}
     */
    public TlsMetrics monitor(OcspStapler stapler) {
        Objects.requireNonNull(stapler, "stapler");
        Runnable sync = () -> syncStaples(stapler);
        resyncs.add(sync);
        stapleSyncs.add(sync);
        sync.run();
        return this;
    }

    private void syncStaples(OcspStapler stapler) {
        Map<List<String>, java.util.function.Supplier<Double>> ages = new LinkedHashMap<>();
        Map<List<String>, java.util.function.Supplier<Double>> states = new LinkedHashMap<>();
        for (X509Certificate leaf : stapler.certificates()) {
            String subject = leaf.getSubjectX500Principal().getName();
            String serial = leaf.getSerialNumber().toString(16);
            ages.put(List.of("subject", subject, "serial", serial), () -> {
                OcspStatus s = stapler.status(leaf);
                return s == null || s.thisUpdate() == null || stapler.currentStaple(leaf) == null ? Double.NaN
                        : (clock.millis() - s.thisUpdate().toEpochMilli()) / 1000.0;
            });
            for (String state : STAPLE_STATES) {
                states.put(List.of("subject", subject, "serial", serial, "status", state),
                        () -> state.equals(stapleState(stapler, leaf)) ? 1.0 : 0.0);
            }
        }
        replaceGauges(STAPLE_AGE + "#" + System.identityHashCode(stapler), STAPLE_AGE,
                "seconds since the thisUpdate of the OCSP response stapled now (NaN: none)", "seconds", ages);
        replaceGauges(STAPLE_STATUS + "#" + System.identityHashCode(stapler), STAPLE_STATUS,
                "1 for the state of the OCSP staple each certificate goes out with", null, states);
    }

    private static String stapleState(OcspStapler stapler, X509Certificate leaf) {
        OcspStatus s = stapler.status(leaf);
        if (s == null) {
            return NONE;
        }
        if (s.isGood()) {
            return stapler.currentStaple(leaf) != null ? "good" : NONE;
        }
        return s.result().toString().replace(' ', '-');
    }

    // ---- certificates ----

    /**
     * Expiry gauges for every certificate {@code reloader} serves (each name, each key type) and
     * each CA its contexts trust for client certificates; SNI selections are tagged with its
     * configured names. Both follow every successful reload.
     *
     * @param reloader the reloader
     * @return this {@code TlsMetrics}
     */
    public TlsMetrics monitor(SniReloader reloader) {
        Objects.requireNonNull(reloader, "reloader");
        String owner = "reloader#" + System.identityHashCode(reloader);
        reloader.onReload(e -> {
            if (e.isSuccess()) {
                syncMapping(owner, reloader.current());
            }
        });
        resyncs.add(() -> syncMapping(owner, reloader.current()));
        syncMapping(owner, reloader.current());
        return this;
    }

    /**
     * As {@link #monitor(SniReloader)}, for a mapping that never changes.
     *
     * @param mapping the mapping
     * @return this {@code TlsMetrics}
     */
    public TlsMetrics monitor(SniMapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        Runnable sync = () -> syncMapping("mapping#" + System.identityHashCode(mapping), mapping);
        resyncs.add(sync);
        sync.run();
        return this;
    }

    /**
     * Expiry gauges for one server context's certificates, under the SNI name {@code name} ({@code ""}: default).
     *
     * @param name the SNI name, or {@code ""}
     * @param context the context
     * @return this {@code TlsMetrics}
     */
    public TlsMetrics monitor(String name, TlsServerContext context) {
        Map<String, TlsServerContext> one = new LinkedHashMap<>();
        one.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(context, "context"));
        Runnable sync = () -> syncContexts("context#" + name, one);
        resyncs.add(sync);
        sync.run();
        return this;
    }

    /**
     * Expiry gauges for the CA certificates in {@code file} (a trust store the application uses elsewhere).
     *
     * @param file the CA file
     * @return this {@code TlsMetrics}
     * @throws TlsException ({@code BAD_INPUT}) when the file cannot be read or holds no certificate
     */
    public TlsMetrics monitorCaFile(Path file) throws TlsException {
        List<X509Certificate> cas = CertificateLoader.certificates(file);
        Map<List<String>, java.util.function.Supplier<Double>> values = new LinkedHashMap<>();
        for (X509Certificate ca : cas) {
            values.put(List.of("tls.ca.source", file.toString(), "subject", ca.getSubjectX500Principal().getName()),
                    () -> secondsUntil(ca.getNotAfter().toInstant()));
        }
        Runnable sync = () -> replaceGauges(CA_EXPIRY + "#file#" + file, CA_EXPIRY,
                "seconds until a trusted CA certificate's notAfter", "seconds", values);
        resyncs.add(sync);
        sync.run();
        return this;
    }

    private void syncMapping(String owner, SniMapping mapping) {
        Map<String, TlsServerContext> contexts = new LinkedHashMap<>();
        for (String name : mapping.names()) {
            contexts.put(name, mapping.context(name));
        }
        if (mapping.defaultContext() != null) {
            contexts.put("", mapping.defaultContext());
        }
        syncContexts(owner, contexts);
    }

    private void syncContexts(String owner, Map<String, TlsServerContext> contexts) {
        Map<List<String>, java.util.function.Supplier<Double>> served = new LinkedHashMap<>();
        Map<List<String>, java.util.function.Supplier<Double>> trusted = new LinkedHashMap<>();
        Map<TlsServerContext, String> names = new IdentityHashMap<>();
        for (Map.Entry<String, TlsServerContext> e : contexts.entrySet()) {
            String name = e.getKey().isEmpty() ? "default" : e.getKey();
            TlsServerContext context = e.getValue();
            names.putIfAbsent(context, e.getKey());
            List<X509Certificate> leaves = new ArrayList<>();
            leaves.add(context.options().keyMaterial().leaf());
            for (KeyMaterial km : context.options().additionalCertificates()) {
                leaves.add(km.leaf());
            }
            for (X509Certificate leaf : leaves) {
                served.put(List.of("tls.sni.name", name, "tls.key.type", leaf.getPublicKey().getAlgorithm()),
                        () -> secondsUntil(leaf.getNotAfter().toInstant()));
            }
            CaStore trust = context.options().trust();
            if (trust != null && context.options().verifyMode() != VerifyMode.NONE) {
                for (X509Certificate ca : trust.certificates()) {
                    trusted.put(List.of("tls.ca.source", trust.description(), "subject", ca.getSubjectX500Principal().getName()),
                            () -> secondsUntil(ca.getNotAfter().toInstant()));
                }
            }
        }
        synchronized (gaugeLock) {
            Map<TlsServerContext, String> previous = namesNow.put(owner, names);
            if (previous != null && previous != names) {
                namesBefore.put(owner, previous);
            }
            Map<TlsServerContext, String> all = new IdentityHashMap<>();
            namesBefore.values().forEach(all::putAll);
            namesNow.values().forEach(all::putAll);
            contextNames = all;
        }
        replaceGauges(CERT_EXPIRY + "#" + owner, CERT_EXPIRY, "seconds until a served certificate's notAfter", "seconds",
                served);
        replaceGauges(CA_EXPIRY + "#" + owner, CA_EXPIRY, "seconds until a trusted CA certificate's notAfter", "seconds",
                trusted);
    }

    private double secondsUntil(Instant notAfter) {
        return (notAfter.toEpochMilli() - clock.millis()) / 1000.0;
    }

    /**
     * Makes the gauges of {@code owner} exactly {@code values}: new tag combinations are
     * registered, vanished ones removed from the registry, kept ones read their new value.
     */
    private void replaceGauges(String owner, String meter, String description, String unit,
                               Map<List<String>, java.util.function.Supplier<Double>> values) {
        synchronized (gaugeLock) {
            MeterRegistry r = registry;
            if (r == null) {
                // Not bound yet: bindTo runs the monitors again.
                return;
            }
            Map<List<String>, Meter> known = gauges.computeIfAbsent(owner, o -> new HashMap<>());
            for (Map.Entry<List<String>, Meter> old : new ArrayList<>(known.entrySet())) {
                if (!values.containsKey(old.getKey())) {
                    r.remove(old.getValue());
                    known.remove(old.getKey());
                }
            }
            for (Map.Entry<List<String>, java.util.function.Supplier<Double>> v : values.entrySet()) {
                Meter existing = known.get(v.getKey());
                if (existing != null) {
                    r.remove(existing);
                }
                GaugeValue holder = new GaugeValue(v.getValue());
                Gauge.Builder<GaugeValue> b = Gauge.builder(meter, holder, GaugeValue::value).description(description)
                        .tags(v.getKey().toArray(new String[0])).strongReference(true);
                if (unit != null) {
                    b.baseUnit(unit);
                }
                known.put(v.getKey(), b.register(r));
            }
        }
    }

    /** A gauge's value function, held strongly by the gauge. */
    private static final class GaugeValue {
        private final java.util.function.Supplier<Double> value;

        GaugeValue(java.util.function.Supplier<Double> value) {
            this.value = value;
        }

        double value() {
            return value.get();
        }
    }

    // ---- counters ----

    private void count(String name, String description, String... tags) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        List<String> key = new ArrayList<>(tags.length + 1);
        key.add(name);
        key.addAll(List.of(tags));
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(r));
        }
        c.increment();
    }

    private static String code(TlsException cause) {
        return cause == null ? NONE : cause.code().id();
    }

    /** The tag values of one handshake; equal keys share a timer. */
    private static final class HandshakeKey {
        final boolean client;
        final String code;
        final String protocol;
        final String cipher;
        final String group;
        final boolean resumed;

        HandshakeKey(TlsHandshakeEvent e) {
            this.client = e.isClient();
            this.code = e.isSuccess() ? null : e.code().id();
            this.protocol = e.protocol();
            this.cipher = e.cipher();
            this.group = e.keyExchangeGroup();
            this.resumed = e.isResumed();
        }

        Tags tags() {
            return Tags.of("tls.role", client ? "client" : "server", "outcome", code == null ? "success" : "failure",
                    "error.type", code == null ? NONE : code, "tls.protocol.version", version(protocol),
                    "tls.cipher", cipher == null ? NONE : cipher, "tls.curve", group == null ? NONE : group,
                    "tls.resumed", Boolean.toString(resumed));
        }

        /** OpenTelemetry's {@code tls.protocol.version}: {@code 1.3} for {@code TLSv1.3}. */
        private static String version(String protocol) {
            if (protocol == null) {
                return NONE;
            }
            return protocol.startsWith("TLSv") ? protocol.substring(4) : protocol;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof HandshakeKey)) {
                return false;
            }
            HandshakeKey k = (HandshakeKey) o;
            return client == k.client && resumed == k.resumed && Objects.equals(code, k.code)
                    && Objects.equals(protocol, k.protocol) && Objects.equals(cipher, k.cipher) && Objects.equals(group, k.group);
        }

        @Override
        public int hashCode() {
            return Objects.hash(client, code, protocol, cipher, group, resumed);
        }
    }
}
