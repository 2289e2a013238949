package dev.cortado.spark;

import org.apache.spark.sql.SparkSession;

/** One local Spark session for all the Spark tests in a run (starting one takes seconds). */
final class SparkTests {
    private static SparkSession session;

    private SparkTests() {}

    /**
     * local[2,4]: two cores, and a failed task is tried up to four times, as on a cluster (plain
     * local[N] never retries).
     */
    static synchronized SparkSession spark() {
        if (session == null) {
            session = SparkSession.builder().appName("cortado-tests").master("local[2,4]")
                    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }
}
