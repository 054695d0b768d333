package org.nettytls.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.nettytls.TlsClientContext;
import org.nettytls.TlsClientOptions;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.ocsp.OcspStapleStore;

/**
 * A fleet's shared state in Redis, through Lettuce: the connection that {@link RedisTicketKeys}
 * and {@link RedisStapleStore} use, and its health.
 *
 * <pre>{@code
 * RedisFleet fleet = RedisFleet.builder("rediss://:secret@redis.internal:6380")
 *         .tls(TlsClientOptions.builder().caFile(Path.of("redis-ca.pem")).build())
 *         .build();
 * TlsServerOptions.builder()...ticketKeys(fleet.ticketKeys(RedisTicketKeys.Settings.DEFAULTS)).sessionTickets(true)
 * OcspStapler.builder(group)...store(fleet.stapleStore())
 * }</pre>
 *
 * <p><b>Secrets.</b> Session ticket keys are secrets: whoever reads them decrypts every session
 * they protect. Use {@code rediss://} (TLS) with a password (Redis {@code AUTH}) wherever the
 * network is not yours. TLS to Redis is netty-tls' own client TLS, installed on Lettuce's
 * channels by the one client install path: the Redis server's certificate is verified with the
 * {@link #builder tls} options (chain, name under their scheme, pins, OCSP...), exactly as an
 * application's peer would be.
 *
 * <p><b>Faults.</b> Nothing here ever makes a handshake wait on Redis: the fleet's state is read
 * into memory on threads of its own, and commands fail at once while Redis is unreachable
 * (Lettuce rejects them rather than queueing). When Redis is down at start or goes away, every
 * user of the fleet goes on with what it has in memory (and rotates ticket keys locally after a
 * bounded time); the outage is logged once when it starts and once when it ends, counted
 * ({@link #outages()}, {@link #errors()}, {@code RedisFleetMetrics}), and the fleet reconnects
 * by itself.
 */
public final class RedisFleet implements AutoCloseable {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(RedisFleet.class);
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisURI uri;
    private final String where;
    private final String prefix;
    private final Duration reconnectDelay;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService scheduler;
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private final AtomicBoolean connecting = new AtomicBoolean();
    /** Completes when the first connection attempt has ended, either way. */
    private final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();
    private final AtomicBoolean up = new AtomicBoolean(true);
    private volatile boolean everUp;
    private volatile boolean closed;
    private final AtomicLong outages = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    final AtomicLong fleetRotations = new AtomicLong();
    final AtomicLong localRotations = new AtomicLong();

