package dev.cortado.spark;

import dev.cortado.CortadoException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the Spark jobs share: the session, Hadoop paths and configuration, small writes to any file system. */
final class SparkJobs {
    private SparkJobs() {}

    /** The session: {@code master} when given (one machine: local[N]), else what spark-submit set. */
    static SparkSession session(String appName, String master) {
        SparkSession.Builder b = SparkSession.builder().appName(appName)
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.ui.enabled", "false");
        if (master != null) b = b.master(master);
        return b.getOrCreate();
    }

    /**
     * Runs a job's command line: a {@link CortadoException}, on the driver or inside a failed task,
     * prints as one line {@code cortado: <message>} and exits 2, as the other commands do.
     */
    static void main(Object job, String[] args) {
        int code = new picocli.CommandLine(job).setExecutionExceptionHandler((e, cl, pr) -> {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CortadoException) {
                    System.err.println("cortado: " + t.getMessage());
                    return 2;
                }
            }
            String m = String.valueOf(e.getMessage());
            int cortado = m.indexOf("dev.cortado.CortadoException: ");  // a task's failure, as Spark words it
            if (cortado >= 0) {
                System.err.println("cortado: " + m.substring(cortado + 30).lines().findFirst().orElse(""));
                return 2;
            }
            throw e;
        }).execute(args);
        System.exit(code);
    }

    /** The driver's Hadoop settings as a plain map, to rebuild a {@link Configuration} on executors. */
    static final class HadoopConf implements Serializable {
        private final HashMap<String, String> entries = new HashMap<>();

        HadoopConf(Configuration c) {
            for (Map.Entry<String, String> e : c) entries.put(e.getKey(), e.getValue());
        }

        Configuration get() {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            return c;
        }
    }

    static FileSystem fs(Path p, Configuration conf) {
        try {
            return p.getFileSystem(conf);
        } catch (IOException e) {
            throw CortadoException.inFile(p, "no file system for this path: " + e.getMessage());
        }
    }

    /** The files the inputs name: directories expand recursively (hidden and _-files skipped), sorted by path. */
    static List<FileStatus> expand(List<String> inputs, Configuration conf) {
        List<FileStatus> files = new ArrayList<>();
        for (String in : inputs) {
            Path p = new Path(in);
            FileSystem fs = fs(p, conf);
            try {
                FileStatus st = fs.getFileStatus(p);
                if (st.isFile()) {
                    files.add(st);
                    continue;
                }
                List<FileStatus> found = new ArrayList<>();
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    String n = f.getPath().getName();
                    if (!n.startsWith("_") && !n.startsWith(".")) found.add(f);
                }
                found.sort((a, b) -> a.getPath().toString().compareTo(b.getPath().toString()));
                files.addAll(found);
            } catch (java.io.FileNotFoundException e) {
                throw CortadoException.inFile(in, "no such file or directory");
            } catch (IOException e) {
                throw CortadoException.inFile(in, "cannot list: " + e.getMessage());
            }
        }
        return files;
    }

    /** Writes a small file whole: to a temporary name beside it, then renamed over it. */
    static void writeBytes(Path file, byte[] data, Configuration conf) {
        FileSystem fs = fs(file, conf);
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        try {
            fs.mkdirs(file.getParent());
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(data);
                out.hsync();
            }
            if (fs.exists(file)) fs.delete(file, false);
            if (!fs.rename(tmp, file)) throw new IOException("cannot rename " + tmp);
        } catch (IOException e) {
            throw CortadoException.inFile(file, "cannot write: " + e.getMessage());
        }
    }

    static String stripGz(String name) {
        return name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name;
    }

    static boolean isJsonl(String name) {
        String n = stripGz(name);
        return n.endsWith(".jsonl") || n.endsWith(".ndjson");
    }

    static boolean isParquet(String name) {
        return name.endsWith(".parquet");
    }
}
