/**
 * netty-tls-redis: a fleet's session ticket keys and OCSP staples in Redis, through Lettuce.
 * Start at {@link org.nettytls.redis.RedisFleet}. Micrometer is needed only for
 * {@link org.nettytls.redis.RedisFleetMetrics}.
 */
module org.nettytls.redis {
    requires transitive org.nettytls;
    requires transitive org.nettytls.ocsp;
    requires lettuce.core;
    requires static transitive micrometer.core;

    exports org.nettytls.redis;
}
