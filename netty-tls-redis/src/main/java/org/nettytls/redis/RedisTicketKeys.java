package org.nettytls.redis;

import io.lettuce.core.ScriptOutputType;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.nettytls.session.TicketKey;
import org.nettytls.session.TicketKeySource;

/**
 * Session ticket keys shared by a fleet through Redis, so that a ticket issued by one server
 * resumes on any other, across rotations, with no full handshake.
 *
 * <ul>
 * <li><b>One ring, in one Redis key</b> ({@code PREFIX ticket-keys}): the keys, newest first,
 *     each with the time it starts encrypting. Every instance reads it every
 *     {@link Settings#poll()} on a thread of its own and hands BoringSSL the keys held in memory,
 *     so {@link #ticketKeys()} (asked on the event loop for every connection) never touches Redis.
 * <li><b>One rotator</b>: the instance holding the lease ({@code PREFIX ticket-keys:lease}, taken
 *     with {@code SET NX PX} semantics and renewed by its holder in a script) adds a new key every
 *     {@link Settings#rotation()}, with a compare-and-set on the ring, so exactly one rotates at a
 *     time and a lost lease never forks the ring.
 * <li><b>Staged keys</b>: a new key starts encrypting only {@link Settings#staging()} after it was
 *     added (three polls by default); meanwhile every instance already decrypts with it. A ticket
 *     the first instance issues under it therefore resumes everywhere. {@link Settings#keep()}
 *     older keys go on decrypting.
 * <li><b>Redis away</b>: the keys in memory go on serving; when the newest is older than
 *     {@code rotation + localRotationAfter}, this instance rotates on its own (counted in
 *     {@link RedisFleet#localRotations()}). When Redis returns, the fleet's ring takes over
 *     again and the local keys stay for decryption until they age out; a Redis that lost its
 *     data is seeded again with the ring in memory, so the fleet keeps its keys.
 * </ul>
 *
 * <p><b>Please note:</b> the keys are secrets (see {@link RedisFleet}). Turn TLS 1.2 tickets on
 * with the source ({@code TlsServerOptions.Builder.ticketKeys} does); TLS 1.3 uses them anyway.
 */
public final class RedisTicketKeys implements TicketKeySource, AutoCloseable {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(RedisTicketKeys.class);
    private static final String MAGIC = "netty-tls-ticket-keys v1";
    /** Takes or renews the lease: 1 when the caller holds it afterwards. */
    private static final String LEASE = "local v = redis.call('GET', KEYS[1]) "
            + "if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
            + "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end return 0";
    /** Compare-and-set of the ring: 1 when it held ARGV[1] (nothing, for an empty ARGV[1]) and now holds ARGV[2]. */
    private static final String CAS = "local v = redis.call('GET', KEYS[1]) "
            + "if (not v and ARGV[1] == '') or v == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

    /** How often the ring is read, how often it rotates, and how much is kept. Immutable. */
    public static final class Settings {
        /** Rotate hourly, keep three older keys, read every ten seconds. */
        public static final Settings DEFAULTS = builder().build();

        private final Duration rotation;
        private final int keep;
        private final Duration poll;
        private final Duration staging;
        private final Duration localRotationAfter;
        private final Duration startWait;

        private Settings(Builder b) {
            this.rotation = b.rotation;
            this.keep = b.keep;
            this.poll = b.poll;
            this.staging = b.staging != null ? b.staging : b.poll.multipliedBy(3);
            this.localRotationAfter = b.localRotationAfter != null ? b.localRotationAfter : b.rotation;
            this.startWait = b.startWait;
        }

        /**
         * A builder starting from {@link #DEFAULTS}.
         *
         * @return a new builder
         */
        public static Builder builder() {
            return new Builder();
        }

        /**
         * How long each key encrypts before the next takes over.
         *
         * @return the rotation period
         */
        public Duration rotation() {
            return rotation;
        }

        /**
         * How many older keys still decrypt.
         *
         * @return the number of retired keys kept
         */
        public int keep() {
            return keep;
        }

        /**
         * How often each instance reads the ring.
         *
         * @return the poll period
         */
        public Duration poll() {
            return poll;
        }

        /**
         * How long a new key only decrypts before it encrypts, so every instance has it before a ticket needs
         * it.
         *
         * @return the staging period
         */
        public Duration staging() {
            return staging;
        }

        /**
         * How long past a rotation that did not come (Redis away) an instance rotates alone.
         *
         * @return the grace period
         */
        public Duration localRotationAfter() {
            return localRotationAfter;
        }

        /**
         * How long {@code start} waits for Redis before serving with a key of its own.
         *
         * @return the start wait
         */
        public Duration startWait() {
            return startWait;
        }

        /** Builds {@link Settings}; every value starts at its default. */
        public static final class Builder {
            private Duration rotation = Duration.ofHours(1);
            private int keep = 3;
            private Duration poll = Duration.ofSeconds(10);
            private Duration staging;
            private Duration localRotationAfter;
            private Duration startWait = Duration.ofSeconds(2);

            private Builder() {
            }

