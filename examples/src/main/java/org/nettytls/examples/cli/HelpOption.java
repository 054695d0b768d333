package org.nettytls.examples.cli;

import picocli.CommandLine.Option;

/**
 * {@code -h/--help} for every command. Not picocli's standard mixin: that also claims
 * {@code --version}, which {@code probe} needs for the protocol versions (SSL_version).
 */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;
}
