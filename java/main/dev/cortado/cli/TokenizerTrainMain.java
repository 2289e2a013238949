package dev.cortado.cli;

import dev.cortado.CortadoException;
import picocli.CommandLine;

/**
 * {@code cortado tokenizer train} without the rest of the command tree: the launcher starts this
 * class for that one command. Building {@link Main}'s tree makes picocli reflect over every
 * subcommand (~0.3 s of a 1.2 s run on an 8 MB corpus); this builds only the train command. Same
 * options, output and exit codes as {@code cortado tokenizer train}: a {@link CortadoException}
 * becomes {@code cortado: <message>} and exit status 2.
 */
public final class TokenizerTrainMain {
    private TokenizerTrainMain() {}

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TokenizerCommand.Train());
        cl.setCommandName("cortado tokenizer train");
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof CortadoException) {
                cmd.getErr().println("cortado: " + ex.getMessage());
                cmd.getErr().flush();
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
