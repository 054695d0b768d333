package org.nettytls.redis;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * A fleet's health in Micrometer (needs {@code micrometer-core}, an optional dependency of this
 * module): {@code tls.fleet.store.available} (1 while Redis answers), {@code tls.fleet.store.outages}
 * and {@code tls.fleet.store.errors} (counters), and {@code tls.fleet.ticket.rotations} by
 * {@code by} = {@code fleet} (rotations this instance made in Redis as the rotator) or
 * {@code local} (made alone while Redis was away). Tag {@code fleet} is the Redis address.
 */
public final class RedisFleetMetrics implements MeterBinder {
    private final RedisFleet fleet;

    /**
     * Meters for {@code fleet}; bind them with {@code bindTo(registry)}.
     *
     * @param fleet the fleet to watch
     */
    public RedisFleetMetrics(RedisFleet fleet) {
        this.fleet = Objects.requireNonNull(fleet, "fleet");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String where = fleet.where();
        Gauge.builder("tls.fleet.store.available", fleet, f -> f.available() ? 1 : 0)
                .description("1 while the fleet's Redis answers, 0 while instances serve from memory")
                .tag("fleet", where).strongReference(true).register(registry);
        FunctionCounter.builder("tls.fleet.store.outages", fleet, RedisFleet::outages)
                .description("times the fleet's Redis became unreachable").tag("fleet", where).register(registry);
        FunctionCounter.builder("tls.fleet.store.errors", fleet, RedisFleet::errors)
                .description("commands to the fleet's Redis that failed").tag("fleet", where).register(registry);
        FunctionCounter.builder("tls.fleet.ticket.rotations", fleet, RedisFleet::fleetRotations)
                .description("session ticket key rotations").tags("fleet", where, "by", "fleet").register(registry);
        FunctionCounter.builder("tls.fleet.ticket.rotations", fleet, RedisFleet::localRotations)
                .description("session ticket key rotations").tags("fleet", where, "by", "local").register(registry);
    }
}
