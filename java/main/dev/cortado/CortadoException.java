package dev.cortado;

/**
 * A problem the user can act on: a bad or missing file, an unsupported option, a shape that does
 * not fit. The message names the file (or option) and the problem in one line; the CLI prints it as
 * {@code cortado: <message>} and exits with status 2. Programming errors stay ordinary exceptions.
 */
public class CortadoException extends RuntimeException {
    public CortadoException(String message) {
        super(message);
    }

    public CortadoException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem with one file: the message reads {@code <file>: <problem>}. */
    public static CortadoException inFile(Object file, String problem) {
        return new CortadoException(file + ": " + problem);
    }
}