            /**
             * How long each key encrypts before the next takes over (1 hour by default).
             *
             * @param d the rotation period
             * @return this builder
             */
            public Builder rotation(Duration d) {
                this.rotation = positive(d, "rotation");
                return this;
            }

            /**
             * How many older keys still decrypt (3 by default): cover the server's session timeout
             * ({@code rotation * keep} at least), or older tickets mean full handshakes.
             *
             * @param keys the number of older keys
             * @return this builder
             */
            public Builder keep(int keys) {
                if (keys < 0) {
                    throw new IllegalArgumentException("keep must not be negative: " + keys);
                }
                this.keep = keys;
                return this;
            }

            /**
             * How often each instance reads the ring (10 s by default).
             *
             * @param d the poll period
             * @return this builder
             */
            public Builder poll(Duration d) {
                this.poll = positive(d, "poll");
                return this;
            }

            /**
             * How long a new key only decrypts before it encrypts (three polls by default).
             *
             * @param d the staging period
             * @return this builder
             */
            public Builder staging(Duration d) {
                this.staging = positive(d, "staging");
                return this;
            }

            /**
             * How long past a rotation that did not come (Redis away) an instance rotates alone (one rotation by
             * default).
             *
             * @param d the grace period
             * @return this builder
             */
            public Builder localRotationAfter(Duration d) {
                this.localRotationAfter = positive(d, "localRotationAfter");
                return this;
            }

            /**
             * How long {@code start} waits for Redis before serving with a key of its own (2 s by default).
             *
             * @param d the wait
             * @return this builder
             */
            public Builder startWait(Duration d) {
                this.startWait = Objects.requireNonNull(d, "startWait");
                return this;
            }

            /**
             * The settings, immutable.
             *
             * @return the settings
             * @throws IllegalArgumentException when staging is not shorter than the rotation period
             */
            public Settings build() {
                Settings s = new Settings(this);
                if (s.staging.compareTo(s.rotation) >= 0) {
                    throw new IllegalArgumentException("staging (" + s.staging + ") must be shorter than rotation ("
                            + s.rotation + ")");
                }
                return s;
            }

