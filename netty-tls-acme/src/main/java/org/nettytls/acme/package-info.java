/**
 * Certificates that manage themselves (module netty-tls-acme): {@link org.nettytls.acme.AcmeCertificates}
 * orders certificates from an ACME server (RFC 8555) on acme4j, answers its tls-alpn-01 (RFC 8737,
 * through {@code SniCertSelector}) or http-01 challenges, keeps account key, keys and chains on disk,
 * and renews at the server's ARI window (RFC 9773) or at two thirds of the lifetime, swapping the
 * new certificate in through {@code SniReloader}. No handshake waits on ACME: all of it runs on its
 * own thread, and a failed renewal keeps the certificate in service.
 */
package org.nettytls.acme;
