package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Gate for tests that drive a real peer (openssl, gnutls-cli, perl with IO::Socket::SSL, curl,
 * swaks, lftp, tshark, nginx, haproxy, redis-server, pebble). A missing peer skips the test with a
 * message naming the Debian package to install, and {@link MissingPeers} prints one line per
 * missing peer at the end of the build; with {@code -Dnetty-tls.interop=required} (as
 * {@code .ci/run} sets) a missing peer fails the test instead.
 */
public final class Interop {
    /** The Debian package that provides each program the tests drive. */
    private static final Map<String, String> PACKAGES = Map.ofEntries(
            Map.entry("openssl", "openssl"),
            Map.entry("gnutls-cli", "gnutls-bin"),
            Map.entry("gnutls-serv", "gnutls-bin"),
            Map.entry("certtool", "gnutls-bin"),
            Map.entry("perl", "perl"),
            Map.entry("curl", "curl"),
            Map.entry("swaks", "swaks"),
            Map.entry("lftp", "lftp"),
            Map.entry("tshark", "tshark"),
            Map.entry("dumpcap", "tshark"),
            Map.entry("nginx", "nginx"),
            Map.entry("haproxy", "haproxy"),
            Map.entry("redis-server", "redis-server"),
            Map.entry("redis-cli", "redis-tools"),
            Map.entry("pebble", "pebble"),
            Map.entry("pebble-challtestsrv", "pebble"),
            Map.entry("stdbuf", "coreutils"));

    private Interop() {
    }

    public static boolean required() {
        return "required".equals(System.getProperty("netty-tls.interop"));
    }

    /** The Debian package that provides {@code program}, or null when the tests do not know it. */
    static String debianPackage(String program) {
        return PACKAGES.get(program);
    }

    /** Returns the absolute path of {@code program}, or skips (or fails, when required) the test. */
    public static String require(String program) {
        String found = which(program);
        if (found == null) {
            String pkg = debianPackage(program);
            missing("peer '" + program + "'", pkg != null ? "apt-get install " + pkg : "install the package that provides " + program, "");
        }
        return found;
    }

    /** Skips (or fails) unless {@code perl -MIO::Socket::SSL} works; returns perl's path. */
    public static String requirePerlIoSocketSsl() {
        String perl = require("perl");
        Processes.Result r = perl(perl, "-MIO::Socket::SSL", "-e", "1");
        if (r.exit != 0) {
            missing("peer Perl IO::Socket::SSL", "apt-get install libio-socket-ssl-perl libnet-ssleay-perl", r.output());
        }
        return perl;
    }

    /**
     * Skips (or fails) unless IO::Socket::SSL can convert an international name, which its
     * public-suffix and hostname code needs: it takes the IDNA code from {@code URI} (Debian's
     * {@code liburi-perl}, only "recommended" by libio-socket-ssl-perl). Returns perl's path.
     */
    public static String requirePerlIdna() {
        String perl = requirePerlIoSocketSsl();
        Processes.Result r = perl(perl, "-MIO::Socket::SSL", "-e",
                "my $a = IO::Socket::SSL::idn_to_ascii(qq(b\\x{fc}cher.example)); die qq(got '$a'\\n) unless $a eq 'xn--bcher-kva.example'");
        if (r.exit != 0) {
            missing("Perl IO::Socket::SSL's IDNA library (URI::_idna)", "apt-get install liburi-perl", r.output());
        }
        return perl;
    }

    private static Processes.Result perl(String perl, String... args) {
        List<String> command = new ArrayList<>(List.of(perl));
        command.addAll(List.of(args));
        return Processes.run(null, Duration.ofSeconds(30), null, command);
    }

    /**
     * Fails the test when interop is required, else skips it and records the peer for
     * {@link MissingPeers}; {@code install} says how to get it, {@code said} is what the failed
     * check printed, if anything.
     */
    private static void missing(String what, String install, String said) {
        missing(what, install, said, required(), MissingPeers::record);
    }

    static void missing(String what, String install, String said, boolean required, Consumer<String> record) {
        String msg = what + " is missing: " + install + (said.isBlank() ? "" : " (it said: " + said.strip() + ")");
        if (required) {
            fail(msg + "; -Dnetty-tls.interop=required is set");
        }
        record.accept(what + " is missing: " + install);
        assumeTrue(false, msg);
    }

    static String which(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, program);
            if (f.isFile() && f.canExecute()) {
                return f.getAbsolutePath();
            }
        }
        return null;
    }
}
