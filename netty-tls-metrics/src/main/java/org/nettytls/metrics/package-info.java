/**
 * netty-tls in Micrometer (module netty-tls-metrics): {@link org.nettytls.metrics.TlsMetrics} is a
 * {@code MeterBinder} and a {@code TlsObserver} that counts and times handshakes, SNI selections,
 * STARTTLS, OCSP, and certificate expiry.
 */
package org.nettytls.metrics;
