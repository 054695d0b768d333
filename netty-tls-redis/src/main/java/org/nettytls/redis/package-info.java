/**
 * A fleet's shared state in Redis (module netty-tls-redis, through Lettuce):
 * {@link org.nettytls.redis.RedisFleet} connects, {@link org.nettytls.redis.RedisTicketKeys} shares
 * session ticket keys with staged rotation, its staple store shares OCSP staples, and
 * {@link org.nettytls.redis.RedisFleetMetrics} reports the fleet's health.
 */
package org.nettytls.redis;
