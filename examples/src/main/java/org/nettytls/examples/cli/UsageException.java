package org.nettytls.examples.cli;

/**
 * A command line the user has to correct: options that do not go together, or a value that a
 * command checks itself. {@link Main} prints it as it prints what picocli refuses while parsing,
 * {@code error: COMMAND: MESSAGE [usage]}, and exits with {@link Main#USAGE}. Not a
 * {@code TlsException}: nothing about TLS went wrong, and no {@code TlsErrorCode} fits.
 */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code message}: what is wrong and what was expected, naming the option. */
    UsageException(String message) {
        super(message);
    }

    /** {@code OPTION: PROBLEM}. */
    static UsageException of(String option, String problem) {
        return new UsageException(option + ": " + problem);
    }
}
