package org.nettytls.examples.cli;

import picocli.CommandLine.Option;

/**
 * The servers' switch for certificate compression (RFC 8879), which netty-tls offers by default:
 * a client that offers brotli or zlib gets the certificate compressed.
 */
final class CertCompressionOption {
    @Option(names = "--no-cert-compression", description = "Never send the certificate compressed (RFC 8879; on by default "
            + "for clients that offer brotli or zlib).")
    boolean off;
}
