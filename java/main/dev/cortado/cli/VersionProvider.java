package dev.cortado.cli;

import dev.cortado.kernels.Cuda;
import dev.cortado.kernels.Kernels;
import picocli.CommandLine;

/** {@code cortado --version}: the version, the JVM, the kernels' instruction set and CUDA. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        String cpu;
        try {
            Kernels.load();
            cpu = "CPU kernels: " + Kernels.isa() + " (best on this CPU: " + Kernels.bestIsa() + "), "
                    + Kernels.threads() + " threads";
        } catch (Throwable t) {
            cpu = "CPU kernels: failed to load (" + t.getMessage() + ")";
        }
        return new String[] {
            "cortado " + (v == null ? "dev" : v),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            cpu,
            Cuda.describe(),
        };
    }
}
