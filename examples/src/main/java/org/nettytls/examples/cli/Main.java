package org.nettytls.examples.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Properties;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.examples.HostPort;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code netty-tls} command line ({@code java -jar examples/target/netty-tls.jar}).
 *
 * <p>Exit status: {@value #OK} success, {@value #FAILURE} a verification or connection failure,
 * {@value #USAGE} a usage or input error. An error is one line on stderr,
 * {@code error: <message> [<code>]}; {@code --debug} adds the stack trace.
 *
 * <p>To add a command, write a {@code @Command} class and list it in {@code subcommands} below;
 * nothing else needs to change.
 */
@Command(name = "netty-tls", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "IO::Socket::SSL semantics on Netty: certificates, fingerprints and connection checks.",
        subcommands = {
            FingerprintCommand.class,
            CertCommand.class,
            ProbeCommand.class,
            VerifyHostnameCommand.class,
            DemoCommand.class,
            LineServerCommand.class,
            SmtpServerCommand.class,
            FtpServerCommand.class,
            ServeCommand.class,
            InterceptProxyCommand.class,
            CapabilitiesCommand.class,
        })
public final class Main {
    /** Success. */
    public static final int OK = 0;
    /** A verification or connection failure. */
    public static final int FAILURE = 1;
    /** A usage or input error. */
    public static final int USAGE = 2;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print the stack trace of an error.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line with the process's stdout and stderr and returns the exit status. */
    public static int run(String... args) {
        Charset cs = Charset.defaultCharset();
        return run(new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args);
    }

    /** Runs the command line writing to {@code out} and {@code err}, and returns the exit status. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.registerConverter(HostPort.class, Main::hostPort);
        cl.setParameterExceptionHandler((e, a) -> {
            CommandLine where = e.getCommandLine();
            String unknown = e instanceof CommandLine.MissingParameterException ? unknownOption(where, a) : null;
            // picocli checks required parameters before unknown options; a misspelt option is the better news.
            return usage(err, where, unknown != null ? "Unknown option: '" + unknown + "'" : e.getMessage(), e,
                    where.getParseResult());
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof UsageException) {
                return usage(err, c, e.getMessage(), e, parsed);
            }
            TlsException tls = TlsException.find(e);
            int status;
            if (tls != null) {
                err.println("error: " + sentence(tls.getMessage()) + " [" + tls.code().id() + "]");
                status = isInputError(tls.code()) ? USAGE : FAILURE;
            } else {
                // Not ours: say what it was, since its message alone may be empty or cryptic.
                err.println("error: " + sentence(e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage())) + " [unexpected]");
                status = FAILURE;
            }
            if (debugRequested(parsed)) {
                e.printStackTrace(err);
            }
            err.flush();
            return status;
        });
        int status = cl.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** A usage error, picocli's or a command's {@link UsageException}: one line naming the command, exit {@value #USAGE}. */
    private static int usage(PrintWriter err, CommandLine where, String message, Exception e, ParseResult parsed) {
        String prefix = where.getParent() == null ? "" : where.getCommandName() + ": ";
        err.println("error: " + prefix + sentence(message) + " [usage]");
        if (debugRequested(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return USAGE;
    }

    /** Every {@code HOST:PORT} option and parameter: the examples' one parser, its complaint as picocli's. */
    private static HostPort hostPort(String text) {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** The first word of {@code args} that looks like an option {@code where} (or the top command) does not know. */
    private static String unknownOption(CommandLine where, String[] args) {
        CommandLine top = where;
        while (top.getParent() != null) {
            top = top.getParent();
        }
        boolean valueNext = false;
        for (String arg : args) {
            if (valueNext) {
                valueNext = false;
                continue;
            }
            if (arg.equals("--")) {
                return null;
            }
            if (!arg.startsWith("-") || arg.length() < 2) {
                continue;
            }
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            CommandLine.Model.OptionSpec option = where.getCommandSpec().findOption(name);
            if (option == null) {
                option = top.getCommandSpec().findOption(name);
            }
            if (option == null) {
                return name;
            }
            valueNext = !arg.contains("=") && option.arity().min() > 0;
        }
        return null;
    }

    static boolean isInputError(TlsErrorCode code) {
        return code == TlsErrorCode.BAD_INPUT || code == TlsErrorCode.BAD_CONFIGURATION;
    }

    private static boolean debugRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** Keeps an error to one line, whatever a parser put into its message. */
    private static String sentence(String message) {
        return message == null ? "unknown error" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** {@code --version}: the version this command line was built as (examples/pom.xml fills it in). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"netty-tls " + version()};
        }

        static String version() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new FileNotFoundException("version.properties is not on the class path: a build without resources");
                }
                p.load(in);
            }
            return p.getProperty("version");
        }
    }
}