    private RedisFleet(Builder b, RedisURI uri, TlsClientContext tls, String tlsHost, int tlsPort) {
        this.uri = uri;
        this.where = (tls != null ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
        this.prefix = b.prefix;
        this.reconnectDelay = b.reconnectDelay;
        DefaultClientResources.Builder rb = DefaultClientResources.builder().ioThreadPoolSize(1).computationThreadPoolSize(1);
        if (tls != null) {
            rb.nettyCustomizer(new NettyCustomizer() {
                @Override
                public void afterChannelInitialized(Channel channel) {
                    installTls(channel.pipeline(), tls, tlsHost, tlsPort);
                }
            });
        }
        this.resources = rb.build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // A command while Redis is away fails now instead of waiting in a queue.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(b.commandTimeout))
                .build());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "netty-tls-redis");
            t.setDaemon(true);
            return t;
        });
    }

    /** netty-tls' client TLS in front of Lettuce's handlers, with every check its options carry. */
    private static void installTls(ChannelPipeline pipeline, TlsClientContext tls, String host, int port) {
        try {
            String first = null;
            for (Map.Entry<String, ChannelHandler> e : pipeline) {
                first = e.getKey();
                break;
            }
            if (first == null) {
                tls.install(pipeline, host, port);
            } else {
                tls.installBefore(pipeline, first, host, port, host + ":" + port);
            }
        } catch (TlsException e) {
            pipeline.channel().close();
            throw new IllegalStateException("TLS to Redis: " + e.getMessage(), e);
        }
    }

    /**
     * A fleet at {@code uri}: {@code redis://[[user]:password@]host[:port][/db]} or
     * {@code rediss://...} for TLS (which needs {@link Builder#tls}).
     *
     * @param uri the Redis URI
     * @return a new builder
     */
    public static Builder builder(String uri) {
        return new Builder(uri);
    }

    /** Connects in the background; returns at once, whether Redis answers or not. */
    private void start() {
        connect();
    }

    private void connect() {
        if (closed || !connecting.compareAndSet(false, true)) {
            return;
        }
        client.connectAsync(CODEC, uri).whenComplete((c, error) -> {
            connecting.set(false);
            if (error != null) {
                down(error);
                firstAttempt.complete(null);
                if (!closed) {
                    scheduler.schedule(this::connect, reconnectDelay.toMillis(), TimeUnit.MILLISECONDS);
                }
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            connection = c;
            up();
            firstAttempt.complete(null);
        });
    }

    /**
     * Runs a command; the stage fails at once when Redis is not connected. Marks the fleet up or
     * down by the outcome.
     */
    <T> CompletionStage<T> run(Function<RedisAsyncCommands<String, byte[]>, CompletionStage<T>> command) {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c == null || closed) {
            CompletableFuture<T> f = new CompletableFuture<>();
            f.completeExceptionally(new TlsException(TlsErrorCode.CONNECTION_FAILED, "no connection to " + where));
            errors.incrementAndGet();
            return f;
        }
        CompletionStage<T> stage;
        try {
            stage = command.apply(c.async());
        } catch (RuntimeException e) {
            CompletableFuture<T> f = new CompletableFuture<>();
            f.completeExceptionally(e);
            stage = f;
        }
        return stage.whenComplete((v, error) -> {
            if (error == null) {
                up();
            } else {
                errors.incrementAndGet();
                down(error);
            }
        });
    }

    private void up() {
        everUp = true;
        if (up.compareAndSet(false, true)) {
            logger.info("fleet state: {} is back; sharing ticket keys and OCSP staples again", where);
        }
    }

    private void down(Throwable error) {
        if (up.compareAndSet(true, false)) {
            outages.incrementAndGet();
            Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            logger.warn("fleet state: {} unreachable ({}); serving with the ticket keys and staples in memory until it"
                    + " returns", where, cause.toString());
        }
    }

    /** {@return whether the last command (or connection attempt) reached Redis} */
    public boolean available() {
        return up.get() && connection != null && everUp;
    }

    /** {@return how many times Redis became unreachable (the first failed connection counts)} */
    public long outages() {
        return outages.get();
    }

    /** {@return how many commands failed} */
    public long errors() {
        return errors.get();
    }

    /** {@return how many ticket key rotations this instance made in Redis, as the fleet's rotator} */
    public long fleetRotations() {
        return fleetRotations.get();
    }

    /** {@return how many ticket key rotations this instance made on its own, while Redis was away} */
    public long localRotations() {
        return localRotations.get();
    }

    /** {@return where Redis is, for messages: {@code redis://host:port} (never the password)} */
    public String where() {
        return where;
    }

    String key(String name) {
        return prefix + name;
    }

    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /**
     * A ticket key source kept in this fleet's Redis; started (first read from Redis tried) before it returns.
     *
     * @param settings rotation, retention and polling
     * @return the started source
     */
    public RedisTicketKeys ticketKeys(RedisTicketKeys.Settings settings) {
        return RedisTicketKeys.start(this, settings);
    }

    /** {@return the fleet's OCSP staple store, for {@code OcspStapler.Builder.store}} */
    public OcspStapleStore stapleStore() {
        return new RedisStapleStore(this);
    }

    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "RedisFleet(" + where + (available() ? ", up" : ", down") + ")";
    }

    /** Builds a {@link RedisFleet}: where Redis is, how to reach it (TLS, password) and the key prefix. */
    public static final class Builder {
        private final String uri;
        private TlsClientOptions tls;
        private char[] password;
        private String prefix = "netty-tls:";
        private Duration commandTimeout = Duration.ofSeconds(2);
        private Duration reconnectDelay = Duration.ofSeconds(1);
        private Duration connectWait = Duration.ofSeconds(2);

        private Builder(String uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /**
         * The client options TLS to Redis is verified with (CA, name scheme, pins...): needed for
         * {@code rediss://}. The Redis server is checked as netty-tls checks any server.
         *
         * @param options the client options for Redis
         * @return this builder
         */
        public Builder tls(TlsClientOptions options) {
            this.tls = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Redis {@code AUTH} password, when the URI carries none (keep it out of command lines).
         *
         * @param password the password
         * @return this builder
         */
        public Builder password(char[] password) {
            this.password = Objects.requireNonNull(password, "password").clone();
            return this;
        }

        /**
         * Prefix of every key this fleet uses ({@code netty-tls:} by default): fleets sharing a Redis need their own.
         *
         * @param prefix the prefix
         * @return this builder
         */
        public Builder keyPrefix(String prefix) {
            this.prefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /**
         * How long a command may take before it counts as failed (2 s by default).
         *
         * @param timeout the timeout
         * @return this builder
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * How often a fleet that never reached Redis tries again (1 s by default).
         *
         * @param delay the delay
         * @return this builder
         */
        public Builder reconnectDelay(Duration delay) {
            this.reconnectDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /**
         * How long {@link #build()} waits for the first connection (2 s by default); Redis down at start costs no more.
         *
         * @param wait the wait
         * @return this builder
         */
        public Builder connectWait(Duration wait) {
            this.connectWait = Objects.requireNonNull(wait, "wait");
            return this;
        }

        /**
         * Builds the fleet and connects, waiting at most {@link #connectWait} (never on an event
         * loop: call it at start-up); reconnects in the background.
         *
         * @return the fleet, connected or reconnecting
         * @throws TlsException {@link TlsErrorCode#BAD_CONFIGURATION} for a URI that is not
         *         {@code redis://} or {@code rediss://}, or {@code rediss://} without {@link #tls}
         */
        public RedisFleet build() throws TlsException {
            RedisURI parsed;
            try {
                parsed = RedisURI.create(uri);
            } catch (RuntimeException e) {
                throw TlsException.badConfiguration("fleet", "'" + redact(uri) + "' is not a Redis URI: " + e.getMessage());
            }
            String scheme = uri.substring(0, Math.max(0, uri.indexOf(':'))).toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                throw TlsException.badConfiguration("fleet", "expected redis:// or rediss://, found '" + redact(uri) + "'");
            }
            TlsClientContext context = null;
            if (parsed.isSsl()) {
                if (tls == null) {
                    throw TlsException.badConfiguration("fleet", "rediss:// needs the TLS client options that verify the"
                            + " Redis server (its CA at least)");
                }
                context = TlsClientContext.create(tls);
                // TLS is netty-tls' own, put on the channel by the customizer: Lettuce speaks plaintext into it.
                parsed.setSsl(false);
            }
            if (password != null) {
                parsed.setAuthentication(password.clone());
            }
            RedisFleet fleet = new RedisFleet(this, parsed, context, parsed.getHost(), parsed.getPort());
            fleet.start();
            try {
                // Bounded: a fleet whose Redis is down starts anyway, and joins when it answers.
                fleet.firstAttempt.get(connectWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // Still connecting: the users of the fleet start from memory.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fleet;
        }

        private static String redact(String uri) {
            return uri.replaceAll("//[^@/]*@", "//***@");
        }
    }
}
