package org.nettytls.ocsp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.PromiseCombiner;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLEngine;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.cert.CertificateFields;
import org.nettytls.cert.Fingerprint;
import org.nettytls.TlsServerOptions;

/**
 * Server-side stapling: for every certificate a server presents, fetches the OCSP response from
 * its responder (authorityInfoAccess, or a configured URL), verifies it as a client would, and
 * staples it to each handshake while it is good and current.
 *
 * <ul>
 * <li>Fetches at {@link Builder#start()}, so that early handshakes get a staple ({@link #ready()}
 *     says when the first round is done).
 * <li>Refreshes at half the response's validity, never later than the responder certificate's
 *     expiry; on failure retries with doubling backoff and keeps the last good response until its
 *     nextUpdate. An expired, revoked, unknown or unverifiable response is never stapled.
 * <li>Optionally persists good responses to a folder and reloads them (verified again) at start,
 *     before {@link Builder#start()} returns; a response that turns revoked or unknown is deleted.
 * <li>Reports {@link OcspStaplerEvent}s: fetched, refreshed, failed.
 * <li>Follows the certificates a server presents while it runs: {@link #follow} (for a reloaded
 *     {@code SniMapping}, say) starts fetching for a certificate it does not know yet, which gets
 *     its staple as soon as a good response arrives, and stops refreshing those no longer served.
 * </ul>
 *
 * <p>Wiring it is one line per connection:
 * <pre>{@code
 * OcspStapler stapler = OcspStapler.builder(group).certificate(serverChain).start();
 * // in initChannel:
 * stapler.staple(tls.install(ch.pipeline()));
 * }</pre>
 * The server context needs {@code TlsServerOptions.Builder.ocspStapling(true)}. With several
 * certificates, above all a name with an RSA and an ECDSA one (BoringSSL chooses between them
 * inside the handshake), give the options {@code ocspStaples(stapler::currentStaple)} instead:
 * each certificate then goes out with its own staple, whichever is chosen.
 * {@link #staple(SslHandler, X509Certificate)} reaches only the context's own certificate.
 * All work runs on one event loop of the given group; nothing blocks it except the optional
 * folder's small files.
 */
public final class OcspStapler implements AutoCloseable {
    private static final Duration MIN_REFRESH = Duration.ofSeconds(30);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(10);
    /** How soon an instance that did not get the claim looks for the claimant's response in the store. */
    private static final Duration STORE_RECHECK = Duration.ofSeconds(1);

    private final EventLoop loop;
    private final Class<? extends Channel> channelType;
    private final OcspClientConfig verification;
    private final URI responderUrl;
    private final Path folder;
    private final Consumer<OcspStaplerEvent> listener;
    private final Timer timer;
    private final OcspStapleStore store;
    /** Replaced, never changed in place, under {@link #entriesLock}: handshakes read it without a lock. */
    private volatile List<Entry> entries = List.of();
    private final Object entriesLock = new Object();
    /** The first round of the builder's certificates. */
    private final Promise<Void> firstRound;
    /** {@link #ready()}: the first round and every {@link #applyTo}'s first fetches. */
    private volatile Future<Void> ready;
    private volatile boolean closed;

    /**
     * Runs the refreshes and retries: the event loop's scheduler, or in tests one they fire by
     * hand, so that half a validity period or a backoff needs no waiting.
     */
    interface Timer {
        Future<?> schedule(EventLoop loop, Runnable task, Duration delay);
    }

