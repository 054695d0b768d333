package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;

/**
 * Gate for tests that drive a real peer (openssl, gnutls-cli, perl with IO::Socket::SSL, curl,
 * swaks, lftp). A missing peer skips the test with a message, unless the build runs with
 * {@code -Dnetty-tls.interop=required} (as {@code .ci/run} does), when it fails the test.
 */
public final class Interop {
    private Interop() {
    }

    public static boolean required() {
        return "required".equals(System.getProperty("netty-tls.interop"));
    }

    /** Returns the absolute path of {@code program}, or skips (or fails, when required) the test. */
    public static String require(String program) {
        String found = which(program);
        if (found == null) {
            String msg = "peer '" + program + "' is not installed (apt-get install it; .ci/run does)";
            if (required()) {
                fail(msg + " and -Dnetty-tls.interop=required is set");
            }
            // Skips, with the reason, only when interop is optional.
            assumeTrue(false, msg);
        }
        return found;
    }

    /** Skips (or fails) unless {@code perl -MIO::Socket::SSL} works; returns perl's path. */
    public static String requirePerlIoSocketSsl() {
        String perl = require("perl");
        boolean ok;
        try {
            Process p = new ProcessBuilder(perl, "-MIO::Socket::SSL", "-e", "1").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor() == 0;
        } catch (Exception e) {
            ok = false;
        }
        if (!ok) {
            String msg = "Perl module IO::Socket::SSL is not installed (apt-get install libio-socket-ssl-perl)";
            if (required()) {
                fail(msg + " and -Dnetty-tls.interop=required is set");
            }
            assumeTrue(false, msg);
        }
        return perl;
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
