package org.nettytls.acme;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.URI;
import java.net.URL;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.TlsServerContext;
import org.nettytls.TlsServerOptions;
import org.nettytls.cert.KeyMaterial;
import org.nettytls.sni.SniMapping;
import org.nettytls.sni.SniReloader;
import org.nettytls.sni.TlsAlpnChallenges;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.SubjectAltName;
import org.shredzone.acme4j.Account;
import org.shredzone.acme4j.AccountBuilder;
import org.shredzone.acme4j.Authorization;
import org.shredzone.acme4j.Certificate;
import org.shredzone.acme4j.Identifier;
import org.shredzone.acme4j.Login;
import org.shredzone.acme4j.Order;
import org.shredzone.acme4j.OrderBuilder;
import org.shredzone.acme4j.PollableResource;
import org.shredzone.acme4j.Problem;
import org.shredzone.acme4j.RenewalInfo;
import org.shredzone.acme4j.Session;
import org.shredzone.acme4j.Status;
import org.shredzone.acme4j.challenge.Challenge;
import org.shredzone.acme4j.challenge.Http01Challenge;
import org.shredzone.acme4j.challenge.TlsAlpn01Challenge;
import org.shredzone.acme4j.connector.Resource;
import org.shredzone.acme4j.exception.AcmeException;
import org.shredzone.acme4j.exception.AcmeNetworkException;
import org.shredzone.acme4j.exception.AcmeProtocolException;
import org.shredzone.acme4j.exception.AcmeRateLimitedException;
import org.shredzone.acme4j.exception.AcmeServerException;

/**
 * Certificates that manage themselves: for each configured name and key type, an ACME (RFC 8555)
 * account orders a certificate, answers the validation (tls-alpn-01 through
 * {@code SniCertSelector}, or http-01 on a plain port), writes the chain and its key atomically
 * into the state directory, and swaps it in through the reload path ({@link #attach}: the
 * application's {@link SniReloader}, whose loader adds the managed certificates with
 * {@link #addTo}). Renewal comes at the ACME Renewal Information window (RFC 9773) where the
 * server offers it, else at two thirds of the lifetime; failures are retried with backoff while
 * the certificate in service stays in service.
 *
 * <pre>{@code
 * AcmeCertificates acme = AcmeCertificates.create(options);
 * SniReloader certs = SniReloader.create(() -> acme.addTo(SniMapping.builder(), o -> o).build());
 * acme.attach(certs).onEvent(e -> log(e.toString()));
 * SniSelectorOptions selector = SniSelectorOptions.builder().tlsAlpnChallenges(acme).build();
 * ... bind the server with SniCertSelector.install(pipeline, certs, selector) ...
 * acme.start();
 * }</pre>
 *
 * <p><b>No handshake ever waits on ACME.</b> acme4j is blocking; all of its I/O, the key
 * generation and the file writes run on this object's own thread. Handshakes read only what is
 * in memory: the mapping in service, and the validation certificates ({@link #challengeContext}).
 *
 * <p>Before a name's first certificate is issued, the name is simply absent from the mapping
 * (the default certificate, or {@code unrecognized_name}); tls-alpn-01 validation needs no
 * certificate of its own. A certificate found in the state directory at start is served at once,
 * without asking the ACME server, so a restart with the ACME server down serves as before.
 */
public final class AcmeCertificates implements TlsAlpnChallenges, AutoCloseable {
    /** One managed certificate: a name and a key type. */
    private record Slot(String name, AcmeKeyType type) {
    }

    /** A chosen renewal time for a certificate, and the ARI window it was chosen from (if any). */
    private record Plan(Instant at, boolean renew, String why) {
    }