            private static Duration positive(Duration d, String what) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException(what + " must be positive: " + d);
                }
                return d;
            }
        }
    }

    /** A key and when it starts encrypting (epoch milliseconds). */
    static final class Stamped {
        final TicketKey key;
        final long activateAt;

        Stamped(TicketKey key, long activateAt) {
            this.key = key;
            this.activateAt = activateAt;
        }
    }

    private final RedisFleet fleet;
    private final Settings settings;
    private final byte[] instance = UUID.randomUUID().toString().getBytes(StandardCharsets.US_ASCII);
    private volatile List<TicketKey> keys;
    /** The ring as last read from Redis, newest first; only the refresh thread touches these. */
    private List<Stamped> ring = List.of();
    private final List<Stamped> local = new ArrayList<>();
    private boolean fleetUp;
    private ScheduledFuture<?> task;

    private RedisTicketKeys(RedisFleet fleet, Settings settings) {
        this.fleet = fleet;
        this.settings = settings;
    }

    static RedisTicketKeys start(RedisFleet fleet, Settings settings) {
        RedisTicketKeys k = new RedisTicketKeys(Objects.requireNonNull(fleet, "fleet"), Objects.requireNonNull(settings, "settings"));
        long deadline = System.nanoTime() + settings.startWait.toNanos();
        while (!fleet.available() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        k.refresh();
        long poll = settings.poll.toMillis();
        k.task = fleet.scheduler().scheduleWithFixedDelay(k::refreshQuietly, poll, poll, TimeUnit.MILLISECONDS);
        return k;
    }

    @Override
    public List<TicketKey> ticketKeys() {
        return keys;
    }

    /** {@return whether the keys now served are the fleet's (the last read of Redis worked)} */
    public synchronized boolean shared() {
        return fleetUp;
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            logger.warn("ticket keys: refresh failed: {}", e.toString());
        }
    }

    /** Reads (and, as the rotator, rotates) the ring, then publishes the keys in memory. */
    synchronized void refresh() {
        long now = System.currentTimeMillis();
        try {
            byte[] raw = call(() -> fleet.run(r -> r.get(fleet.key("ticket-keys"))));
            if (raw == null || parse(raw).isEmpty()) {
                // Empty Redis (first start, or it lost its data): seed it with what this instance holds.
                List<Stamped> seed = !ring.isEmpty() ? ring : List.of(new Stamped(TicketKey.random(), now));
                cas(raw, serialize(seed));
                raw = call(() -> fleet.run(r -> r.get(fleet.key("ticket-keys"))));
            }
            List<Stamped> read = raw == null ? List.of() : parse(raw);
            if (!read.isEmpty() && leader()) {
                Stamped newest = read.get(0);
                long staging = settings.staging.toMillis();
                if (newest.activateAt + settings.rotation.toMillis() - staging <= now) {
                    List<Stamped> rotated = new ArrayList<>();
                    rotated.add(new Stamped(TicketKey.random(), Math.max(now + staging,
                            newest.activateAt + settings.rotation.toMillis())));
                    rotated.addAll(read);
                    byte[] next = serialize(trim(rotated, now));
                    if (cas(raw, next)) {
                        fleet.fleetRotations.incrementAndGet();
                        raw = next;
                        read = parse(next);
                    }
                }
            }
            if (!read.isEmpty()) {
                ring = read;
                fleetUp = true;
            }
        } catch (Exception e) {
            fleetUp = false;
            long newest = newestActivation(now);
            if (newest == Long.MIN_VALUE || now - newest >= settings.rotation.plus(settings.localRotationAfter).toMillis()) {
                local.add(0, new Stamped(TicketKey.random(), now));
                fleet.localRotations.incrementAndGet();
            }
        }
        publish(now);
    }

    private long newestActivation(long now) {
        long newest = Long.MIN_VALUE;
        for (Stamped s : ring) {
            if (s.activateAt <= now) {
                newest = Math.max(newest, s.activateAt);
            }
        }
        for (Stamped s : local) {
            newest = Math.max(newest, s.activateAt);
        }
        return newest;
    }

    /** The keys for BoringSSL: the one that encrypts first, then every other that decrypts. */
    private void publish(long now) {
        long retire = settings.rotation.multipliedBy(settings.keep + 1L).plus(settings.localRotationAfter).toMillis();
        local.removeIf(s -> now - s.activateAt > retire);
        Stamped encrypting = null;
        for (Stamped s : ring) {
            if (s.activateAt <= now) {
                encrypting = s;
                break;
            }
        }
        if (!fleetUp && !local.isEmpty() && (encrypting == null || local.get(0).activateAt > encrypting.activateAt)) {
            encrypting = local.get(0);
        }
        if (encrypting == null) {
            encrypting = !ring.isEmpty() ? ring.get(ring.size() - 1) : local.get(0);
        }
        List<TicketKey> out = new ArrayList<>();
        out.add(encrypting.key);
        for (Stamped s : ring) {
            if (s != encrypting) {
                out.add(s.key);
            }
        }
        for (Stamped s : local) {
            if (s != encrypting) {
                out.add(s.key);
            }
        }
        if (!out.equals(keys)) {
            keys = List.copyOf(out);
        }
    }

    /** The pending keys, the one encrypting now and {@code keep} older ones. */
    private List<Stamped> trim(List<Stamped> newestFirst, long now) {
        List<Stamped> out = new ArrayList<>();
        int older = -1;
        for (Stamped s : newestFirst) {
            if (s.activateAt > now) {
                out.add(s);
            } else if (older++ < settings.keep) {
                out.add(s);
            }
        }
        return out;
    }

    private boolean leader() throws Exception {
        long ttl = settings.poll.multipliedBy(3).toMillis();
        Long held = call(() -> fleet.run(r -> r.<Long>eval(LEASE, ScriptOutputType.INTEGER,
                new String[] {fleet.key("ticket-keys:lease")}, instance,
                Long.toString(ttl).getBytes(StandardCharsets.US_ASCII))));
        return held != null && held == 1L;
    }

    private boolean cas(byte[] expected, byte[] next) throws Exception {
        Long done = call(() -> fleet.run(r -> r.<Long>eval(CAS, ScriptOutputType.INTEGER,
                new String[] {fleet.key("ticket-keys")}, expected == null ? new byte[0] : expected, next)));
        return done != null && done == 1L;
    }

    private <T> T call(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> command) throws Exception {
        try {
            return command.get().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    static byte[] serialize(List<Stamped> ring) {
        HexFormat hex = HexFormat.of();
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        for (Stamped s : ring) {
            sb.append(s.activateAt).append(' ').append(hex.formatHex(s.key.name())).append(' ')
                    .append(hex.formatHex(s.key.secret())).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The ring in {@code raw}, newest first; empty when it is not one (another program's key, say). */
    static List<Stamped> parse(byte[] raw) {
        String[] lines = new String(raw, StandardCharsets.US_ASCII).split("\n");
        if (lines.length == 0 || !lines[0].equals(MAGIC)) {
            return List.of();
        }
        HexFormat hex = HexFormat.of();
        List<Stamped> out = new ArrayList<>();
        try {
            for (int i = 1; i < lines.length; i++) {
                String[] f = lines[i].split(" ");
                if (f.length == 3) {
                    out.add(new Stamped(TicketKey.of(hex.parseHex(f[1]), hex.parseHex(f[2])), Long.parseLong(f[0])));
                }
            }
        } catch (IllegalArgumentException e) {
            return List.of();
        }
        out.sort((a, b) -> Long.compare(b.activateAt, a.activateAt));
        return out;
    }

    /** Stops reading Redis; the keys in memory stay as they are. */
    @Override
    public void close() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    @Override
    public String toString() {
        List<TicketKey> k = keys;
        return "RedisTicketKeys(" + fleet.where() + ", " + (k == null ? 0 : k.size()) + " keys, encrypting "
                + (k == null || k.isEmpty() ? "none" : k.get(0).nameHex()) + (fleetUp ? "" : ", local") + ")";
    }
}
