package dev.cortado.cli;

import picocli.CommandLine;

/**
 * {@code cortado tokenizer train} without the rest of the command tree: the launcher starts this
 * class for that one command. Building {@link Main}'s tree makes picocli reflect over every
 * subcommand (~0.06–0.1 s of a ~1 s run on an 8 MB corpus); this builds only the train command. Same
 * options, output and exit codes as {@code cortado tokenizer train} ({@link Main#oneLineError}).
 */
public final class TokenizerTrainMain {
    private TokenizerTrainMain() {}

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new TokenizerCommand.Train());
        cl.setCommandName("cortado tokenizer train");
        cl.setExecutionExceptionHandler(Main::oneLineError);
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
