/**
 * netty-tls-metrics: netty-tls in Micrometer. Start at {@link org.nettytls.metrics.TlsMetrics}.
 */
module org.nettytls.metrics {
    requires transitive org.nettytls;
    requires transitive org.nettytls.ocsp;
    requires transitive micrometer.core;

    exports org.nettytls.metrics;
}
