package dev.cortado.cli;

import dev.cortado.CortadoException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cortado}: the one launcher. Each subcommand is a small class in this package; they parse,
 * call the library and print. A {@link CortadoException} becomes {@code cortado: <message>} and
 * exit status 2.
 */
@Command(name = "cortado",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Tokenizers and large language models in Java, on hand-written C++ and CUDA kernels.",
        subcommands = {InspectCommand.class, ConvertCommand.class, QuantizeCommand.class,
            TokenizeCommand.class,
            TokenizerCommand.class,
            GenerateCommand.class,
            ChatCommand.class,
            LogitsCommand.class,
            LoraCommand.class,
            FinetuneCommand.class,
            PretrainCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::oneLineError);
        return cl;
    }

    /** A {@link CortadoException} becomes one line {@code cortado: <message>} and exit status 2. */
    static int oneLineError(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (ex instanceof CortadoException) {
            cmd.getErr().println("cortado: " + ex.getMessage());
            cmd.getErr().flush();
            return 2;
        }
        throw ex;
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        System.exit(code);
    }
}