    private static final Timer EVENT_LOOP_TIMER = (loop, task, delay) ->
            loop.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);

    /** One certificate and what is known of its staple. */
    private final class Entry {
        final X509Certificate cert;
        final X509Certificate issuer;
        final byte[] request;
        /** The certificate's SHA-256 in hex: its key in an {@link OcspStapleStore}. */
        final String key;
        volatile byte[] staple;
        volatile OcspStatus status;
        /** No longer served ({@link #follow}): nothing more is fetched or scheduled for it. */
        volatile boolean retired;
        Duration backoff = FIRST_RETRY;
        Future<?> pending;

        Entry(X509Certificate cert, X509Certificate issuer) throws TlsException {
            this.cert = cert;
            this.issuer = issuer;
            try {
                this.request = new OCSPReqBuilder().addRequest(new CertificateID(
                        new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                        new JcaX509CertificateHolder(issuer), cert.getSerialNumber())).build().getEncoded();
            } catch (Exception e) {
                throw new TlsException(TlsErrorCode.BAD_INPUT, "cannot build an OCSP request for "
                        + OcspVerifier.subject(cert) + ": " + e.getMessage(), e);
            }
            try {
                this.key = java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            } catch (java.security.GeneralSecurityException e) {
                throw new TlsException(TlsErrorCode.BAD_INPUT, "cannot fingerprint " + OcspVerifier.subject(cert), e);
            }
        }

        /** The staple while it is good and current, else {@code null}. */
        byte[] current(Instant now) {
            OcspStatus s = status;
            byte[] bytes = staple;
            if (s == null || bytes == null || !s.isGood() || !s.isCurrent(now)) {
                return null;
            }
            if (s.nextUpdate() == null && s.validUntil() != null && !now.isBefore(s.validUntil())) {
                return null;
            }
            return bytes;
        }
    }

    private OcspStapler(Builder b, EventLoop loop) throws TlsException {
        this.loop = loop;
        this.channelType = b.channelType;
        this.verification = b.verification != null ? b.verification : OcspClientConfig.builder().build();
        this.responderUrl = b.responderUrl;
        this.folder = b.folder;
        this.listener = b.listener;
        this.timer = b.timer;
        this.store = b.store;
        this.firstRound = loop.newPromise();
        this.ready = firstRound;
        this.entries = List.copyOf(newEntries(b.chains, List.of(), "OcspStapler.certificate"));
    }

    /** Entries for the chains whose leaf is not in {@code known}, each once; checks them all before returning any. */
    private List<Entry> newEntries(Collection<? extends List<X509Certificate>> chains, List<Entry> known, String what)
            throws TlsException {
        Set<X509Certificate> seen = new HashSet<>();
        for (Entry e : known) {
            seen.add(e.cert);
        }
        List<Entry> out = new ArrayList<>();
        for (List<X509Certificate> chain : chains) {
            if (chain.size() < 2) {
                throw TlsException.badConfiguration(what, "needs the certificate and its issuer, got "
                        + chain.size() + " certificate(s)");
            }
            X509Certificate cert = chain.get(0);
            if (responderUrl == null && CertificateFields.ocspUrls(cert).isEmpty()) {
                throw TlsException.badConfiguration(what, OcspVerifier.subject(cert)
                        + " names no OCSP responder; give one with responderUrl");
            }
            if (seen.add(cert)) {
                out.add(new Entry(cert, chain.get(1)));
            }
        }
        return out;
    }

    /**
     * A builder for a stapler whose fetches and refreshes run on {@code group}.
     *
     * @param group the event loops that fetch and schedule refreshes
     * @return a new builder
     */
    public static Builder builder(EventLoopGroup group) {
        return new Builder(group);
    }

    /**
     * {@return a future that completes when every certificate's first fetch has finished, successfully or not: those
     * of the builder
     * and those of every {@link #applyTo} so far}
     */
    public Future<Void> ready() {
        return ready;
    }

    /**
     * Staples the server these options build, each certificate named once, on the options: sets
     * {@code ocspStaples(this::currentStaple)}, builds the options, and follows their own and
     * additional certificates ({@code addCertificate}; each chain must hold the issuer), so each
     * goes out with its own staple whichever BoringSSL chooses, RSA or ECDSA. The server-side
     * counterpart of {@link OcspClientConfig#applyTo}. {@link #ready()} then also waits for
     * these certificates' first fetches. Reads the persistence folder on the calling thread: call
     * it while setting up, not on an event loop.
     *
     * <pre>{@code
     * OcspStapler stapler = OcspStapler.builder(group).start();
     * SniMapping mapping = SniMapping.builder()
     *         .add("www.example.org", stapler.applyTo(TlsServerOptions.builder()
     *                 .certificate(wwwRsa).addCertificate(wwwEcdsa)))
     *         .build();
     * stapler.ready().await(10, TimeUnit.SECONDS);
     * }</pre>
     *
     * @param options the server options to staple
     * @return the built options
     * @throws TlsException when the options do not build, or a certificate cannot be stapled (no
     *         issuer in its chain, no responder named)
     */
    public TlsServerOptions applyTo(TlsServerOptions.Builder options) throws TlsException {
        TlsServerOptions built = options.ocspStaples(this::currentStaple).build();
        List<List<X509Certificate>> chains = new ArrayList<>();
        chains.add(built.keyMaterial().chain());
        for (org.nettytls.cert.KeyMaterial km : built.additionalCertificates()) {
            chains.add(km.chain());
        }
        Future<Void> added = change(chains, null);
        synchronized (entriesLock) {
            Promise<Void> both = loop.newPromise();
            PromiseCombiner combiner = new PromiseCombiner(loop);
            Future<Void> before = ready;
            loop.execute(() -> {
                combiner.add((Future<?>) before);
                combiner.add((Future<?>) added);
                combiner.finish(both);
            });
            ready = both;
        }
        return built;
    }

    /**
     * Staples the current good response of the certificate the handler's engine presents (the
     * only one, or the one whose chain the engine holds); returns the handler. Call it before the
     * handshake starts, in {@code initChannel}. Does nothing when there is no good, current response.
     *
     * @param handler a server handler before its handshake
     * @return {@code handler}
     * @throws IllegalStateException when this stapler has several certificates and the engine does
     *         not tell which one it presents (a netty-tls server context chooses its key material
     *         inside the handshake): use {@link #staple(SslHandler, X509Certificate)}, rather than
     *         silently stapling nothing
     */
    public SslHandler staple(SslHandler handler) {
        List<Entry> known = entries;
        X509Certificate leaf = known.size() == 1 ? known.get(0).cert : localLeaf(handler.engine());
        if (leaf == null) {
            throw new IllegalStateException("OcspStapler has " + known.size() + " certificates and the engine does not "
                    + "say which one it presents before the handshake; call staple(handler, leaf) with the certificate "
                    + "of the context that made this handler");
        }
        return staple(handler, leaf);
    }

    /**
     * Staples {@code leaf}'s current good response, when there is one; for servers that choose by SNI.
     *
     * @param handler a server handler before its handshake
     * @param leaf the certificate it presents
     * @return {@code handler}
     */
    public SslHandler staple(SslHandler handler, X509Certificate leaf) {
        byte[] staple = currentStaple(leaf);
        SSLEngine engine = handler.engine();
        if (staple != null && engine instanceof ReferenceCountedOpenSslEngine) {
            ((ReferenceCountedOpenSslEngine) engine).setOcspResponse(staple);
        }
        return handler;
    }

    /**
     * {@code leaf}'s current good response (DER), or {@code null}.
     *
     * @param leaf a certificate this stapler follows
     * @return the response, or {@code null}
     */
    public byte[] currentStaple(X509Certificate leaf) {
        Instant now = verification.now();
        for (Entry e : entries) {
            if (e.cert.equals(leaf)) {
                byte[] b = e.current(now);
                return b == null ? null : b.clone();
            }
        }
        return null;
    }

    /** {@return the certificates it fetches and refreshes responses for now, in the order they came} */
    public List<X509Certificate> certificates() {
        List<X509Certificate> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(e.cert);
        }
        return out;
    }

    /**
     * Makes {@code chains} (each a certificate followed by its issuer) the certificates to staple,
     * as after a reload of the server's certificates: a certificate not known yet gets its
     * persisted response, if one is still good, and its first fetch at once, and is stapled as soon
     * as a good response arrives (until then it goes out without one); a known certificate keeps
     * its response and schedule; one missing from {@code chains} is no longer refreshed, retried or
     * stapled, so the stapler does not grow with every renewal. All chains are checked first: on
     * {@link TlsException} (a chain without its issuer, a certificate naming no responder) nothing
     * changes. Thread-safe; reads the persistence folder on the calling thread, so call it from
     * the thread that reloads, not from an event loop.
     *
     * @param chains each a certificate followed by its issuer
     * @return completes when the first fetch of every added certificate has finished, successfully or not
     * @throws TlsException for a chain without its issuer or a certificate naming no responder;
     *     nothing changes then
     */
    public Future<Void> follow(Collection<? extends List<X509Certificate>> chains) throws TlsException {
        Set<X509Certificate> wanted = new HashSet<>();
        for (List<X509Certificate> chain : chains) {
            if (!chain.isEmpty()) {
                wanted.add(chain.get(0));
            }
        }
        return change(chains, wanted);
    }

    /**
     * Adds one certificate (followed by its issuer) to those stapled, keeping the others; does
     * nothing for one already known. As {@link #follow}, whose notes apply.
     *
     * @param chain a certificate followed by its issuer
     * @return completes when the certificate's first fetch has finished, successfully or not
     * @throws TlsException as {@link #follow}
     */
    public Future<Void> add(List<X509Certificate> chain) throws TlsException {
        return change(List.of(chain), null);
    }

    /** Adds the chains not known yet and, unless {@code keep} is {@code null}, retires the certificates not in it. */
    private Future<Void> change(Collection<? extends List<X509Certificate>> chains, Set<X509Certificate> keep)
            throws TlsException {
        List<Entry> added;
        List<Entry> retired = new ArrayList<>();
        synchronized (entriesLock) {
            List<Entry> known = entries;
            added = newEntries(chains, known, "OcspStapler.follow");
            for (Entry e : added) {
                loadPersisted(e);
            }
            List<Entry> next = new ArrayList<>();
            for (Entry e : known) {
                if (keep == null || keep.contains(e.cert)) {
                    next.add(e);
                } else {
                    e.retired = true;
                    retired.add(e);
                }
            }
            next.addAll(added);
            entries = List.copyOf(next);
        }
        Promise<Void> done = loop.newPromise();
        loop.execute(() -> {
            for (Entry e : retired) {
                if (e.pending != null) {
                    e.pending.cancel(false);
                }
            }
            fetchFirst(added, done);
        });
        return done;
    }

    /**
     * What is known of {@code leaf}'s response, or {@code null}.
     *
     * @param leaf a certificate this stapler follows
     * @return the status, or {@code null}
     */
    public OcspStatus status(X509Certificate leaf) {
        for (Entry e : entries) {
            if (e.cert.equals(leaf)) {
                return e.status;
            }
        }
        return null;
    }

    private static X509Certificate localLeaf(SSLEngine engine) {
        Certificate[] local = engine.getSession().getLocalCertificates();
        return local != null && local.length > 0 && local[0] instanceof X509Certificate ? (X509Certificate) local[0] : null;
    }

    /** On the loop: fetches each of {@code added} for the first time, completing {@code done} when all have finished. */
    private void fetchFirst(List<Entry> added, Promise<Void> done) {
        PromiseCombiner all = new PromiseCombiner(loop);
        for (Entry e : added) {
            Promise<Void> first = loop.newPromise();
            all.add((Future<?>) first);
            fetch(e, first);
        }
        all.finish(done);
    }

    private void fetch(Entry e, Promise<Void> first) {
        if (closed || e.retired) {
            done(first);
            return;
        }
        if (store == null) {
            askResponder(e, first);
            return;
        }
        java.util.concurrent.CompletionStage<byte[]> stored;
        try {
            stored = store.get(e.key);
        } catch (RuntimeException ex) {
            storeFailed(e, first, ex);
            return;
        }
        stored.whenComplete((der, error) -> loop.execute(() -> onStored(e, first, der, error)));
    }

    private static void done(Promise<Void> first) {
        if (first != null) {
            first.trySuccess(null);
        }
    }

    /** On the loop: what the store holds for {@code e}; takes it, or claims the fetch. */
    private void onStored(Entry e, Promise<Void> first, byte[] der, Throwable error) {
        if (closed || e.retired) {
            done(first);
            return;
        }
        if (error != null) {
            storeFailed(e, first, error);
            return;
        }
        if (der != null && takeStored(e, der)) {
            done(first);
            return;
        }
        java.util.concurrent.CompletionStage<Boolean> claim;
        try {
            // Long enough for one request with its timeout; a claimant that died frees it by then.
            claim = store.claim(e.key, verification.timeout().multipliedBy(2).plus(STORE_RECHECK));
        } catch (RuntimeException ex) {
            storeFailed(e, first, ex);
            return;
        }
        claim.whenComplete((mine, claimError) -> loop.execute(() -> {
            if (closed || e.retired) {
                done(first);
            } else if (claimError != null) {
                storeFailed(e, first, claimError);
            } else if (Boolean.TRUE.equals(mine)) {
                askResponder(e, first);
            } else {
                // Another instance asks the responder: its answer will be in the store.
                e.pending = timer.schedule(loop, () -> fetch(e, first), STORE_RECHECK);
            }
        }));
    }

    /**
     * Takes a response from the store when it verifies as good and is newer than this
     * instance's, or is not yet due for a refresh; whether it was taken.
     */
    private boolean takeStored(Entry e, byte[] der) {
        Instant now = verification.now();
        OcspStatus s = verification.verifier().verify(der, e.cert, e.issuer, null, now, OcspStatus.Source.RESOLVER);
        if (!s.isGood()) {
            return false;
        }
        OcspStatus mine = e.status;
        boolean newer = mine == null || !mine.isGood() || mine.thisUpdate() == null
                || s.thisUpdate() != null && s.thisUpdate().isAfter(mine.thisUpdate());
        boolean due = !refreshAt(s, now).isAfter(now);
        if (!newer && due) {
            return false;
        }
        accept(e, der, s, true);
        return true;
    }

    /** The store failed: counted as an event, and this instance asks the responder itself. */
    private void storeFailed(Entry e, Promise<Void> first, Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        emit(OcspStaplerEvent.failed(e.cert, e.status, true, TlsErrorCode.CONNECTION_FAILED, "staple store: " + cause));
        askResponder(e, first);
    }

    private void askResponder(Entry e, Promise<Void> first) {
        URI url = responderUrl != null ? responderUrl : URI.create(CertificateFields.ocspUrls(e.cert).get(0));
        OcspHttp.ocsp(loop, channelType, url, e.request, verification.timeout(), verification.maxResponseBytes())
                .addListener((Future<byte[]> f) -> {
                    if (e.retired) {
                        // Retired while the request was out: its answer no longer matters to anyone.
                        if (first != null) {
                            first.trySuccess(null);
                        }
                        return;
                    }
                    if (!f.isSuccess()) {
                        failed(e, null, url + ": " + f.cause().getMessage());
                    } else {
                        accept(e, f.getNow());
                    }
                    if (first != null) {
                        first.trySuccess(null);
                    }
                });
    }

    private void accept(Entry e, byte[] der) {
        Instant now = verification.now();
        OcspStatus s = verification.verifier().verify(der, e.cert, e.issuer, null, now, OcspStatus.Source.RESOLVER);
        if (s.isGood()) {
            accept(e, der, s, false);
            share(e, der, s, now);
            return;
        }
        if (s.isHardFailure()) {
            // A revoked or unknown certificate must not go on being stapled as good, not even after a restart.
            e.staple = null;
            e.status = s;
            forgetPersisted(e);
        }
        failed(e, s, s.toString());
    }

    /** Staples a verified good response from now on and schedules its refresh. */
    private void accept(Entry e, byte[] der, OcspStatus s, boolean fromStore) {
        Instant now = verification.now();
        boolean first = e.status == null || !e.status.isGood();
        e.staple = der;
        e.status = s;
        e.backoff = FIRST_RETRY;
        persist(e, der);
        verification.cache().put(OcspCertId.of(e.cert, e.issuer).key(), s);
        emit(OcspStaplerEvent.fetched(first, e.cert, s, fromStore));
        schedule(e, refreshDelay(s, now));
    }

    /** Hands a response this instance fetched to the fleet's store, until it stops being current. */
    private void share(Entry e, byte[] der, OcspStatus s, Instant now) {
        if (store == null || s.validUntil() == null || !s.validUntil().isAfter(now)) {
            return;
        }
        try {
            store.put(e.key, der, Duration.between(now, s.validUntil())).whenComplete((ok, error) -> {
                if (error != null) {
                    emit(OcspStaplerEvent.failed(e.cert, s, true, TlsErrorCode.CONNECTION_FAILED,
                            "staple store: cannot share the response: " + error));
                }
            });
        } catch (RuntimeException ex) {
            emit(OcspStaplerEvent.failed(e.cert, s, true, TlsErrorCode.CONNECTION_FAILED, "staple store: cannot share the response: " + ex));
        }
    }

    /** Half the validity, never past the responder certificate's expiry, at least {@link #MIN_REFRESH}. */
    private Duration refreshDelay(OcspStatus s, Instant now) {
        Duration d = Duration.between(now, refreshAt(s, now));
        return d.compareTo(MIN_REFRESH) < 0 ? MIN_REFRESH : d;
    }

    /** When a response is due for a refresh: half its validity, never past the responder certificate's expiry. */
    private static Instant refreshAt(OcspStatus s, Instant now) {
        Instant end = s.validUntil();
        Instant start = s.thisUpdate() != null && s.thisUpdate().isBefore(now) ? s.thisUpdate() : now;
        Instant at = start.plus(Duration.between(start, end).dividedBy(2));
        if (s.signerNotAfter() != null && s.signerNotAfter().isBefore(at)) {
            at = s.signerNotAfter();
        }
        return at;
    }

    private void failed(Entry e, OcspStatus status, String why) {
        TlsErrorCode code = status == null ? TlsErrorCode.CONNECTION_FAILED
                : status.result() == OcspStatus.Result.REVOKED ? TlsErrorCode.REVOKED : TlsErrorCode.OCSP_RESPONSE_INVALID;
        emit(OcspStaplerEvent.failed(e.cert, status, false, code, why));
        Duration wait = e.backoff;
        e.backoff = wait.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait.multipliedBy(2);
        schedule(e, wait);
    }

    private void schedule(Entry e, Duration delay) {
        if (closed || e.retired) {
            return;
        }
        e.pending = timer.schedule(loop, () -> fetch(e, null), delay);
    }

    private void emit(OcspStaplerEvent event) {
        if (listener != null) {
            try {
                listener.accept(event);
            } catch (RuntimeException ignored) {
                // A listener's failure must not stop the refreshes.
            }
        }
    }

    private Path persistedFile(Entry e) {
        try {
            return folder.resolve(Fingerprint.of(e.cert).replace('$', '-') + ".ocsp.der");
        } catch (TlsException ex) {
            return folder.resolve(e.cert.getSerialNumber().toString(16) + ".ocsp.der");
        }
    }

    private void persist(Entry e, byte[] der) {
        if (folder == null) {
            return;
        }
        try {
            Files.createDirectories(folder);
            Path tmp = Files.createTempFile(folder, "ocsp", ".tmp");
            Files.write(tmp, der);
            Files.move(tmp, persistedFile(e), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            emit(OcspStaplerEvent.failed(e.cert, e.status, false, TlsErrorCode.BAD_INPUT, "cannot persist the response: " + ex));
        }
    }

    private void forgetPersisted(Entry e) {
        if (folder == null) {
            return;
        }
        try {
            Files.deleteIfExists(persistedFile(e));
        } catch (IOException ex) {
            emit(OcspStaplerEvent.failed(e.cert, e.status, false, TlsErrorCode.BAD_INPUT,
                    "cannot delete the persisted response of a certificate no longer good: " + ex));
        }
    }

    private void loadPersisted(Entry e) {
        if (folder == null) {
            return;
        }
        Path file = persistedFile(e);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            byte[] der = Files.readAllBytes(file);
            OcspStatus s = verification.verifier().verify(der, e.cert, e.issuer, null, verification.now(),
                    OcspStatus.Source.RESOLVER);
            if (s.isGood()) {
                e.staple = der;
                e.status = s;
            }
        } catch (IOException ex) {
            emit(OcspStaplerEvent.failed(e.cert, null, false, TlsErrorCode.BAD_INPUT, "cannot read " + file + ": " + ex));
        }
    }

    /** Stops refreshing. */
    @Override
    public void close() {
        closed = true;
        loop.execute(() -> {
            for (Entry e : entries) {
                if (e.pending != null) {
                    e.pending.cancel(false);
                }
            }
        });
    }

    /**
     * Builds an {@link OcspStapler}: the certificates to staple, where to persist responses, and who hears
     * about fetches.
     */
    public static final class Builder {
        private final EventLoopGroup group;
        private final List<List<X509Certificate>> chains = new ArrayList<>();
        private Class<? extends Channel> channelType = NioSocketChannel.class;
        private OcspClientConfig verification;
        private URI responderUrl;
        private Path folder;
        private Consumer<OcspStaplerEvent> listener;
        private Timer timer = EVENT_LOOP_TIMER;
        private OcspStapleStore store;

        private Builder(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
        }

        /**
         * A certificate the server presents, followed by its issuer (a server's usual chain); repeatable.
         *
         * @param chain a certificate followed by its issuer
         * @return this builder
         */
        public Builder certificate(List<X509Certificate> chain) {
            chains.add(List.copyOf(chain));
            return this;
        }

        /**
         * The channel class for the HTTP requests, matching the group's transport; NIO by default.
         *
         * @param type the channel class
         * @return this builder
         */
        public Builder channelType(Class<? extends Channel> type) {
            this.channelType = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * How responses are verified before use (skew, maximum age, size, trusted responders, timeout).
         *
         * @param config the verification settings
         * @return this builder
         */
        public Builder verification(OcspClientConfig config) {
            this.verification = Objects.requireNonNull(config, "config");
            return this;
        }

        /**
         * Ask this responder instead of each certificate's own.
         *
         * @param url the responder's URL
         * @return this builder
         */
        public Builder responderUrl(URI url) {
            this.responderUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /**
         * Keep good responses in this folder and start from them.
         *
         * @param folder the folder
         * @return this builder
         */
        public Builder persistTo(Path folder) {
            this.folder = Objects.requireNonNull(folder, "folder");
            return this;
        }

        /**
         * Hears every fetch, refresh and failure (on an event loop of the stapler's group: do not block).
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Consumer<OcspStaplerEvent> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Shares responses with the other servers of a fleet through {@code store}: see
         * {@link OcspStapleStore} for what is read, claimed and written, and when.
         *
         * @param store the fleet's store
         * @return this builder
         */
        public Builder store(OcspStapleStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        Builder timer(Timer timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /**
         * Checks the certificates, loads the persisted responses that are still good (so that
         * handshakes get a staple as soon as this returns, even with the responder down), and
         * starts the first fetches.
         *
         * @return the running stapler
         * @throws TlsException for a chain without its issuer or a certificate naming no responder
         */
        public OcspStapler start() throws TlsException {
            OcspStapler s = new OcspStapler(this, group.next());
            for (Entry e : s.entries) {
                s.loadPersisted(e);
            }
            List<Entry> first = s.entries;
            s.loop.execute(() -> s.fetchFirst(first, s.firstRound));
            return s;
        }
    }
}
