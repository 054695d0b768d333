/**
 * Certificates, keys and CAs: the one loader for PEM, DER and PKCS#12
 * ({@link org.nettytls.cert.CertificateLoader}, the home of {@code SSL_cert_file},
 * {@code SSL_key_file} and {@code SSL_passwd_cb}), trusted CA sets ({@link org.nettytls.cert.CaStore}:
 * {@code SSL_ca_file}, {@code SSL_ca_path}, {@code default_ca}), certificate fields and fingerprints
 * as IO::Socket::SSL::Utils reports them, and a test PKI that is good enough to ship
 * ({@link org.nettytls.cert.HeldCertificate}).
 */
package org.nettytls.cert;