    private final AcmeOptions options;
    private final AcmeStore store;
    private final KeyPair accountKey;
    private final boolean accountKeyCreated;
    private final AcmeTransport transport;
    private final ScheduledExecutorService executor;
    private final Map<Slot, KeyMaterial> current = new ConcurrentHashMap<>();
    private final Map<Slot, Integer> failures = new ConcurrentHashMap<>();
    /** The ARI window last seen per certificate, with the time picked in it (RFC 9773 4.2: picked once per window). */
    private final Map<Slot, Instant[]> ariPicks = new ConcurrentHashMap<>();
    private final Map<String, TlsServerContext> tlsAlpn = new ConcurrentHashMap<>();
    private final Map<String, String> http01 = new ConcurrentHashMap<>();
    private final List<Consumer<AcmeEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<AcmeEvent> startEvents = new ArrayList<>();
    private volatile SniReloader reloader;
    private volatile boolean closed;
    private Session session;
    private Login login;

    private AcmeCertificates(AcmeOptions options) throws TlsException {
        this.options = options;
        this.store = new AcmeStore(options.stateDirectory());
        boolean[] created = {false};
        this.accountKey = store.accountKey(created);
        this.accountKeyCreated = created[0];
        this.transport = new AcmeTransport(options.acmeServerTrust());
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "netty-tls-acme");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        this.executor = ex;
        for (Slot slot : slots()) {
            KeyMaterial km;
            try {
                km = store.load(slot.name(), slot.type());
            } catch (TlsException e) {
                startEvents.add(event(AcmeEvent.Kind.FAILED, slot, "cannot use " + store.certificateFile(slot.name(), slot.type())
                        + " (" + e.getMessage() + "); ordering a new certificate", null, null, e));
                continue;
            }
            if (km == null) {
                continue;
            }
            String problem = unusable(slot, km, Instant.now());
            if (problem != null) {
                startEvents.add(event(AcmeEvent.Kind.LOADED, slot, "not serving " + store.certificateFile(slot.name(), slot.type())
                        + ": " + problem + "; ordering a new certificate", null, null, null));
                continue;
            }
            current.put(slot, km);
            startEvents.add(event(AcmeEvent.Kind.LOADED, slot, "serving " + describe(km.leaf()) + " from "
                    + store.certificateFile(slot.name(), slot.type()), km.leaf(), null, null));
        }
    }

    /**
     * Prepares the state directory, reads the account key (making and writing one on first use)
     * and the certificates already there; contacts no one. Call {@link #start()} once the server
     * accepts connections (tls-alpn-01 needs it listening).
     *
     * @param options the account, names and state directory
     * @return the manager, not yet started
     * @throws TlsException {@code WRITE_FAILED} when the directory or a new account key cannot be
     *         written, {@code BAD_INPUT} when the account key file is not a key
     * @throws TlsException ({@code BAD_INPUT} or {@code BAD_CONFIGURATION}) when the state directory,
     *     the account key or a certificate there cannot be used
     */
    public static AcmeCertificates create(AcmeOptions options) throws TlsException {
        return new AcmeCertificates(Objects.requireNonNull(options, "options"));
    }

    /** {@return where the state lives: {@code account.key} and {@code NAME/ecdsa.pem}, {@code NAME/rsa.pem}} */
    public AcmeOptions options() {
        return options;
    }

    /**
     * The file that holds (or will hold) the certificate and key for {@code name} of {@code type}.
     *
     * @param name a managed name
     * @param type its key type
     * @return the file's path
     */
    public java.nio.file.Path certificateFile(String name, AcmeKeyType type) {
        return store.certificateFile(name, type);
    }

    /**
     * Calls {@code listener} with every event from now on (and those of {@link #create}, replayed), on the ACME thread.
     *
     * @param listener hears every event
     * @return this {@code AcmeCertificates}
     */
    public AcmeCertificates onEvent(Consumer<AcmeEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The reloader to call after each new certificate is written; its loader should use {@link #addTo}.
     *
     * @param reloader reloads the server's mapping
     * @return this {@code AcmeCertificates}
     */
    public AcmeCertificates attach(SniReloader reloader) {
        this.reloader = Objects.requireNonNull(reloader, "reloader");
        return this;
    }

    /**
     * Adds every managed name that has a certificate to {@code mapping}, with {@code settings}
     * applied to its options (ALPN, client certificates, stapling, ...). With both key types,
     * BoringSSL offers ECDSA to every client that can verify it and RSA to the rest (the RSA one
     * is the options' own certificate, the ECDSA one the additional certificate tried first). A
     * name without a certificate yet is left out.
     *
     * @param mapping the mapping being built
     * @param settings applied to each name's server options
     * @return {@code mapping}
     * @throws TlsException when a certificate file cannot be read or a name's server options cannot
     *     be built
     */
    public SniMapping.Builder addTo(SniMapping.Builder mapping, UnaryOperator<TlsServerOptions.Builder> settings)
            throws TlsException {
        for (String name : options.domains().keySet()) {
            List<KeyMaterial> present = new ArrayList<>();
            for (AcmeKeyType t : AcmeKeyType.values()) {
                KeyMaterial km = current.get(new Slot(name, t));
                if (km != null) {
                    present.add(km);
                }
            }
            if (present.isEmpty()) {
                continue;
            }
            KeyMaterial own = present.remove(present.size() - 1);
            TlsServerOptions.Builder b = TlsServerOptions.builder().certificate(own);
            for (KeyMaterial km : present) {
                b.addCertificate(km);
            }
            mapping.add(name, settings.apply(b).build());
        }
        return mapping;
    }

    /** {@return the managed certificates in service now: each file, with the name it serves} */
    public Map<java.nio.file.Path, String> files() {
        Map<java.nio.file.Path, String> out = new java.util.LinkedHashMap<>();
        for (Slot s : slots()) {
            if (current.containsKey(s)) {
                out.put(store.certificateFile(s.name(), s.type()), s.name());
            }
        }
        return out;
    }

    /**
     * {@return a handler for the child channels of a plain-HTTP port (port 80 as the ACME server sees it) that
     * answers http-01 challenges and nothing else (404)}
     */
    public ChannelHandler http01Handler() {
        Http01Responder responder = new Http01Responder(http01);
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192), new HttpObjectAggregator(1024), responder);
            }
        };
    }

    @Override
    public TlsServerContext challengeContext(String serverName) {
        return tlsAlpn.get(serverName);
    }

    /** Plans every certificate: those missing are ordered now, the others renewed when due. */
    public void start() {
        List<AcmeEvent> replay;
        synchronized (startEvents) {
            replay = new ArrayList<>(startEvents);
            startEvents.clear();
        }
        executor.execute(() -> {
            if (accountKeyCreated) {
                emit(new AcmeEvent(AcmeEvent.Kind.ACCOUNT, null, null, "created the account key " + store.accountKeyFile(),
                        null, null, null));
            }
            replay.forEach(this::emit);
        });
        for (Slot slot : slots()) {
            executor.execute(() -> check(slot));
        }
    }

    /** Stops all ACME work; certificates in service stay in service. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }

    private List<Slot> slots() {
        List<Slot> out = new ArrayList<>();
        options.domains().forEach((name, types) -> types.forEach(t -> out.add(new Slot(name, t))));
        return out;
    }

    // ---- on the ACME thread from here on ----

    private void check(Slot slot) {
        if (closed) {
            return;
        }
        KeyMaterial have = current.get(slot);
        try {
            if (have != null) {
                Plan plan = plan(slot, have);
                if (plan.at().isAfter(Instant.now())) {
                    schedule(slot, plan.at());
                    emit(event(AcmeEvent.Kind.SCHEDULED, slot, plan.why(), null, plan.at(), null));
                    return;
                }
            }
            obtain(slot, have);
            failures.remove(slot);
            ariPicks.remove(slot);
            executor.execute(() -> check(slot));
        } catch (TlsException e) {
            failed(slot, have, e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed(slot, have, new TlsException(TlsErrorCode.ACME_REFUSED, "unexpected failure: " + e, e), null);
        }
    }

    private void failed(Slot slot, KeyMaterial have, TlsException e, Duration atLeast) {
        if (closed) {
            return;
        }
        // The next attempt starts afresh: the ACME server may have restarted and forgotten the account.
        login = null;
        session = null;
        int n = failures.merge(slot, 1, Integer::sum);
        long first = options.retryFirst().toMillis();
        long wait = Math.min(options.retryMax().toMillis(), first << Math.min(20, n - 1));
        Duration retryAfter = retryAfter(e);
        if (retryAfter != null && retryAfter.toMillis() > wait) {
            wait = Math.min(retryAfter.toMillis(), Duration.ofDays(1).toMillis());
        }
        Instant at = Instant.now().plusMillis(wait);
        String kept = have != null ? "the certificate in service (" + describe(have.leaf()) + ") stays in service"
                : "no certificate for " + slot.name() + " yet";
        emit(event(AcmeEvent.Kind.FAILED, slot, e.getMessage() + "; " + kept + "; retry " + n + " in " + human(Duration.ofMillis(wait)),
                null, at, e));
        schedule(slot, at);
    }

    private static Duration retryAfter(TlsException e) {
        Throwable c = e.getCause();
        if (c instanceof AcmeRateLimitedException) {
            Optional<Instant> ra = ((AcmeRateLimitedException) c).getRetryAfter();
            if (ra.isPresent()) {
                return Duration.between(Instant.now(), ra.get());
            }
        }
        return null;
    }

    private void schedule(Slot slot, Instant at) {
        if (closed) {
            return;
        }
        long delay = Math.max(0, Duration.between(Instant.now(), at).toMillis());
        executor.schedule(() -> check(slot), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * When to renew {@code have}: inside the ACME server's suggested window (RFC 9773), picked at
     * random once per window and checked again at its Retry-After, where the server offers ARI;
     * else at two thirds of the lifetime.
     */
    private Plan plan(Slot slot, KeyMaterial have) throws InterruptedException {
        X509Certificate leaf = have.leaf();
        Instant now = Instant.now();
        Instant lifetime = leaf.getNotBefore().toInstant().plus(
                Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()).multipliedBy(2).dividedBy(3));
        String ariProblem;
        try {
            Optional<URL> ari = session().resourceUrlOptional(Resource.RENEWAL_INFO);
            if (ari.isEmpty()) {
                return new Plan(lifetime, true, "renewal at two thirds of the lifetime, " + lifetime + " (valid until "
                        + leaf.getNotAfter().toInstant() + "; the ACME server offers no renewal information)");
            }
            RenewalInfo info = login().bindRenewalInfo(leaf);
            Optional<Instant> retry = info.fetch();
            Instant start = info.getSuggestedWindowStart();
            Instant end = info.getSuggestedWindowEnd();
            Instant[] seen = ariPicks.get(slot);
            Instant pick;
            if (seen != null && seen[0].equals(start) && seen[1].equals(end)) {
                pick = seen[2];
            } else {
                long span = Math.max(0, Duration.between(start, end).toMillis());
                pick = start.plusMillis(span == 0 ? 0 : ThreadLocalRandom.current().nextLong(span));
                ariPicks.put(slot, new Instant[] {start, end, pick});
            }
            Duration poll = retry.map(r -> Duration.between(now, r)).orElse(Duration.ofHours(6));
            if (poll.compareTo(Duration.ofMinutes(1)) < 0) {
                poll = Duration.ofMinutes(1);
            } else if (poll.compareTo(Duration.ofDays(1)) > 0) {
                poll = Duration.ofDays(1);
            }
            Instant recheck = now.plus(poll);
            String window = "the ACME server's renewal window " + start + " to " + end
                    + info.getExplanation().map(u -> " (" + u + ")").orElse("");
            if (!pick.isAfter(now)) {
                return new Plan(now, true, "renewing now: " + window);
            }
            if (recheck.isBefore(pick)) {
                return new Plan(recheck, false, "renewal at " + pick + " in " + window + "; asking again at " + recheck);
            }
            return new Plan(pick, true, "renewal at " + pick + " in " + window);
        } catch (TlsException e) {
            ariProblem = e.getMessage();
        } catch (AcmeException | AcmeProtocolException e) {
            ariProblem = e.toString();
        }
        // RFC 9773 section 4.3: without renewal information, the client's own schedule.
        Instant soon = now.plus(options.retryMax());
        Instant at = lifetime.isBefore(soon) ? lifetime : soon;
        return new Plan(at, lifetime.equals(at), "renewal information unavailable (" + ariProblem + "); renewal at two thirds"
                + " of the lifetime, " + lifetime + (at.equals(lifetime) ? "" : ", asking again at " + at));
    }

    private Session session() {
        if (session == null) {
            session = new Session(options.directory(), transport);
            session.networkSettings().setTimeout(Duration.ofSeconds(20));
        }
        return session;
    }

    /** The account: found for the key, or created (agreeing to the terms when asked to). */
    private Login login() throws TlsException {
        if (login != null) {
            return login;
        }
        Session s = session();
        Optional<URI> terms = call("read its directory", () -> s.getMetadata().getTermsOfService());
        AccountBuilder b = new AccountBuilder().useKeyPair(accountKey);
        for (String e : options.emails()) {
            b.addEmail(e);
        }
        if (terms.isPresent()) {
            if (!options.agreeToTermsOfService()) {
                throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "the ACME server asks to agree to its terms of service at "
                        + terms.get() + " before it opens an account; read them and agree (agreeToTermsOfService)");
            }
            b.agreeToTermsOfService();
        }
        Login found = call("create or find the account for " + store.accountKeyFile()
                + (options.emails().isEmpty() ? "" : " with contact " + String.join(", ", options.emails())), () -> b.createLogin(s));
        Account account = found.getAccount();
        login = found;
        emit(new AcmeEvent(AcmeEvent.Kind.ACCOUNT, null, null, "account " + account.getLocation()
                + (terms.map(t -> ", agreeing to the terms of service at " + t).orElse("")), null, null, null));
        return login;
    }

    /** Orders, validates, downloads, writes and swaps in one certificate. */
    private void obtain(Slot slot, KeyMaterial have) throws TlsException, InterruptedException {
        Login l = login();
        boolean ari = have != null && call("read its directory",
                () -> session().resourceUrlOptional(Resource.RENEWAL_INFO)).isPresent();
        Order order = call("order a certificate for " + slot.name(), () -> {
            OrderBuilder ob = l.newOrder().domain(slot.name());
            if (ari) {
                // RFC 9773 section 5: tells the CA which certificate this one replaces.
                ob.replaces(have.leaf());
            }
            return ob.create();
        });
        emit(event(AcmeEvent.Kind.ORDERED, slot, (have == null ? "ordered a certificate" : "ordered the renewal of "
                + describe(have.leaf())) + " from " + options.directory() + ": " + order.getLocation(), null, null, null));
        for (Authorization auth : call("read the order's authorizations", order::getAuthorizations)) {
            Status status = call("read the authorization of " + slot.name(), () -> {
                auth.fetch();
                return auth.getStatus();
            });
            if (status == Status.VALID) {
                emit(event(AcmeEvent.Kind.VALIDATED, slot, auth.getIdentifier().getDomain()
                        + " is still validated for this account (no challenge needed)", null, null, null));
                continue;
            }
            validate(slot, auth);
        }
        Status ready = poll(order, "the order for " + slot.name() + " to become ready");
        if (ready != Status.READY) {
            throw refused("the order for " + slot.name() + " is " + ready + problem(order.getError()));
        }
        KeyPair key;
        try {
            key = slot.type().generate();
        } catch (GeneralSecurityException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make a " + slot.type() + " key: " + e.getMessage(), e);
        }
        call("finalize the order for " + slot.name(), () -> {
            order.execute(key);
            return null;
        });
        Status done = poll(order, "the certificate for " + slot.name() + " to be issued");
        if (done != Status.VALID) {
            throw refused("the ACME server did not issue the certificate for " + slot.name() + ": the order is " + done
                    + problem(order.getError()));
        }
        Certificate cert = order.getCertificate();
        List<X509Certificate> chain = call("download the certificate for " + slot.name(), () -> {
            cert.download();
            return cert.getCertificateChain();
        });
        if (chain.isEmpty()) {
            throw refused("the ACME server sent no certificate for " + slot.name());
        }
        String problem = unusable(slot, KeyMaterial.of(key.getPrivate(), chain), Instant.now());
        if (problem != null) {
            throw refused("the ACME server issued a certificate that cannot serve " + slot.name() + ": " + problem);
        }
        java.nio.file.Path file = store.store(slot.name(), slot.type(), chain, key.getPrivate());
        // Served as read back from disk: what a reload or a restart will find.
        KeyMaterial written = store.load(slot.name(), slot.type());
        current.put(slot, written);
        SniReloader r = reloader;
        boolean inService = r == null || r.reload();
        emit(event(have == null ? AcmeEvent.Kind.ISSUED : AcmeEvent.Kind.RENEWED, slot, (have == null ? "issued " : "renewed: ")
                + describe(written.leaf()) + ", written to " + file + (inService ? ", in service"
                        : ", but the reload failed, so new connections still get the previous certificate (see the reload log)"),
                written.leaf(), null, null));
    }

    private void validate(Slot slot, Authorization auth) throws TlsException, InterruptedException {
        String name = auth.getIdentifier().getDomain();
        Challenge challenge = null;
        AcmeChallengeType type = null;
        for (AcmeChallengeType t : options.challenges()) {
            Optional<Challenge> c = auth.findChallenge(t == AcmeChallengeType.TLS_ALPN_01 ? TlsAlpn01Challenge.TYPE : Http01Challenge.TYPE);
            if (c.isPresent()) {
                challenge = c.get();
                type = t;
                break;
            }
        }
        if (challenge == null) {
            List<String> offered = new ArrayList<>();
            auth.getChallenges().forEach(c -> offered.add(c.getType()));
            throw refused("the ACME server offers " + offered + " for " + name + ", none of " + options.challenges()
                    + " that this server answers");
        }
        try {
            if (type == AcmeChallengeType.TLS_ALPN_01) {
                TlsAlpn01Challenge c = (TlsAlpn01Challenge) challenge;
                tlsAlpn.put(name, validationContext(c, name));
            } else {
                Http01Challenge c = (Http01Challenge) challenge;
                http01.put(c.getToken(), c.getAuthorization());
            }
            emit(event(AcmeEvent.Kind.CHALLENGED, slot, "answering " + type + " for " + name, null, null, null));
            Challenge triggered = challenge;
            call("start the " + type + " validation of " + name, () -> {
                triggered.trigger();
                return null;
            });
            Status s = poll(auth, "the " + type + " validation of " + name);
            if (s != Status.VALID) {
                Optional<Problem> why = challenge.getError();
                if (why.isEmpty()) {
                    try {
                        challenge.fetch();
                        why = challenge.getError();
                    } catch (AcmeException | AcmeProtocolException ignored) {
                        // The status says enough without the details.
                    }
                }
                throw refused("the ACME server could not validate " + name + " by " + type + ": the authorization is " + s
                        + problem(why));
            }
            emit(event(AcmeEvent.Kind.VALIDATED, slot, "validated " + name + " by " + type, null, null, null));
        } finally {
            tlsAlpn.remove(name);
            if (challenge instanceof Http01Challenge) {
                http01.remove(((Http01Challenge) challenge).getToken());
            }
        }
    }

    /** The acmeIdentifier extension of RFC 8737 section 6.1. */
    private static final org.bouncycastle.asn1.ASN1ObjectIdentifier ACME_IDENTIFIER =
            new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.5.5.7.1.31");

    /**
     * RFC 8737 section 3: a self-signed certificate whose only subjectAltName is the name and
     * whose critical acmeIdentifier extension holds the SHA-256 of the key authorization, in a
     * context that negotiates {@code acme-tls/1} and nothing else.
     */
    static TlsServerContext validationContext(TlsAlpn01Challenge c, String name) throws TlsException {
        try {
            KeyPair kp = AcmeKeyType.ECDSA_P256.generate();
            X509Certificate cert = validationCertificate(kp, name, c.getAcmeValidation());
            return TlsServerContext.create(TlsServerOptions.builder().certificate(kp.getPrivate(), List.of(cert))
                    .alpnProtocols(ACME_TLS_1).build());
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException | java.io.IOException
                | RuntimeException e) {
            throw new TlsException(TlsErrorCode.BAD_CONFIGURATION, "cannot make the tls-alpn-01 certificate for " + name + ": " + e, e);
        }
    }

    static X509Certificate validationCertificate(KeyPair kp, String name, byte[] keyAuthorizationDigest)
            throws GeneralSecurityException, org.bouncycastle.operator.OperatorCreationException, java.io.IOException {
        org.bouncycastle.asn1.x500.X500Name subject = new org.bouncycastle.asn1.x500.X500Name("CN=" + name);
        Instant now = Instant.now();
        org.bouncycastle.cert.X509v3CertificateBuilder b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(
                subject, new java.math.BigInteger(64, new java.security.SecureRandom()).setBit(63),
                java.util.Date.from(now.minus(Duration.ofHours(1))), java.util.Date.from(now.plus(Duration.ofDays(7))),
                subject, kp.getPublic());
        b.addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                        org.bouncycastle.asn1.x509.GeneralName.dNSName, name)));
        b.addExtension(ACME_IDENTIFIER, true, new org.bouncycastle.asn1.DEROctetString(keyAuthorizationDigest));
        org.bouncycastle.operator.ContentSigner signer =
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
        return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    /**
     * Polls until {@code resource} leaves PENDING/PROCESSING (or READY when finishing), at the
     * server's Retry-After where it gives one, else from half a second up to five; gives up after
     * the validation timeout.
     */
    private Status poll(PollableResource resource, String what) throws TlsException, InterruptedException {
        long deadline = System.nanoTime() + options.validationTimeout().toNanos();
        long pause = 500;
        while (true) {
            Optional<Instant> retry = call("ask for " + what, resource::fetch);
            Status s = resource.getStatus();
            if (s != Status.PENDING && s != Status.PROCESSING) {
                return s;
            }
            if (System.nanoTime() > deadline || closed) {
                throw refused("gave up waiting for " + what + " after " + human(options.validationTimeout()) + " (still " + s + ")");
            }
            long wait = retry.map(r -> Math.max(100, Duration.between(Instant.now(), r).toMillis())).orElse(pause);
            Thread.sleep(Math.min(wait, 10_000));
            pause = Math.min(pause * 2, 5_000);
        }
    }

    /** Whether {@code km} can serve {@code slot} at {@code now}; the reason when it cannot. */
    private static String unusable(Slot slot, KeyMaterial km, Instant now) {
        X509Certificate leaf = km.leaf();
        if (!leaf.getNotAfter().toInstant().isAfter(now)) {
            return "expired at " + leaf.getNotAfter().toInstant();
        }
        String alg = km.key().getAlgorithm();
        if (slot.type() == AcmeKeyType.RSA_2048 ? !"RSA".equals(alg) : !"EC".equals(alg)) {
            return "its key is " + alg + ", not " + slot.type();
        }
        List<String> names = new ArrayList<>();
        for (SubjectAltName san : CertificateFields.subjectAltNames(leaf)) {
            if (san.type() == SubjectAltName.Type.DNS) {
                names.add(san.value().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (!names.contains(slot.name())) {
            return "it names " + names + ", not " + slot.name();
        }
        return null;
    }

    @FunctionalInterface
    private interface AcmeCall<T> {
        T run() throws AcmeException;
    }

    /** Runs one ACME request, turning its failure into a {@link TlsException} that says what was being done. */
    private <T> T call(String what, AcmeCall<T> request) throws TlsException {
        try {
            return request.run();
        } catch (org.shredzone.acme4j.exception.AcmeLazyLoadingException e) {
            if (e.getCause() instanceof AcmeException) {
                AcmeException cause = (AcmeException) e.getCause();
                return call(what, () -> {
                    throw cause;
                });
            }
            throw new TlsException(TlsErrorCode.ACME_REFUSED, "the ACME server's answer when asked to " + what
                    + " cannot be used: " + causes(e), e);
        } catch (AcmeNetworkException e) {
            TlsException tls = TlsException.find(e);
            throw new TlsException(TlsErrorCode.ACME_UNREACHABLE, "cannot reach the ACME server at " + options.directory()
                    + " to " + what + ": " + (tls != null ? "its HTTPS certificate did not verify: " + tls.getMessage()
                            + " [" + tls.code().id() + "]" : causes(e)), e);
        } catch (AcmeServerException e) {
            throw new TlsException(TlsErrorCode.ACME_REFUSED, "the ACME server refused to " + what + ": " + problem(e.getProblem()), e);
        } catch (AcmeException | AcmeProtocolException e) {
            throw new TlsException(TlsErrorCode.ACME_REFUSED, "the ACME server's answer when asked to " + what
                    + " cannot be used: " + causes(e), e);
        }
    }

    private static TlsException refused(String message) {
        return new TlsException(TlsErrorCode.ACME_REFUSED, message);
    }

    private static String problem(Optional<Problem> p) {
        return p.map(x -> ": " + problem(x)).orElse("");
    }

    private static String problem(Problem p) {
        StringBuilder sb = new StringBuilder(p.getDetail().orElse(p.getTitle().orElse("no detail")));
        sb.append(" (").append(p.getType()).append(')');
        for (Problem sub : p.getSubProblems()) {
            sb.append("; ").append(sub.getIdentifier().map(i -> i.getValue() + ": ").orElse("")).append(problem(sub));
        }
        return sb.toString();
    }

    /** The chain of causes' messages, so a TLS failure under a network error says what it was. */
    private static String causes(Throwable t) {
        StringBuilder sb = new StringBuilder();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            String m = c instanceof java.net.ConnectException ? "connection refused" + (c.getMessage() == null ? ""
                    : " (" + c.getMessage() + ")") : c.getMessage() != null ? c.getMessage()
                    : c instanceof java.io.IOException ? c.getClass().getSimpleName() : null;
            if (m == null || sb.indexOf(m) >= 0) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(m);
        }
        return sb.length() == 0 ? t.getClass().getSimpleName() : sb.toString();
    }

    private static String describe(X509Certificate c) {
        return "serial " + c.getSerialNumber().toString(16) + ", valid until " + c.getNotAfter().toInstant()
                + ", issued by " + c.getIssuerX500Principal().getName();
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? Math.max(1, s) + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }

    private AcmeEvent event(AcmeEvent.Kind kind, Slot slot, String message, X509Certificate cert, Instant when,
            TlsException cause) {
        return new AcmeEvent(kind, slot.name(), slot.type(), message, cert, when, cause);
    }

    private void emit(AcmeEvent e) {
        synchronized (startEvents) {
            if (executor.isShutdown()) {
                return;
            }
        }
        for (Consumer<AcmeEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ignored) {
                // A listener's failure must not stop certificate management.
            }
        }
    }
}
